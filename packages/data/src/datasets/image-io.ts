import { writeFile } from 'node:fs/promises';
import { dirname, extname } from 'node:path';
import { formatShape, GanError } from '@gankit/core';
import type * as tf from '@tensorflow/tfjs-core';
import type { Sharp, SharpOptions } from 'sharp';
import { makeDirectory } from '../checkpoint/directories.js';

/**
 * An image as bytes: `height x width x channels` uint8 pixels, row-major, channels interleaved.
 * @category Data
 */
export interface RawImage {
  /** The pixels, `height * width * channels` bytes. */
  data: Uint8Array;
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** 1 (grayscale), 3 (RGB) or 4 (RGBA). */
  channels: number;
}

type SharpFactory = (input?: Uint8Array | string, options?: SharpOptions) => Sharp;

let sharpFactory: Promise<SharpFactory> | undefined;

// sharp is a native module: load it on first use, so importing @gankit/data stays cheap and
// works where only the tensor parts are needed.
/** @internal Shared by the image helpers of this package. */
export function loadSharp(fn: string): Promise<SharpFactory> {
  sharpFactory ??= import('sharp').then(
    (module) => ((module as { default?: SharpFactory }).default ?? module) as SharpFactory,
  );
  return sharpFactory.catch((error: unknown) => {
    sharpFactory = undefined;
    throw new GanError(
      'BACKEND_UNAVAILABLE',
      `${fn}: the image library sharp could not be loaded: ${String(error)}`,
      {
        cause: error,
      },
    );
  });
}

const SUPPORTED_CHANNELS = [1, 3, 4];

function checkRawImage(fn: string, image: RawImage): void {
  const { data, width, height, channels } = image;
  if (!(data instanceof Uint8Array)) {
    throw new GanError('INVALID_ARGUMENT', `${fn}: image.data must be a Uint8Array, got ${typeof data}`);
  }
  for (const [name, value] of [
    ['width', width],
    ['height', height],
  ] as const) {
    if (!Number.isInteger(value) || value < 1) {
      throw new GanError(
        'INVALID_ARGUMENT',
        `${fn}: image.${name} must be an integer >= 1, got ${String(value)}`,
      );
    }
  }
  if (!SUPPORTED_CHANNELS.includes(channels)) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: image.channels must be 1, 3 or 4, got ${String(channels)}`,
    );
  }
  if (data.length !== width * height * channels) {
    throw new GanError(
      'SHAPE_MISMATCH',
      `${fn}: image.data holds ${data.length} bytes but ${height}x${width}x${channels} needs ${width * height * channels}`,
    );
  }
}

type ImageFormat = 'png' | 'jpeg' | 'webp';

function formatOf(fn: string, path: string): ImageFormat {
  const ext = extname(path).toLowerCase();
  if (ext === '.png') return 'png';
  if (ext === '.jpg' || ext === '.jpeg') return 'jpeg';
  if (ext === '.webp') return 'webp';
  throw new GanError(
    'INVALID_ARGUMENT',
    `${fn}: path must end in .png, .jpg, .jpeg or .webp, got ${JSON.stringify(path)}`,
  );
}

async function encode(fn: string, image: RawImage, format: ImageFormat): Promise<Buffer> {
  const sharp = await loadSharp(fn);
  const { width, height, channels } = image;
  let pipeline = sharp(image.data, { raw: { width, height, channels: channels as 1 | 3 | 4 } });
  // without this sharp widens one channel to RGB
  if (channels === 1) pipeline = pipeline.toColourspace('b-w');
  switch (format) {
    case 'png':
      // fixed settings and no metadata, so the same pixels always give the same bytes
      pipeline = pipeline.png({ compressionLevel: 9, adaptiveFiltering: false, palette: false });
      break;
    case 'jpeg':
      pipeline = pipeline.jpeg({ quality: 95, chromaSubsampling: '4:4:4' });
      break;
    case 'webp':
      pipeline = pipeline.webp({ lossless: true });
      break;
  }
  try {
    return await pipeline.toBuffer();
  } catch (error) {
    throw new GanError(
      'INVALID_DATA',
      `${fn}: could not encode ${height}x${width}x${channels} image: ${String(error)}`,
      {
        cause: error,
      },
    );
  }
}

async function writeBytes(fn: string, path: string, bytes: Uint8Array): Promise<void> {
  try {
    await makeDirectory(dirname(path), fn);
    await writeFile(path, bytes);
  } catch (error) {
    if (error instanceof GanError) throw error;
    throw new GanError('IO_ERROR', `${fn}: cannot write ${path}: ${String(error)}`, { cause: error });
  }
}

function checkRange(fn: string, range: readonly [number, number]): [number, number] {
  const [min, max] = range;
  if (range.length !== 2 || !Number.isFinite(min) || !Number.isFinite(max) || !(max > min)) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: range must be [min, max] with finite min < max, got ${JSON.stringify(range)}`,
    );
  }
  return [min, max];
}

