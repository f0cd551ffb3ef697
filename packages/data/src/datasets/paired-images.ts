import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { checkInteger, GanError, SeededRandom, type SeededRandomState } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';
import { bundledDataDir } from './bundled.js';
import { loadImage, loadSharp, type RawImage } from './image-io.js';

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.webp']);

/**
 * Loads every PNG, JPEG or WebP image of a folder (sorted by name, not recursive) as 8-bit RGB.
 * @param dir - the folder
 * @param options - `minSize`: images smaller than this on either side are refused
 * @returns the images with their file names
 * @throws GanError `IO_ERROR` for a missing or empty folder; `INVALID_DATA` naming an unreadable file or one smaller than `minSize`
 * @example
 * ```ts
 * import { bundledSuperResolutionDir, loadImageFolder } from '@gankit/data';
 * const images = await loadImageFolder(bundledSuperResolutionDir());
 * console.log(images.length, images[0]!.file);
 * ```
 * @category Data
 */
export async function loadImageFolder(
  dir: string,
  options: { minSize?: number } = {},
): Promise<{ file: string; image: RawImage }[]> {
  const fn = 'loadImageFolder';
  let names: string[];
  try {
    names = (await fs.readdir(dir)).filter((n) => IMAGE_EXTENSIONS.has(path.extname(n).toLowerCase())).sort();
  } catch (e) {
    throw new GanError('IO_ERROR', `${fn}: cannot read the folder ${dir}`, { cause: e });
  }
  if (names.length === 0) {
    throw new GanError('IO_ERROR', `${fn}: ${dir} holds no .png, .jpg or .webp images`);
  }
  const out: { file: string; image: RawImage }[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    const image = await loadImage(file, { channels: 3 });
    if (options.minSize !== undefined && (image.width < options.minSize || image.height < options.minSize)) {
      throw new GanError(
        'INVALID_DATA',
        `${fn}: ${file} is ${image.width}x${image.height}, smaller than the ${options.minSize}x${options.minSize} crops asked for`,
      );
    }
    out.push({ file, image });
  }
  return out;
}

/** Copies the w x h window at (x, y) of an RGB image, optionally mirrored and/or transposed. */
function crop(
  image: RawImage,
  x: number,
  y: number,
  size: number,
  flip: boolean,
  flipVertical: boolean,
  transpose: boolean,
): Uint8Array {
  const c = image.channels;
  const out = new Uint8Array(size * size * c);
  for (let r = 0; r < size; r++) {
    for (let q = 0; q < size; q++) {
      // output pixel (r, q) reads source (sr, sq) of the window
      let sr = transpose ? q : r;
      let sq = transpose ? r : q;
      if (flip) sq = size - 1 - sq;
      if (flipVertical) sr = size - 1 - sr;
      const src = ((y + sr) * image.width + (x + sq)) * c;
      const dst = (r * size + q) * c;
      for (let k = 0; k < c; k++) out[dst + k] = image.data[src + k]!;
    }
  }
  return out;
}

/**
 * Resizes an 8-bit image with sharp's bicubic (Catmull-Rom) kernel, the interpolation
 * super-resolution benchmarks use for their low-resolution inputs and their baseline.
 * @param image - the image
 * @param width - new width
 * @param height - new height
 * @returns the resized image
 * @example
 * ```ts
 * import { resizeBicubic } from '@gankit/data';
 * const small = await resizeBicubic({ data: new Uint8Array(8 * 8 * 3), width: 8, height: 8, channels: 3 }, 2, 2);
 * ```
 * @category Data
 */
export async function resizeBicubic(image: RawImage, width: number, height: number): Promise<RawImage> {
  const sharp = await loadSharp('resizeBicubic');
  const out = await sharp(image.data, {
    raw: { width: image.width, height: image.height, channels: image.channels as 1 | 3 | 4 },
  })
    .resize(width, height, { kernel: 'cubic' })
    .raw()
    .toBuffer();
  return {
    data: new Uint8Array(out.buffer, out.byteOffset, out.byteLength),
    width,
    height,
    channels: image.channels,
  };
}

