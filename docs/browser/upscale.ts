// Super-resolution in the page, as `gankit upscale` does it in Node (@gankit/data's
// tiledUpscale): bytes / 127.5 - 1 in, clip(round((y + 1) * 127.5)) out, tiles of 128 input
// pixels with 24 pixels of context cut from each tile's output.
import * as tf from '@tensorflow/tfjs';

/** An 8-bit RGBA image. */
export interface Rgba {
  data: Uint8ClampedArray<ArrayBuffer>;
  width: number;
  height: number;
}

/** Tile side and context of `gankit upscale` (its defaults). */
export const TILE = 128;
export const OVERLAP = 24;

/**
 * Decodes an image file to RGBA bytes as stored, with no colour-space conversion and no
 * premultiplied alpha, so the pixels are those Node's decoder reads.
 */
export async function decodeImage(file: Blob): Promise<Rgba> {
  const bitmap = await createImageBitmap(file, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const ctx = canvas.getContext('2d')!;
  ctx.drawImage(bitmap, 0, 0);
  bitmap.close();
  const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
  return { data, width: canvas.width, height: canvas.height };
}

/** Reads the window [y0, y1) x [x0, x1) of an image as a [1, h, w, 3] tensor in [-1, 1]. */
function windowTensor(image: Rgba, y0: number, y1: number, x0: number, x1: number): tf.Tensor4D {
  const h = y1 - y0;
  const w = x1 - x0;
  const out = new Float32Array(h * w * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const src = ((y0 + y) * image.width + (x0 + x)) * 4;
      const dst = (y * w + x) * 3;
      for (let c = 0; c < 3; c++) out[dst + c] = image.data[src + c]! / 127.5 - 1;
    }
  }
  return tf.tensor4d(out, [1, h, w, 3]);
}

/**
 * Upscales an image with a fully convolutional RGB generator, one tile at a time. An alpha
 * channel is resized with bicubic and kept.
 * @param onProgress - called after each tile with (done, total)
 * @returns the upscaled image and the generator's factor
 */
export async function tiledUpscale(
  generator: tf.LayersModel,
  image: Rgba,
  onProgress: (done: number, total: number) => void = () => {},
): Promise<{ image: Rgba; scale: number }> {
  const { width: W, height: H } = image;
  const rows = Math.ceil(H / TILE);
  const cols = Math.ceil(W / TILE);
  let scale = 0;
  let out: Uint8ClampedArray<ArrayBuffer> | undefined;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const cy0 = r * TILE;
      const cx0 = c * TILE;
      const cy1 = Math.min(H, cy0 + TILE);
      const cx1 = Math.min(W, cx0 + TILE);
      const y0 = Math.max(0, cy0 - OVERLAP);
      const x0 = Math.max(0, cx0 - OVERLAP);
      const y1 = Math.min(H, cy1 + OVERLAP);
      const x1 = Math.min(W, cx1 + OVERLAP);
      const result = tf.tidy(() => {
        const y = generator.predict(windowTensor(image, y0, y1, x0, x1)) as tf.Tensor;
        return tf.clipByValue(tf.round(tf.mul(tf.add(y, 1), 127.5)), 0, 255);
      });
      const [, oh, ow] = result.shape as number[];
      const values = await result.data();
      result.dispose();
      const s = oh! / (y1 - y0);
      if (!Number.isInteger(s) || ow! / (x1 - x0) !== s) {
        throw new Error(
          `the generator must upscale by an integer factor; a ${y1 - y0}x${x1 - x0} tile gave ${oh}x${ow}`,
        );
      }
      scale = s;
      out ??= new Uint8ClampedArray(W * s * H * s * 4).fill(255);
      const outW = W * s;
      // the tile's core region, its context cut
      for (let y = (cy0 - y0) * s; y < (cy1 - y0) * s; y++) {
        for (let x = (cx0 - x0) * s; x < (cx1 - x0) * s; x++) {
          const src = (y * ow! + x) * 3;
          const dst = ((y0 * s + y) * outW + x0 * s + x) * 4;
          out[dst] = values[src]!;
          out[dst + 1] = values[src + 1]!;
          out[dst + 2] = values[src + 2]!;
        }
      }
      onProgress(r * cols + c + 1, rows * cols);
      // let the page draw between tiles
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  }
  const result = { data: out!, width: W * scale, height: H * scale };
  if (hasAlpha(image)) {
    const alpha = bicubic(image, scale);
    for (let i = 3; i < result.data.length; i += 4) result.data[i] = alpha.data[i]!;
  }
  return { image: result, scale };
}

function hasAlpha(image: Rgba): boolean {
  for (let i = 3; i < image.data.length; i += 4) if (image.data[i] !== 255) return true;
  return false;
}

/** Catmull-Rom weight (the cubic kernel with a = -0.5, libvips' and sharp's `cubic`). */
function cubic(x: number): number {
  const a = -0.5;
  const t = Math.abs(x);
  if (t <= 1) return (a + 2) * t ** 3 - (a + 3) * t ** 2 + 1;
  if (t < 2) return a * t ** 3 - 5 * a * t ** 2 + 8 * a * t - 4 * a;
  return 0;
}

/** Bicubic (Catmull-Rom) upscaling by an integer factor, pixel centres aligned, edges clamped. */
export function bicubic(image: Rgba, scale: number): Rgba {
  const { width: W, height: H } = image;
  const outW = W * scale;
  const outH = H * scale;
  // the 4 taps and weights of every output column (and row: the same for a square factor)
  const taps = (n: number, size: number) =>
    Array.from({ length: n * scale }, (_, o) => {
      const src = (o + 0.5) / scale - 0.5;
      const base = Math.floor(src);
      return [-1, 0, 1, 2].map((k) => ({
        at: Math.min(size - 1, Math.max(0, base + k)),
        weight: cubic(src - (base + k)),
      }));
    });
  const colTaps = taps(W, W);
  const rowTaps = taps(H, H);
  // horizontal pass into floats, then vertical
  const mid = new Float32Array(outW * H * 4);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < outW; x++) {
      for (const { at, weight } of colTaps[x]!) {
        const src = (y * W + at) * 4;
        const dst = (y * outW + x) * 4;
        for (let c = 0; c < 4; c++) mid[dst + c] = mid[dst + c]! + weight * image.data[src + c]!;
      }
    }
  }
  const data = new Uint8ClampedArray(outW * outH * 4);
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      const dst = (y * outW + x) * 4;
      for (let c = 0; c < 4; c++) {
        let v = 0;
        for (const { at, weight } of rowTaps[y]!) v += weight * mid[(at * outW + x) * 4 + c]!;
        data[dst + c] = Math.round(v);
      }
    }
  }
  return { data, width: outW, height: outH };
}

/** Puts an RGBA image on a canvas at its own size. */
export function drawRgba(canvas: HTMLCanvasElement, image: Rgba): void {
  canvas.width = image.width;
  canvas.height = image.height;
  canvas.getContext('2d')!.putImageData(new ImageData(image.data, image.width, image.height), 0, 0);
}