// Maps values from [min, max] to bytes, clamping outside values and sending NaN to 0.
function toBytes(values: ArrayLike<number>, min: number, max: number): Uint8Array {
  const out = new Uint8Array(values.length);
  const scale = 255 / (max - min);
  for (let i = 0; i < values.length; i++) {
    // NaN survives min/max and is stored as 0 by the Uint8Array
    out[i] = Math.min(255, Math.max(0, Math.round((values[i]! - min) * scale)));
  }
  return out;
}

/**
 * Options of {@link encodeImageGrid} and {@link saveImageGrid}.
 * @category Data
 */
export interface ImageGridOptions {
  /** Images per row. Default `ceil(sqrt(n))`. */
  cols?: number;
  /** The value range that maps to black..white; outside values are clamped. Default `[-1, 1]`. */
  range?: readonly [number, number];
  /** Pixels between images and around the grid (before scaling). Default 2. */
  padding?: number;
  /** Byte value of the padding, 0..255. Default 255 (white). */
  padValue?: number;
  /** Integer nearest-neighbour upscaling of the whole grid. Default 1. */
  scale?: number;
}

/**
 * Lays a batch of images out as one grid image (bytes), row by row.
 *
 * @param images - `[n, height, width, channels]` with 1, 3 or 4 channels, values in `options.range`
 * @param options - `cols`, `range`, `padding`, `padValue`, `scale`
 * @returns the grid as a {@link RawImage}; no tensors are created
 * @throws GanError `SHAPE_MISMATCH` when the tensor is not rank 4 with 1, 3 or 4 channels, or is empty
 * @throws GanError `INVALID_ARGUMENT` for a bad option
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { imageGrid } from '@gankit/data';
 * const x = tf.zeros([4, 8, 8, 1]) as tf.Tensor4D;
 * const grid = await imageGrid(x, { padding: 0 });
 * console.log(grid.width, grid.height); // 16 16
 * x.dispose();
 * ```
 * @category Data
 */
