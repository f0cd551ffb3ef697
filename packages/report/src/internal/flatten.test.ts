import { describe, expect, it } from 'vitest';
import { diffConfigs, flatten, numericLeaves } from './flatten.js';

describe('flatten', () => {
  it('lists leaves by dot path and keeps arrays whole', () => {
    const leaves = flatten({ a: 1, b: { c: 'x', d: { e: [1, 2] } }, f: {} });
    expect([...leaves]).toEqual([
      ['a', 1],
      ['b.c', 'x'],
      ['b.d.e', [1, 2]],
      ['f', {}],
    ]);
  });
});

describe('numericLeaves', () => {
  it('names each row of a table and adds the mean over the rows', () => {
    const numbers = numericLeaves({
      step: 1000,
      eval: {
        preset: 'srgan-x4',
        rows: [
          { image: 'a.png', size: [4, 4], model: { psnr: 28 } },
          { image: 'b.png', size: [4, 4], model: { psnr: 30 } },
        ],
      },
      perClass: [0.5, 1],
    });
    expect(Object.fromEntries(numbers)).toEqual({
      step: 1000,
      'eval.rows[a.png].model.psnr': 28,
      'eval.rows[b.png].model.psnr': 30,
      'eval.rows[mean].model.psnr': 29,
    });
  });
});

describe('diffConfigs', () => {
  it('lists the paths whose values differ, a missing path included', () => {
    const diffs = diffConfigs([
      { preset: 'p', optimizer: { learningRate: 1e-4, beta1: 0.5 }, layers: [1, 2], emaDecay: 0.99 },
      { preset: 'p', optimizer: { learningRate: 7e-4, beta1: 0.5 }, layers: [1, 3] },
    ]);
    expect(diffs).toEqual([
      { path: 'optimizer.learningRate', values: [1e-4, 7e-4] },
      {
        path: 'layers',
        values: [
          [1, 2],
          [1, 3],
        ],
      },
      { path: 'emaDecay', values: [0.99, undefined] },
    ]);
  });

  it('finds nothing in identical configs', () => {
    expect(diffConfigs([{ a: { b: 1 } }, { a: { b: 1 } }, { a: { b: 1 } }])).toEqual([]);
  });
});