/**
 * Downscales a square RGB crop by an integer factor with {@link resizeBicubic}.
 * @param pixels - size x size x channels bytes
 * @param size - the crop's side
 * @param scale - the factor
 * @param channels - channels per pixel. Default 3
 * @returns the (size / scale)^2 x channels bytes
 * @example
 * ```ts
 * import { bicubicDownscale } from '@gankit/data';
 * const lr = await bicubicDownscale(new Uint8Array(16 * 16 * 3), 16, 4); // 4x4x3 bytes
 * ```
 * @category Data
 */
export async function bicubicDownscale(
  pixels: Uint8Array,
  size: number,
  scale: number,
  channels = 3,
): Promise<Uint8Array> {
  return (
    await resizeBicubic({ data: pixels, width: size, height: size, channels }, size / scale, size / scale)
  ).data;
}

const toUnit = (bytes: Uint8Array) => Float32Array.from(bytes, (v) => v / 127.5 - 1);

/**
 * Options of {@link superResolutionPairs}.
 * @category Data
 */
export interface SuperResolutionPairsOptions {
  /** Side of the high-resolution crops; a multiple of `scale`. Default 96 (Ledig et al.). */
  hrSize?: number;
  /** Downscaling factor of the low-resolution inputs. Default 4. */
  scale?: number;
  /** Pairs per batch. Default 16. */
  batchSize?: number;
  /** Seed of the crop positions and flips. Default 0. */
  seed?: number;
  /** Also rotate crops by multiples of 90 degrees (all 8 symmetries of the square, not just mirroring). Default true. */
  rotate?: boolean;
  /**
   * Start the next batch's downscales as soon as a batch is handed out, so that sharp works on
   * them while the caller trains on this one (the same batches in the same order). Default true.
   */
  prefetch?: boolean;
}

/**
 * The state of a {@link SuperResolutionPairs} source: its random stream position. */
export type SuperResolutionPairsState = SeededRandomState;

/**
 * A seeded source of super-resolution training pairs.
 * @category Data
 */
export interface SuperResolutionPairs {
  /** @returns the next `{ inputs: LR [b, s/scale, s/scale, 3], targets: HR [b, s, s, 3] }` in [-1, 1] (the caller owns both) */
  next(): Promise<{ inputs: tf.Tensor4D; targets: tf.Tensor4D }>;
  /** @returns the position, to resume the same sequence */
  getState(): SuperResolutionPairsState;
  /** @param state - a position from `getState` */
  setState(state: SuperResolutionPairsState): void;
}

/**
 * Super-resolution training pairs from a set of images: each pair is a random `hrSize` crop
 * of a random image (seeded), randomly mirrored and rotated by multiples of 90 degrees, and its bicubic
 * downscale by `scale` (sharp, per crop, so LR and HR align exactly). Values in [-1, 1], NHWC.
 *
 * @param images - decoded RGB images, e.g. from {@link loadImageFolder}
 * @param options - crop size, scale, batch size, seed, rotations
 * @returns the batch source
 * @throws GanError `INVALID_ARGUMENT` when `hrSize` is not a multiple of `scale`; `INVALID_DATA` naming an image smaller than the crop
 * @example
 * ```ts
 * import { bundledSuperResolutionDir, loadImageFolder, superResolutionPairs } from '@gankit/data';
 * const pairs = superResolutionPairs(await loadImageFolder(bundledSuperResolutionDir()), { hrSize: 64, scale: 4, batchSize: 4 });
 * const { inputs, targets } = await pairs.next(); // [4, 16, 16, 3] and [4, 64, 64, 3]
 * ```
 * @category Data
 */
