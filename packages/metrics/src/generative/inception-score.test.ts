import '@tensorflow/tfjs-backend-cpu';
import { readFileSync } from 'node:fs';
import { GanError, SeededRandom } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { inceptionScore } from './inception-score.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

interface IsCase {
  name: string;
  classes: number;
  logits: number[][];
  splits: number;
  mean: number;
  std: number;
}
// made by fixtures/make-generative-fixtures.py (torch-fidelity's isc_features_to_metric, no shuffle)
const fixture = JSON.parse(
  readFileSync(new URL('../../fixtures/generative.json', import.meta.url), 'utf8'),
) as { inception: IsCase[] };

const close = (actual: number, expected: number, relative: number) =>
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(relative * Math.abs(expected) + 1e-12);

function randomLogits(seed: number, n: number, classes: number, scale: number): number[][] {
  const r = new SeededRandom(seed);
  return Array.from({ length: n }, () => Array.from({ length: classes }, () => scale * r.normal()));
}

describe('inceptionScore matches torch-fidelity', () => {
  it.each(fixture.inception.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const r = await inceptionScore(c.logits, { splits: c.splits });
    close(r.mean, c.mean, 1e-6);
    close(r.std, c.std, 1e-6);
  });
});

describe('inceptionScore properties', () => {
  const cases = fc.record({
    seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    n: fc.integer({ min: 1, max: 60 }),
    classes: fc.integer({ min: 2, max: 30 }),
    scale: fc.double({ min: 0, max: 100, noNaN: true }),
    splits: fc.integer({ min: 1, max: 10 }),
  });

  it('lies in [1, classes] and ignores a constant added to a row of logits', async () => {
    await fc.assert(
      fc.asyncProperty(cases, fc.double({ min: -1e3, max: 1e3, noNaN: true }), async (c, shift) => {
        const splits = Math.min(c.splits, c.n);
        const logits = randomLogits(c.seed, c.n, c.classes, c.scale);
        const r = await inceptionScore(logits, { splits });
        expect(r.mean).toBeGreaterThanOrEqual(1 - 1e-12);
        expect(r.mean).toBeLessThanOrEqual(c.classes * (1 + 1e-12));
        const moved = await inceptionScore(
          logits.map((row, i) => row.map((v) => v + (i % 2 ? shift : -shift))),
          { splits },
        );
        close(moved.mean, r.mean, 1e-9);
      }),
      { numRuns: 60 },
    );
  });

  it('is 1 when every sample gets the same prediction, and the class count for confident even predictions', async () => {
    await fc.assert(
      fc.asyncProperty(cases, async (c) => {
        // one prediction for all: p(y|x) = p(y), KL 0
        const row = randomLogits(c.seed, 1, c.classes, c.scale)[0]!;
        const same = await inceptionScore(
          Array.from({ length: c.n }, () => row),
          { splits: Math.min(c.splits, c.n) },
        );
        close(same.mean, 1, 1e-12);
        expect(same.std).toBeLessThanOrEqual(1e-12);
        // every class once per split, each with certainty: KL = log(classes)
        const splits = Math.min(c.splits, 4);
        const confident = Array.from({ length: splits * c.classes }, (_, i) =>
          Array.from({ length: c.classes }, (_, k) => (k === i % c.classes ? 80 : 0)),
        );
        const r = await inceptionScore(confident, { splits });
        close(r.mean, c.classes, 1e-9);
        expect(r.std).toBeLessThanOrEqual(1e-9);
      }),
      { numRuns: 40 },
    );
  });
});

describe('inceptionScore inputs', () => {
  it('reads tensors without leaking any', async () => {
    const c = fixture.inception[0]!;
    const t = tf.tensor2d(c.logits);
    const before = tf.memory().numTensors;
    const r = await inceptionScore(t, { splits: c.splits });
    expect(tf.memory().numTensors).toBe(before);
    t.dispose();
    close(r.mean, c.mean, 1e-5); // float32 logits
  });

  it('rejects bad input with GanError codes', async () => {
    const code = (p: Promise<unknown>) =>
      p.then(
        () => 'resolved',
        (e: unknown) => (e instanceof GanError ? `${e.code}: ${e.message}` : String(e)),
      );
    const logits = randomLogits(1, 5, 3, 1);
    expect(await code(inceptionScore(logits, { splits: 6 }))).toMatch(
      /^INVALID_ARGUMENT: inceptionScore: options.splits must be <= the number of samples \(5\)/,
    );
    expect(await code(inceptionScore(logits, { splits: 0 }))).toMatch(/^INVALID_ARGUMENT/);
    expect(await code(inceptionScore([[1], [2]], { splits: 1 }))).toMatch(
      /^INVALID_ARGUMENT: inceptionScore: logits must have at least 2 classes, got shape \[2, 1\]/,
    );
    expect(await code(inceptionScore([]))).toMatch(
      /^INVALID_ARGUMENT: inceptionScore: logits must hold at least 1/,
    );
    expect(await code(inceptionScore([[1, 2], [3]]))).toMatch(/^SHAPE_MISMATCH/);
    expect(await code(inceptionScore([[1, Number.NaN]], { splits: 1 }))).toMatch(/^NON_FINITE/);
  });
});
