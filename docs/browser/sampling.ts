// Samples from a zoo generator exactly as `gankit sample` does in Node: the same latents for a
// seed, the same labels, the same grid and the same grey levels.
import { tfjsSeed } from '@gankit/core';
import { gridLabels } from '@gankit/trainers/browser';
import * as tf from '@tensorflow/tfjs';

/** A loaded generator and what its inputs are. */
export interface Generator {
  name: string;
  model: tf.LayersModel;
  latentDim: number;
  /** Number of classes of a conditional generator (its label input), else undefined. */
  numClasses: number | undefined;
}

/** Samples as `[n, h, w, c]` values in [-1, 1], with the latents and labels that made them. */
export interface Samples {
  values: Float32Array;
  shape: [number, number, number, number];
  latents: Float32Array;
  labels: number[] | undefined;
}

/**
 * Loads a zoo generator from `models/<name>/generator/model.json` with plain tfjs. Importing
 * `@gankit/models` (main.ts does) registers the custom layers the saved topology names.
 */
export async function loadGenerator(name: string, numClasses: number | undefined): Promise<Generator> {
  const model = await tf.loadLayersModel(new URL(`models/${name}/generator/model.json`, location.href).href);
  const latent = model.inputs.find((i) => i.dtype === 'float32')!;
  return { name, model, latentDim: latent.shape[1] as number, numClasses };
}

/** The trainer's latent draw (`latentBatch` of @gankit/families): a seed means the same latents in Node. */
export async function latents(n: number, latentDim: number, seed: number): Promise<Float32Array> {
  const z = tf.randomNormal([n, latentDim], 0, 1, 'float32', tfjsSeed(seed));
  try {
    return (await z.data()) as Float32Array;
  } finally {
    z.dispose();
  }
}

/**
 * The labels `gankit sample` gives a conditional generator: all `classIndex`, or one row per
 * class (`gridLabels`) when none is chosen.
 */
export function sampleLabels(n: number, numClasses: number, classIndex: number | undefined): number[] {
  return classIndex === undefined ? gridLabels(n, numClasses) : new Array<number>(n).fill(classIndex);
}

/** Runs the generator on latents (and labels, for a conditional one). */
export async function generate(
  g: Generator,
  z: Float32Array,
  labels: number[] | undefined,
): Promise<Pick<Samples, 'values' | 'shape'>> {
  const n = z.length / g.latentDim;
  const out = tf.tidy(() => {
    const feed = g.model.inputs.map((input) =>
      input.dtype === 'int32'
        ? tf.tensor2d(labels ?? new Array<number>(n).fill(0), [n, 1], 'int32')
        : tf.tensor2d(z, [n, g.latentDim]),
    );
    return g.model.predict(feed.length === 1 ? feed[0]! : feed) as tf.Tensor4D;
  });
  try {
    // await data(): GPU backends read asynchronously
    const values = (await out.data()) as Float32Array;
    return { values, shape: out.shape as Samples['shape'] };
  } finally {
    out.dispose();
  }
}

/** A value in [-1, 1] as a grey level, as @gankit/data's image grids round it. */
export function toByte(v: number): number {
  return Math.min(255, Math.max(0, Math.round((v + 1) * 127.5)));
}

/** The grid layout of @gankit/data's `imageGrid`: `cols` images a row, 2 white pixels around each. */
export const GRID_PADDING = 2;

/** Columns of the grid `gankit sample` writes: one row per class for a conditional sample of every class. */
export function gridColumns(
  n: number,
  numClasses: number | undefined,
  classIndex: number | undefined,
): number {
  if (numClasses !== undefined && classIndex === undefined) return Math.max(1, Math.floor(n / numClasses));
  return Math.ceil(Math.sqrt(n));
}

/**
 * Draws images into a canvas as a grid at one canvas pixel per image pixel (CSS scales it up),
 * with the padding and white of `imageGrid`.
 */
export function drawGrid(
  canvas: HTMLCanvasElement,
  values: Float32Array,
  shape: readonly number[],
  cols: number,
): void {
  const [n, h, w, c] = shape as [number, number, number, number];
  const used = Math.min(cols, n);
  const rows = Math.ceil(n / used);
  const p = GRID_PADDING;
  canvas.width = used * (w + p) + p;
  canvas.height = rows * (h + p) + p;
  const image = new ImageData(canvas.width, canvas.height);
  image.data.fill(255);
  for (let i = 0; i < n; i++) {
    const x0 = p + (i % used) * (w + p);
    const y0 = p + Math.floor(i / used) * (h + p);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const src = ((i * h + y) * w + x) * c;
        const dst = ((y0 + y) * canvas.width + x0 + x) * 4;
        for (let k = 0; k < 3; k++) image.data[dst + k] = toByte(values[src + (c === 1 ? 0 : k)]!);
      }
    }
  }
  canvas.getContext('2d')!.putImageData(image, 0, 0);
}

/** The grid cell under a point of the canvas (CSS pixels), or undefined on the padding. */
export function cellAt(
  canvas: HTMLCanvasElement,
  shape: readonly number[],
  cols: number,
  clientX: number,
  clientY: number,
): number | undefined {
  const [n, h, w] = shape as [number, number, number];
  const rect = canvas.getBoundingClientRect();
  const x = ((clientX - rect.left) / rect.width) * canvas.width;
  const y = ((clientY - rect.top) / rect.height) * canvas.height;
  const used = Math.min(cols, n);
  const col = Math.floor((x - GRID_PADDING) / (w + GRID_PADDING));
  const row = Math.floor((y - GRID_PADDING) / (h + GRID_PADDING));
  const i = row * used + col;
  return col >= 0 && col < used && row >= 0 && i < n ? i : undefined;
}

/**
 * Spherical interpolation between two latent vectors (Shoemake 1985; White 2016 for GANs):
 * it keeps the norm a Gaussian latent typically has, where a straight line passes through
 * lower-norm points G never saw.
 */
export function slerp(a: Float32Array, b: Float32Array, t: number): Float32Array {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i]! * b[i]!;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
  }
  const omega = Math.acos(Math.min(1, Math.max(-1, ab / Math.sqrt(aa * bb))));
  const s = Math.sin(omega);
  const [wa, wb] = s < 1e-6 ? [1 - t, t] : [Math.sin((1 - t) * omega) / s, Math.sin(t * omega) / s];
  return a.map((v, i) => wa * v + wb * b[i]!);
}
