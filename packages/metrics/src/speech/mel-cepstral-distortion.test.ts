import '@tensorflow/tfjs-backend-cpu';
import { readFileSync } from 'node:fs';
import { GanError, SeededRandom } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { dtwAlign, melCepstralDistortion, melCepstrum } from './mel-cepstral-distortion.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

interface Mcd {
  mcd: number;
  frames: number;
}
// made by fixtures/make-speech-fixtures.py (numpy, scipy.fft.dct(type=2) / 2M, a plain Python DTW)
const fixture = JSON.parse(readFileSync(new URL('../../fixtures/speech.json', import.meta.url), 'utf8')) as {
  order: number;
  a: number[][];
  b: number[][];
  cepstraA: number[][];
  cepstraB: number[][];
  dtwCost: number;
  dtwPathLength: number;
  dtwPathStart: number[][];
  dtwPathEnd: number[][];
  mcdDtw: Mcd;
  mcdNone: Mcd;
  silent: { frames: number[]; shift: number; mcdDtw: Mcd; mcdNone: Mcd; mcdDtwKeepAll: Mcd };
};

const relClose = (actual: number, expected: number, relative = 1e-4) =>
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(relative * Math.abs(expected) + 1e-6);

function randomLogMel(seed: number, n: number, d: number): number[][] {
  const r = new SeededRandom(seed);
  return Array.from({ length: n }, () => Array.from({ length: d }, () => -2 + 1.5 * r.normal()));
}