export async function imageGrid(images: tf.Tensor4D, options: ImageGridOptions = {}): Promise<RawImage> {
  const fn = 'imageGrid';
  if (images.rank !== 4 || images.shape[0] === 0 || !SUPPORTED_CHANNELS.includes(images.shape[3])) {
    throw new GanError(
      'SHAPE_MISMATCH',
      `${fn}: images must have shape [n, height, width, channels] with n >= 1 and 1, 3 or 4 channels, ` +
        `got ${formatShape(images.shape)}`,
    );
  }
  const [n, h, w, c] = images.shape;
  const [min, max] = checkRange(fn, options.range ?? [-1, 1]);
  const cols = options.cols ?? Math.ceil(Math.sqrt(n));
  const padding = options.padding ?? 2;
  const padValue = options.padValue ?? 255;
  const scale = options.scale ?? 1;
  const checks: [string, number, number, number][] = [
    ['cols', cols, 1, Number.MAX_SAFE_INTEGER],
    ['padding', padding, 0, Number.MAX_SAFE_INTEGER],
    ['padValue', padValue, 0, 255],
    ['scale', scale, 1, 64],
  ];
  for (const [name, value, lo, hi] of checks) {
    if (!Number.isInteger(value) || value < lo || value > hi) {
      throw new GanError(
        'INVALID_ARGUMENT',
        `${fn}: options.${name} must be an integer in [${lo}, ${hi === Number.MAX_SAFE_INTEGER ? 'inf)' : `${hi}]`}` +
          `, got ${String(value)}`,
      );
    }
  }
  const usedCols = Math.min(cols, n);
  const rows = Math.ceil(n / usedCols);
  const gridW = usedCols * (w + padding) + padding;
  const gridH = rows * (h + padding) + padding;
  // await data(): dataSync throws on asynchronous (GPU) backends
  const pixels = toBytes(await images.data(), min, max);
  const grid = new Uint8Array(gridW * gridH * c).fill(padValue);
  const rowBytes = w * c;
  for (let i = 0; i < n; i++) {
    const x0 = padding + (i % usedCols) * (w + padding);
    const y0 = padding + Math.floor(i / usedCols) * (h + padding);
    for (let y = 0; y < h; y++) {
      const src = (i * h + y) * rowBytes;
      grid.set(pixels.subarray(src, src + rowBytes), ((y0 + y) * gridW + x0) * c);
    }
  }
  return upscale({ data: grid, width: gridW, height: gridH, channels: c }, scale);
}

function upscale(image: RawImage, scale: number): RawImage {
  if (scale === 1) return image;
  const { data, width, height, channels: c } = image;
  const outW = width * scale;
  const out = new Uint8Array(outW * height * scale * c);
  for (let y = 0; y < height; y++) {
    const row = new Uint8Array(outW * c);
    for (let x = 0; x < width; x++) {
      const px = data.subarray((y * width + x) * c, (y * width + x + 1) * c);
      for (let s = 0; s < scale; s++) row.set(px, (x * scale + s) * c);
    }
    for (let s = 0; s < scale; s++) out.set(row, (y * scale + s) * outW * c);
  }
  return { data: out, width: outW, height: height * scale, channels: c };
}

/**
 * Encodes a batch of images as one PNG grid: grayscale for one channel, RGB for three, RGBA for
 * four. The bytes are deterministic: the same tensor and options give the same PNG.
 *
 * @param images - `[n, height, width, channels]`, values in `options.range` (default `[-1, 1]`)
 * @param options - `cols`, `range`, `padding`, `padValue`, `scale`
 * @returns the PNG file's bytes
 * @throws GanError `SHAPE_MISMATCH` / `INVALID_ARGUMENT` as {@link imageGrid} does
 * @throws GanError `BACKEND_UNAVAILABLE` when sharp cannot be loaded
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { encodeImageGrid } from '@gankit/data';
 * const x = tf.randomUniform([16, 28, 28, 1], -1, 1, 'float32', 1) as tf.Tensor4D;
 * const png = await encodeImageGrid(x, { cols: 4, scale: 2 });
 * x.dispose();
 * ```
 * @category Data
 */
export async function encodeImageGrid(images: tf.Tensor4D, options: ImageGridOptions = {}): Promise<Buffer> {
  return encode('encodeImageGrid', await imageGrid(images, options), 'png');
}

/**
 * Writes a batch of images as one grid image file, creating parent folders. PNG (grayscale or
 * RGB by channel count, deterministic bytes) for `.png`; `.jpg`/`.jpeg` and `.webp` (lossless)
 * are written too.
 *
 * @param images - `[n, height, width, channels]`, values in `options.range` (default `[-1, 1]`)
 * @param path - the file to write
 * @param options - `cols`, `range`, `padding`, `padValue`, `scale`
 * @returns a promise that settles when the file is written
 * @throws GanError `SHAPE_MISMATCH` / `INVALID_ARGUMENT` as {@link imageGrid} does, or for an unsupported extension
 * @throws GanError `IO_ERROR` when the file cannot be written
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { saveImageGrid } from '@gankit/data';
 * const x = tf.randomUniform([16, 28, 28, 1], -1, 1, 'float32', 1) as tf.Tensor4D;
 * await saveImageGrid(x, 'runs/demo/samples/step-0.png', { cols: 4, scale: 2 });
 * x.dispose();
 * ```
 * @category Data
 */
