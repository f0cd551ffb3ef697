import { checkInteger, formatShape, GanError } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { loadSharp, type RawImage } from '../datasets/image-io.js';

/**
 * Options of {@link tiledUpscale}.
 * @category Inference
 */
export interface TiledUpscaleOptions {
  /** Side of the core region each tile contributes, in input pixels. Default 128. */
  tile?: number;
  /**
   * Context added on every side of a tile and cut away from its output, in input pixels.
   * Output pixels whose receptive field fits inside it equal an untiled run. Default 24.
   */
  overlap?: number;
  /** Called after each tile with (tiles done, total tiles). */
  onProgress?: (done: number, total: number) => void;
}

/** How an image's channels map onto the generator's. */
function splitChannels(fn: string, image: RawImage, modelChannels: number) {
  const hasAlpha = image.channels === 4 || (image.channels === 2 && modelChannels === 1);
  const color = hasAlpha ? image.channels - 1 : image.channels;
  if (color !== modelChannels && !(color === 1 && modelChannels === 3)) {
    throw new GanError(
      'SHAPE_MISMATCH',
      `${fn}: the generator takes ${modelChannels}-channel images, the image has ${color} colour channel(s)`,
    );
  }
  return { hasAlpha, color };
}

/** Reads the window [y0, y1) x [x0, x1) into a [1, h, w, modelChannels] tensor in [-1, 1]. */
function windowTensor(
  image: RawImage,
  color: number,
  modelChannels: number,
  y0: number,
  y1: number,
  x0: number,
  x1: number,
): tf.Tensor4D {
  const h = y1 - y0;
  const w = x1 - x0;
  const out = new Float32Array(h * w * modelChannels);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const src = ((y0 + y) * image.width + (x0 + x)) * image.channels;
      const dst = (y * w + x) * modelChannels;
      for (let c = 0; c < modelChannels; c++) {
        out[dst + c] = image.data[src + (color === 1 ? 0 : c)]! / 127.5 - 1;
      }
    }
  }
  return tf.tensor4d(out, [1, h, w, modelChannels]);
}

/**
 * Upscales an image of any size with a fully convolutional generator (e.g. SRResNet), one
 * tile at a time so memory stays bounded by the tile size. Each tile is run with `overlap`
 * pixels of context on every side that are cut from its output, so seams vanish and output
 * pixels whose receptive field fits in the overlap equal those of an untiled run. A grayscale
 * image feeds an RGB generator as three equal channels; an alpha channel is upscaled on its
 * own with a bicubic (Catmull-Rom) resize and kept. Reads tensors with `await data()`, so it
 * runs on GPU backends too.
 *
 * @param generator - maps `[1, h, w, c]` images in [-1, 1] to `[1, s*h, s*w, c]`
 * @param image - the input, 8-bit
 * @param options - tile size, overlap, progress callback
 * @returns the upscaled 8-bit image (with alpha when the input had it)
 * @throws GanError `SHAPE_MISMATCH` when the channels do not fit the generator or it does not upscale by an integer factor; `INVALID_ARGUMENT` for bad tile sizes
 * @example
 * ```ts
 * import * as tfl from '@tensorflow/tfjs-layers';
 * import { tiledUpscale } from '@gankit/data';
 * const x = tfl.input({ shape: [null, null, 1] });
 * const g = tfl.model({ inputs: x, outputs: tfl.layers.upSampling2d({ size: [2, 2] }).apply(x) as tfl.SymbolicTensor });
 * const image = { data: new Uint8Array(10 * 6).fill(200), width: 10, height: 6, channels: 1 };
 * const big = await tiledUpscale(g, image, { tile: 4, overlap: 1 });
 * console.log(big.width, big.height); // 20 12
 * ```
 * @category Inference
 */
export async function tiledUpscale(
  generator: tfl.LayersModel,
  image: RawImage,
  options: TiledUpscaleOptions = {},
): Promise<RawImage> {
  let out: Uint8Array | undefined;
  let width = 0;
  let channels = 0;
  for await (const band of upscaleRowBands(generator, image, options)) {
    width = band.width;
    channels = band.channels;
    out ??= new Uint8Array(band.width * band.scale * image.height * band.channels);
    out.set(band.data, band.y * band.width * band.channels);
  }
  return { data: out!, width, height: out!.length / (width * channels), channels };
}

/**
 * One horizontal band of an upscaled image, as {@link upscaleRowBands} yields them top to bottom.
 * @category Inference
 */
export interface UpscaledBand {
  /** First output row of the band. */
  y: number;
  /** `rows x width x channels` bytes. */
  data: Uint8Array;
  /** Output width. */
  width: number;
  channels: number;
  /** The generator's factor. */
  scale: number;
}

/**
 * {@link tiledUpscale} one row of tiles at a time: yields the output in horizontal bands, top to
 * bottom, so a caller can write an image of any size to disk with memory bounded by one band
 * (`tile x scale` rows of the output). Same options, same pixels.
 * @param generator - maps `[1, h, w, c]` images in [-1, 1] to `[1, s*h, s*w, c]`
 * @param image - the input, 8-bit
 * @param options - tile size, overlap, progress callback
 * @returns the bands, in order
 * @throws GanError as {@link tiledUpscale}
 * @category Inference
 */