function expectGanError(f: () => unknown, pattern: RegExp) {
  let caught: unknown;
  try {
    f();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(GanError);
  expect((caught as GanError).code).toBe('INVALID_ARGUMENT');
  expect((caught as GanError).message).toMatch(pattern);
}

describe('golden values from numpy/scipy', () => {
  const { a, b, order } = fixture;

  it('melCepstrum matches scipy.fft.dct(type=2) / 2M', () => {
    for (const [x, expected] of [
      [a, fixture.cepstraA],
      [b, fixture.cepstraB],
    ] as const) {
      const c = melCepstrum(x, order);
      expect(c.length).toBe(expected.length);
      for (let i = 0; i < c.length; i++) {
        expect(c[i]).toBeInstanceOf(Float32Array);
        expect(c[i]!.length).toBe(order + 1);
        for (let d = 0; d <= order; d++) relClose(c[i]![d]!, expected[i]![d]!);
      }
    }
  });

  it('dtwAlign on c_1..c_order matches the Python DTW', () => {
    const strip = (rows: number[][]) => rows.map((r) => r.slice(1));
    const { path, cost } = dtwAlign(strip(fixture.cepstraA), strip(fixture.cepstraB));
    relClose(cost, fixture.dtwCost);
    expect(path.length).toBe(fixture.dtwPathLength);
    expect(path.slice(0, 5)).toEqual(fixture.dtwPathStart);
    expect(path.slice(-5)).toEqual(fixture.dtwPathEnd);
  });

  it('melCepstralDistortion with dtw and none', () => {
    const dtw = melCepstralDistortion(a, b, { order });
    relClose(dtw.mcd, fixture.mcdDtw.mcd);
    expect(dtw.frames).toBe(fixture.mcdDtw.frames);
    const none = melCepstralDistortion(a, b.slice(0, a.length), { order, align: 'none' });
    relClose(none.mcd, fixture.mcdNone.mcd);
    expect(none.frames).toBe(fixture.mcdNone.frames);
  });

  it('drops silent reference frames with their partners', () => {
    const s = fixture.silent;
    const quiet = a.map((row, i) => (s.frames.includes(i) ? row.map((v) => v + s.shift) : row));
    const dtw = melCepstralDistortion(quiet, b, { order });
    relClose(dtw.mcd, s.mcdDtw.mcd);
    expect(dtw.frames).toBe(s.mcdDtw.frames);
    const none = melCepstralDistortion(quiet, b.slice(0, a.length), { order, align: 'none' });
    relClose(none.mcd, s.mcdNone.mcd);
    expect(none.frames).toBe(s.mcdNone.frames);
    expect(none.frames).toBe(a.length - s.frames.length);
    const all = melCepstralDistortion(quiet, b, { order, silenceDb: Number.POSITIVE_INFINITY });
    relClose(all.mcd, s.mcdDtwKeepAll.mcd);
    expect(all.frames).toBe(s.mcdDtwKeepAll.frames);
  });
});

describe('properties', () => {
  const x = randomLogMel(7, 30, 20);

  it('is 0 for a sequence against itself', () => {
    for (const align of ['dtw', 'none'] as const) {
      const r = melCepstralDistortion(x, x, { order: 12, align });
      expect(r.mcd).toBeLessThanOrEqual(1e-9);
      expect(r.frames).toBe(30);
    }
  });

  it('is 0 under dtw against a time-stretched copy, and none refuses it', () => {
    const stretched = x.flatMap((row) => [row, row]);
    const r = melCepstralDistortion(x, stretched, { order: 12 });
    expect(r.mcd).toBeLessThanOrEqual(1e-9);
    expect(r.frames).toBe(60);
    const cx = melCepstrum(x, 12);
    const cs = melCepstrum(stretched, 12);
    expect(dtwAlign(cx, cs).cost).toBeLessThanOrEqual(1e-9);
    expectGanError(
      () => melCepstralDistortion(x, stretched, { order: 12, align: 'none' }),
      /melCepstralDistortion: .*\[30, 20\] and \[60, 20\]/,
    );
  });

  it('is symmetric under none', () => {
    const y = randomLogMel(8, 30, 20);
    const xy = melCepstralDistortion(x, y, { order: 12, align: 'none', silenceDb: Number.POSITIVE_INFINITY });
    const yx = melCepstralDistortion(y, x, { order: 12, align: 'none', silenceDb: Number.POSITIVE_INFINITY });
    expect(xy.mcd).toBeGreaterThan(1);
    expect(Math.abs(xy.mcd - yx.mcd)).toBeLessThanOrEqual(1e-9 * xy.mcd);
  });

  it('ignores a constant added to every log-mel bin (only c_0 changes)', () => {
    const louder = x.map((row) => row.map((v) => v + 3.7));
    const cx = melCepstrum(x, 12);
    const cl = melCepstrum(louder, 12);
    expect(cl[0]![0]! - cx[0]![0]!).toBeCloseTo(3.7, 4);
    for (let d = 1; d <= 12; d++) expect(cl[0]![d]!).toBeCloseTo(cx[0]![d]!, 5);
    for (const align of ['dtw', 'none'] as const) {
      const r = melCepstralDistortion(x, louder, { order: 12, align });
      expect(r.mcd).toBeLessThanOrEqual(1e-4);
      expect(r.frames).toBe(30);
    }
  });

  it('drops silent frames (frame count falls) unless silenceDb is Infinity', () => {
    const quiet = x.map((row, i) => (i < 5 ? row.map(() => -40) : row));
    const y = randomLogMel(9, 30, 20);
    expect(melCepstralDistortion(quiet, y, { order: 12, align: 'none' }).frames).toBe(25);
    expect(
      melCepstralDistortion(quiet, y, { order: 12, align: 'none', silenceDb: Number.POSITIVE_INFINITY })
        .frames,
    ).toBe(30);
    expect(melCepstralDistortion(quiet, y, { order: 12 }).frames).toBeLessThan(
      melCepstralDistortion(quiet, y, { order: 12, silenceDb: Number.POSITIVE_INFINITY }).frames,
    );
  });

  it('dtwAlign gives a monotone path from (0,0) to (n-1,m-1) with unit steps', () => {
    const { path } = dtwAlign(randomLogMel(1, 13, 4), randomLogMel(2, 21, 4));
    expect(path[0]).toEqual([0, 0]);
    expect(path[path.length - 1]).toEqual([12, 20]);
    for (let k = 1; k < path.length; k++) {
      const di = path[k]![0] - path[k - 1]![0];
      const dj = path[k]![1] - path[k - 1]![1];
      expect([0, 1]).toContain(di);
      expect([0, 1]).toContain(dj);
      expect(di + dj).toBeGreaterThan(0);
    }
    expect(dtwAlign([[0], [1], [2]], [[0], [0], [1], [1], [2]])).toEqual({
      path: [
        [0, 0],
        [0, 1],
        [1, 2],
        [1, 3],
        [2, 4],
      ],
      cost: 0,
    });
  });

  it('handles a few thousand frames each side', () => {
    const long = randomLogMel(3, 2000, 8);
    const long2 = randomLogMel(4, 2500, 8);
    const r = melCepstralDistortion(long, long2, { order: 6 });
    expect(Number.isFinite(r.mcd)).toBe(true);
    expect(r.frames).toBeGreaterThanOrEqual(2500);
  });
});

describe('tensors', () => {
  it("takes a tensor's rows, not the tensor (nothing is read synchronously)", async () => {
    const { a, b, order } = fixture;
    const ta = tf.tensor2d(a);
    const tb = tf.tensor2d(b);
    const r = melCepstralDistortion((await ta.array()) as number[][], (await tb.array()) as number[][], {
      order,
    });
    relClose(r.mcd, fixture.mcdDtw.mcd);
    expectGanError(
      () => melCepstralDistortion(ta as unknown as number[][], b, { order }),
      /melCepstralDistortion: reference must be rows of numbers, got a tensor of shape \[37, 20\]; pass await tensor.array\(\)/,
    );
    tf.dispose([ta, tb]);
  });
});

describe('errors', () => {
  const x = randomLogMel(5, 10, 16);

  it('rejects empty inputs', () => {
    expectGanError(() => melCepstrum([], 4), /melCepstrum: logMel .*\[0, 0\]/);
    expectGanError(() => melCepstralDistortion(x, [[]]), /melCepstralDistortion: converted .*\[1, 0\]/);
    expectGanError(() => dtwAlign([], [[1]]), /dtwAlign: a /);
    const empty = tf.zeros([0, 16]) as tf.Tensor2D;
    expectGanError(
      () => melCepstralDistortion(empty as unknown as number[][], x, { order: 4 }),
      /reference .*\[0, 16\]/,
    );
    empty.dispose();
  });

  it('rejects mismatched mel-bin counts and ragged rows', () => {
    expectGanError(
      () => melCepstralDistortion(x, randomLogMel(6, 10, 12), { order: 4 }),
      /melCepstralDistortion: .*mel bins.*\[10, 16\] and \[10, 12\]/,
    );
    expectGanError(() => dtwAlign([[1, 2]], [[1, 2, 3]]), /dtwAlign: .*\[1, 2\] and \[1, 3\]/);
    expectGanError(
      () =>
        melCepstrum(
          [
            [1, 2, 3],
            [1, 2],
          ],
          1,
        ),
      /equal length/,
    );
    const t3 = tf.zeros([2, 3, 4]);
    expectGanError(() => melCepstrum(t3 as unknown as number[][], 1), /\[2, 3, 4\]/);
    t3.dispose();
  });

  it('rejects order >= melBins and non-integer orders', () => {
    expectGanError(() => melCepstrum(x, 16), /melCepstrum: order .*got 16 for 16 mel bins/);
    expectGanError(
      () => melCepstralDistortion(x, x),
      /melCepstralDistortion: order .*got 24 for 16 mel bins/,
    );
    expectGanError(() => melCepstrum(x, 0), /order/);
    expectGanError(() => melCepstrum(x, 2.5), /order/);
  });

  it('rejects none with different frame counts', () => {
    expectGanError(
      () => melCepstralDistortion(x, x.slice(1), { order: 4, align: 'none' }),
      /\[10, 16\] and \[9, 16\]/,
    );
  });

  it('rejects non-finite values and bad options', () => {
    const bad = x.map((row) => row.slice());
    bad[3]![7] = Number.NaN;
    expectGanError(
      () => melCepstralDistortion(x, bad, { order: 4 }),
      /converted must be finite.*frame 3, bin 7/,
    );
    bad[3]![7] = Number.NEGATIVE_INFINITY;
    expectGanError(() => melCepstrum(bad, 4), /logMel must be finite/);
    expectGanError(() => dtwAlign(bad, x), /dtwAlign: a must be finite/);
    expectGanError(
      () => melCepstralDistortion(x, x, { order: 4, align: 'fast' as 'dtw' }),
      /align must be 'dtw' or 'none'/,
    );
    expectGanError(() => melCepstralDistortion(x, x, { order: 4, silenceDb: -1 }), /silenceDb/);
  });
});