export async function saveImageGrid(
  images: tf.Tensor4D,
  path: string,
  options: ImageGridOptions = {},
): Promise<void> {
  const fn = 'saveImageGrid';
  const format = formatOf(fn, path);
  await writeBytes(fn, path, await encode(fn, await imageGrid(images, options), format));
}

/**
 * Options of {@link loadImage}.
 * @category Data
 */
export interface LoadImageOptions {
  /**
   * Channels to return: 1 (grayscale), 3 (RGB) or 4 (RGBA). Default: the file's own (grayscale
   * with alpha becomes 1, dropping the alpha).
   */
  channels?: 1 | 3 | 4;
  /**
   * Largest image accepted, in pixels, checked from the header before anything is decoded, so
   * a small file that declares a huge image cannot exhaust memory. Default
   * {@link MAX_IMAGE_PIXELS} (64 megapixels, 8192 x 8192).
   */
  maxPixels?: number;
  /**
   * Resize to exactly this size, the whole image kept (its aspect too: the margin is black, as a
   * Fashion-MNIST background). Default: the file's own size.
   */
  fit?: { width: number; height: number };
}

/**
 * The default upper bound of {@link loadImage} on an image's size: 64 megapixels (8192 x 8192),
 * 256 MB as RGBA bytes.
 * @category Data
 */
export const MAX_IMAGE_PIXELS = 8192 * 8192;

/**
 * Reads an image file (PNG, JPEG, WebP, GIF, TIFF, ... anything sharp decodes) into bytes.
 *
 * @param path - the file to read
 * @param options - `channels` to convert to (default: the file's own), `maxPixels`, `fit` (a size to resize to)
 * @returns the pixels as 8-bit `height x width x channels`, with the size and channel count
 * @throws GanError `IO_ERROR` when the file is missing
 * @throws GanError `INVALID_DATA` when the file is not a decodable image or is larger than `maxPixels`
 * @throws GanError `INVALID_ARGUMENT` for an unsupported `channels` option
 * @example
 * ```ts
 * import { loadImage, saveImage } from '@gankit/data';
 * await saveImage({ data: new Uint8Array([0, 85, 170, 255]), width: 2, height: 2, channels: 1 }, 'out/ramp.png');
 * const img = await loadImage('out/ramp.png', { channels: 3 });
 * console.log(img.width, img.height, img.channels); // 2 2 3
 * ```
 * @category Data
 */
export async function loadImage(path: string, options: LoadImageOptions = {}): Promise<RawImage> {
  const fn = 'loadImage';
  if (options.channels !== undefined && !SUPPORTED_CHANNELS.includes(options.channels)) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: options.channels must be 1, 3 or 4, got ${String(options.channels)}`,
    );
  }
  const maxPixels = options.maxPixels ?? MAX_IMAGE_PIXELS;
  const fit = options.fit;
  if (
    fit !== undefined &&
    ![fit.width, fit.height].every((v) => Number.isInteger(v) && v >= 1 && v <= 8192)
  ) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: options.fit must have integer width and height in 1..8192, got ${JSON.stringify(fit)}`,
    );
  }
  const sharp = await loadSharp(fn);
  let meta: Awaited<ReturnType<Sharp['metadata']>>;
  try {
    meta = await sharp(path, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw readError(fn, path, error);
  }
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  if (width * height > maxPixels) {
    throw new GanError(
      'INVALID_DATA',
      `${fn}: ${path} is ${width}x${height} (${((width * height) / 1e6).toFixed(1)} megapixels), more than the ${(maxPixels / 1e6).toFixed(1)} megapixels accepted; split or shrink it first`,
    );
  }
  try {
    const own = meta.channels ?? 3;
    const channels = options.channels ?? (own <= 2 ? 1 : own === 3 ? 3 : 4);
    let pipeline = sharp(path, { limitInputPixels: maxPixels });
    if (fit && (fit.width !== width || fit.height !== height)) {
      pipeline = pipeline.resize(fit.width, fit.height, {
        fit: 'contain',
        background: { r: 0, g: 0, b: 0, alpha: 1 },
      });
    }
    if (channels === 1) pipeline = pipeline.removeAlpha().toColourspace('b-w');
    else if (channels === 3) pipeline = pipeline.removeAlpha().toColourspace('srgb');
    else pipeline = pipeline.toColourspace('srgb').ensureAlpha();
    const { data, info } = await pipeline.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    if (info.channels !== channels) {
      throw new Error(`decoder returned ${info.channels} channels instead of ${channels}`);
    }
    return {
      data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      width: info.width,
      height: info.height,
      channels,
    };
  } catch (error) {
    throw readError(fn, path, error);
  }
}

