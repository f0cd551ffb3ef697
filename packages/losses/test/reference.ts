// Plain-JS references for golden values: loops over arrays, no tfjs.

export const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
export const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);
export const softplus = (x: number): number => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
export const relu = (x: number): number => Math.max(x, 0);
export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** Deterministic pseudo-random numbers in [-1, 1) (a small LCG), for test inputs. */
export function pseudoRandom(n: number, seed: number): number[] {
  let s = seed >>> 0 || 1;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32) * 2 - 1;
  });
}

/** Index of [b, h, w, c] in a row-major NHWC buffer. */
export const nhwc = (shape: readonly number[], b: number, h: number, w: number, c: number): number =>
  ((b * shape[1]! + h) * shape[2]! + w) * shape[3]! + c;

/** Central finite difference of f at x along every coordinate. */
export function finiteDifference(f: (x: number[]) => number, x: readonly number[], h = 1e-3): number[] {
  return x.map((_, i) => {
    const p = x.slice();
    const m = x.slice();
    p[i]! += h;
    m[i]! -= h;
    return (f(p) - f(m)) / (2 * h);
  });
}