export async function* upscaleRowBands(
  generator: tfl.LayersModel,
  image: RawImage,
  options: TiledUpscaleOptions = {},
): AsyncGenerator<UpscaledBand> {
  const fn = 'tiledUpscale';
  const tile = checkInteger(fn, 'tile', options.tile ?? 128);
  const overlap = options.overlap ?? 24;
  if (!Number.isInteger(overlap) || overlap < 0) {
    throw new GanError('INVALID_ARGUMENT', `${fn}: overlap must be an integer >= 0, got ${String(overlap)}`);
  }
  const modelChannels = generator.inputs[0]!.shape[3];
  if (typeof modelChannels !== 'number') {
    throw new GanError(
      'SHAPE_MISMATCH',
      `${fn}: the generator's input must be [batch, height, width, channels] with known channels, got ${JSON.stringify(generator.inputs[0]!.shape)}`,
    );
  }
  const { hasAlpha, color } = splitChannels(fn, image, modelChannels);
  const { width: W, height: H } = image;
  const rows = Math.ceil(H / tile);
  const cols = Math.ceil(W / tile);
  const total = rows * cols;
  let scale = 0;
  const outChannels = modelChannels + (hasAlpha ? 1 : 0);
  let done = 0;
  for (let r = 0; r < rows; r++) {
    const cy0 = r * tile;
    const cy1 = Math.min(H, cy0 + tile);
    let band: Uint8Array | undefined;
    for (let c = 0; c < cols; c++) {
      const cx0 = c * tile;
      const cx1 = Math.min(W, cx0 + tile);
      const y0 = Math.max(0, cy0 - overlap);
      const x0 = Math.max(0, cx0 - overlap);
      const y1 = Math.min(H, cy1 + overlap);
      const x1 = Math.min(W, cx1 + overlap);
      const result = tf.tidy(() => {
        const y = generator.predict(windowTensor(image, color, modelChannels, y0, y1, x0, x1)) as tf.Tensor;
        return tf.clipByValue(tf.round(tf.mul(tf.add(y, 1), 127.5)), 0, 255);
      });
      const [, oh, ow, oc] = result.shape as number[];
      const s = oh! / (y1 - y0);
      if (!Number.isInteger(s) || ow! / (x1 - x0) !== s || oc !== modelChannels || (scale && s !== scale)) {
        result.dispose();
        throw new GanError(
          'SHAPE_MISMATCH',
          `${fn}: the generator must upscale by one integer factor keeping ${modelChannels} channels; a ${y1 - y0}x${x1 - x0} tile gave ${formatShape([oh!, ow!, oc!])}`,
        );
      }
      scale = s;
      band ??= new Uint8Array((cy1 - cy0) * s * W * s * outChannels);
      const values = await result.data();
      result.dispose();
      // copy the tile's core region into the band, cutting the context
      const rowLen = W * s;
      for (let y = (cy0 - y0) * s; y < (cy1 - y0) * s; y++) {
        const by = y - (cy0 - y0) * s;
        for (let x = (cx0 - x0) * s; x < (cx1 - x0) * s; x++) {
          const ox = x0 * s + x;
          const src = (y * ow! + x) * modelChannels;
          const dst = (by * rowLen + ox) * outChannels;
          for (let k = 0; k < modelChannels; k++) band[dst + k] = values[src + k]!;
        }
      }
      options.onProgress?.(++done, total);
    }
    if (hasAlpha) await upscaleAlphaRows(image, scale, cy0, cy1, band!, outChannels);
    yield { y: cy0 * scale, data: band!, width: W * scale, channels: outChannels, scale };
  }
}

// rows of context above and below a band: more than the cubic kernel's reach
const ALPHA_MARGIN = 4;

/**
 * Resizes the alpha channel of input rows [y0, y1) with sharp's cubic kernel and writes it as
 * the last channel of their output band; the resize sees ALPHA_MARGIN rows of context on each
 * side, so bands join without seams.
 */
async function upscaleAlphaRows(
  image: RawImage,
  scale: number,
  y0: number,
  y1: number,
  band: Uint8Array,
  outChannels: number,
) {
  const sharp = await loadSharp('tiledUpscale');
  const top = Math.max(0, y0 - ALPHA_MARGIN);
  const bottom = Math.min(image.height, y1 + ALPHA_MARGIN);
  const alpha = new Uint8Array(image.width * (bottom - top));
  for (let i = 0; i < alpha.length; i++) {
    alpha[i] = image.data[(top * image.width + i) * image.channels + image.channels - 1]!;
  }
  const big = await sharp(alpha, { raw: { width: image.width, height: bottom - top, channels: 1 } })
    .resize(image.width * scale, (bottom - top) * scale, { kernel: 'cubic' })
    // one band out: sharp otherwise returns a one-band raw input as sRGB
    .extractChannel(0)
    .raw()
    .toBuffer();
  const skip = (y0 - top) * scale * image.width * scale;
  const n = (y1 - y0) * scale * image.width * scale;
  for (let i = 0; i < n; i++) band[i * outChannels + outChannels - 1] = big[skip + i]!;
}
