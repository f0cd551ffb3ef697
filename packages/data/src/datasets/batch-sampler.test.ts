import { GanError } from '@gankit/core';
import { describe, expect, it } from 'vitest';
import { BatchSampler } from './batch-sampler.js';

function take(sampler: BatchSampler, n: number): number[][] {
  return Array.from({ length: n }, () => sampler.next());
}

describe('BatchSampler', () => {
  it('covers every index once per epoch, with a fresh permutation each epoch', () => {
    const sampler = new BatchSampler({ size: 10, batchSize: 4, seed: 3 });
    expect(sampler.batchesPerEpoch).toBe(3);
    const epochs: number[][] = [];
    for (let e = 0; e < 3; e++) {
      const batches = [...sampler.epochBatches()];
      expect(batches.map((b) => b.length)).toEqual([4, 4, 2]);
      expect(sampler.epoch).toBe(e);
      const flat = batches.flat();
      expect([...flat].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      epochs.push(flat);
    }
    expect(epochs[1]).not.toEqual(epochs[0]);
    expect(epochs[2]).not.toEqual(epochs[1]);
    expect(epochs[0]).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('drops the last partial batch with dropLast', () => {
    const sampler = new BatchSampler({ size: 10, batchSize: 4, dropLast: true });
    expect(sampler.batchesPerEpoch).toBe(2);
    expect([...sampler.epochBatches()].map((b) => b.length)).toEqual([4, 4]);
    expect(sampler.epochDone).toBe(true);
    sampler.next();
    expect(sampler.epoch).toBe(1);
  });

  it('keeps the natural order without shuffle', () => {
    const sampler = new BatchSampler({ size: 5, batchSize: 2, shuffle: false });
    expect(take(sampler, 4)).toEqual([[0, 1], [2, 3], [4], [0, 1]]);
  });

  it('gives the same batches for the same seed and different ones for another seed', () => {
    const a = take(new BatchSampler({ size: 100, batchSize: 16, seed: 42 }), 20);
    expect(take(new BatchSampler({ size: 100, batchSize: 16, seed: 42 }), 20)).toEqual(a);
    expect(take(new BatchSampler({ size: 100, batchSize: 16, seed: 43 }), 20)).not.toEqual(a);
  });

  it('resumes exactly from a saved state, mid-epoch and at an epoch boundary, through JSON', () => {
    const options = { size: 37, batchSize: 8, seed: 9 };
    const reference = take(new BatchSampler(options), 30);
    // 5 batches per epoch: 3 is mid-epoch, 5 and 10 are epoch boundaries
    for (const cut of [0, 3, 5, 7, 10, 13]) {
      const first = new BatchSampler(options);
      const seen = take(first, cut);
      const state = JSON.parse(JSON.stringify(first.getState()));
      const resumed = new BatchSampler({ ...options, seed: 12345 });
      resumed.setState(state);
      expect(resumed.epoch).toBe(first.epoch);
      expect(resumed.batchIndex).toBe(first.batchIndex);
      expect([...seen, ...take(resumed, 30 - cut)]).toEqual(reference);
    }
  });

  it('resumes the remaining batches of an epoch through epochBatches', () => {
    const options = { size: 20, batchSize: 3, seed: 1, dropLast: true };
    const full = new BatchSampler(options);
    const reference = [...full.epochBatches(), ...full.epochBatches()];
    const first = new BatchSampler(options);
    const seen: number[][] = [];
    for (const batch of first.epochBatches()) {
      seen.push(batch);
      if (seen.length === 4) break;
    }
    const resumed = new BatchSampler(options);
    resumed.setState(first.getState());
    expect([...seen, ...resumed.epochBatches(), ...resumed.epochBatches()]).toEqual(reference);
  });

  it('refuses a state from a different configuration, listing every difference', () => {
    const state = new BatchSampler({ size: 10, batchSize: 4 }).getState();
    const other = new BatchSampler({ size: 12, batchSize: 5 });
    expect(() => other.setState(state)).toThrow(
      new GanError(
        'INVALID_ARGUMENT',
        'BatchSampler.setState: size is 10 in the state but 12 here; batchSize is 4 in the state but 5 here',
      ),
    );
    expect(() => new BatchSampler({ size: 10, batchSize: 4 }).setState({ ...state, batchIndex: 4 })).toThrow(
      'BatchSampler.setState: batchIndex must be an integer in [0, 3], got 4',
    );
  });

  it('validates its options', () => {
    expect(() => new BatchSampler({ size: 0, batchSize: 4 })).toThrow(
      'BatchSampler: size must be an integer >= 1, got 0',
    );
    expect(() => new BatchSampler({ size: 3, batchSize: 4, dropLast: true })).toThrow(
      'BatchSampler: with dropLast, batchSize (4) must be <= size (3), or no batch is ever full',
    );
    expect(() => new BatchSampler({ size: 3, batchSize: 1.5 })).toThrow(GanError);
  });

  it('runs the documented example', () => {
    const sampler = new BatchSampler({ size: 10, batchSize: 4, seed: 1 });
    expect([...sampler.epochBatches()].map((b) => b.length)).toEqual([4, 4, 2]);
    const saved = sampler.getState();
    const a = sampler.next();
    const resumed = new BatchSampler({ size: 10, batchSize: 4 });
    resumed.setState(saved);
    expect(resumed.next()).toEqual(a);
  });
});