export function superResolutionPairs(
  images: readonly { file: string; image: RawImage }[],
  options: SuperResolutionPairsOptions = {},
): SuperResolutionPairs {
  const fn = 'superResolutionPairs';
  const hrSize = checkInteger(fn, 'hrSize', options.hrSize ?? 96);
  const scale = checkInteger(fn, 'scale', options.scale ?? 4);
  const batchSize = checkInteger(fn, 'batchSize', options.batchSize ?? 16);
  if (hrSize % scale !== 0) {
    throw new GanError('INVALID_ARGUMENT', `${fn}: hrSize ${hrSize} must be a multiple of scale ${scale}`);
  }
  if (images.length === 0) throw new GanError('INVALID_ARGUMENT', `${fn}: images must not be empty`);
  for (const { file, image } of images) {
    if (image.width < hrSize || image.height < hrSize) {
      throw new GanError(
        'INVALID_DATA',
        `${fn}: ${file} is ${image.width}x${image.height}, smaller than the ${hrSize}x${hrSize} crops`,
      );
    }
    if (image.channels !== 3) {
      throw new GanError('INVALID_DATA', `${fn}: ${file} has ${image.channels} channels; load images as RGB`);
    }
  }
  const rotate = options.rotate ?? true;
  const prefetch = options.prefetch ?? true;
  const rng = new SeededRandom(options.seed ?? 0);
  const lrSize = hrSize / scale;
  // draws one batch's crops now (the random stream advances in call order) and resolves to its
  // values; tensors are made by next(), never inside a continuation that might run in a tidy
  const draw = async (): Promise<{ lr: Float32Array; hr: Float32Array }> => {
    const hr = new Float32Array(batchSize * hrSize * hrSize * 3);
    const lr = new Float32Array(batchSize * lrSize * lrSize * 3);
    const crops: Uint8Array[] = [];
    for (let b = 0; b < batchSize; b++) {
      const { image } = images[rng.int(images.length)]!;
      const x = rng.int(image.width - hrSize + 1);
      const y = rng.int(image.height - hrSize + 1);
      const flip = rng.next() < 0.5;
      const flipVertical = rotate && rng.next() < 0.5;
      const transpose = rotate && rng.next() < 0.5;
      const pixels = crop(image, x, y, hrSize, flip, flipVertical, transpose);
      hr.set(toUnit(pixels), b * hrSize * hrSize * 3);
      crops.push(pixels);
    }
    // every downscale at once: sharp runs them on its worker threads
    const small = await Promise.all(crops.map((pixels) => bicubicDownscale(pixels, hrSize, scale)));
    small.forEach((pixels, b) => {
      lr.set(toUnit(pixels), b * lrSize * lrSize * 3);
    });
    return { lr, hr };
  };
  // the prefetched batch and the stream position before it was drawn (what getState reports)
  let pending: { state: SuperResolutionPairsState; batch: ReturnType<typeof draw> } | undefined;
  return {
    async next() {
      const batch = pending?.batch ?? draw();
      pending = undefined;
      const { lr, hr } = await batch;
      if (prefetch) {
        const state = rng.getState();
        const next = draw();
        next.catch(() => {}); // reported by the next() that awaits it
        pending = { state, batch: next };
      }
      return {
        inputs: tf.tensor4d(lr, [batchSize, lrSize, lrSize, 3]),
        targets: tf.tensor4d(hr, [batchSize, hrSize, hrSize, 3]),
      };
    },
    getState: () => pending?.state ?? rng.getState(),
    setState: (state) => {
      pending = undefined;
      rng.setState(state);
    },
  };
}

/**
 * The folder of natural-image crops shipped with `@gankit/data` for the super-resolution
 * presets (see its README.md for sources and licences).
 * @returns an absolute path
 * @example
 * ```ts
 * import { bundledSuperResolutionDir } from '@gankit/data';
 * console.log(bundledSuperResolutionDir());
 * ```
 * @category Data
 */
export function bundledSuperResolutionDir(): string {
  return bundledDataDir('bundledSuperResolutionDir', 'sr-crops');
}