function readError(fn: string, path: string, error: unknown): GanError {
  if (error instanceof GanError) return error;
  const message = String((error as Error)?.message ?? error);
  if (/missing|ENOENT|no such file/i.test(message)) {
    return new GanError('IO_ERROR', `${fn}: cannot read ${path}: no such file`, { cause: error });
  }
  return new GanError('INVALID_DATA', `${fn}: ${path} is not a readable image: ${message}`, {
    cause: error,
  });
}

/**
 * Options of {@link saveImage}.
 * @category Data
 */
export interface SaveImageOptions {
  /** For a tensor image: the value range that maps to 0..255 (outside values are clamped). Default `[-1, 1]`. */
  range?: readonly [number, number];
}

// A tensor has a data() method, a RawImage a data array.
function isRawImage(image: RawImage | tf.Tensor3D): image is RawImage {
  return image.data instanceof Uint8Array;
}

/**
 * Writes one image to a file, creating parent folders; the format follows the extension
 * (`.png`, deterministic; `.jpg`/`.jpeg`; `.webp`, lossless). Takes bytes, or a
 * `[height, width, channels]` tensor whose values in `range` (default `[-1, 1]`) map to 0..255.
 *
 * @param image - a {@link RawImage}, or a rank-3 tensor with 1, 3 or 4 channels
 * @param path - the file to write
 * @param options - `range` of tensor values (ignored for a RawImage)
 * @returns a promise that settles when the file is written
 * @throws GanError `INVALID_ARGUMENT` / `SHAPE_MISMATCH` for a malformed image or an unsupported extension
 * @throws GanError `IO_ERROR` when the file cannot be written
 * @example
 * ```ts
 * import { saveImage } from '@gankit/data';
 * await saveImage({ data: new Uint8Array(16 * 16).fill(128), width: 16, height: 16, channels: 1 }, 'out/grey.png');
 * ```
 * @category Data
 */
export async function saveImage(
  image: RawImage | tf.Tensor3D,
  path: string,
  options: SaveImageOptions = {},
): Promise<void> {
  const fn = 'saveImage';
  const format = formatOf(fn, path);
  let raw: RawImage;
  if (isRawImage(image)) {
    raw = image;
  } else {
    const tensor = image;
    if (tensor.rank !== 3 || !SUPPORTED_CHANNELS.includes(tensor.shape[2])) {
      throw new GanError(
        'SHAPE_MISMATCH',
        `${fn}: a tensor image must have shape [height, width, channels] with 1, 3 or 4 channels, ` +
          `got ${formatShape(tensor.shape)}`,
      );
    }
    const [min, max] = checkRange(fn, options.range ?? [-1, 1]);
    const [height, width, channels] = tensor.shape;
    raw = { data: toBytes(await tensor.data(), min, max), width, height, channels };
  }
  checkRawImage(fn, raw);
  await writeBytes(fn, path, await encode(fn, raw, format));
}
