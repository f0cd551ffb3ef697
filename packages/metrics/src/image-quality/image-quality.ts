import { formatShape, GanError } from '@gankit/core';
import type * as tf from '@tensorflow/tfjs-core';

/**
 * Options of {@link psnr} and {@link ssim}.
 * @category Image quality
 */
export interface ImageQualityOptions {
  /**
   * `y`: the luma of ITU-R BT.601 as MATLAB's rgb2ycbcr computes it (Y = 16 + 65.481 R +
   * 128.553 G + 24.966 B for R, G, B in [0, 1]), what super-resolution papers report; `rgb`: all
   * channels. Default `y` for 3-channel images (gray images are used as they are).
   */
  channel?: 'y' | 'rgb';
  /** Pixels cut from every border first (SR papers cut the scale factor). Default 0. */
  crop?: number;
  /** The value range of the inputs, mapped to 0..255. Default [-1, 1] (gankit's images). */
  range?: readonly [number, number];
}

/**
 * Options of {@link ssim}.
 * @category Image quality
 */
export interface SsimOptions extends ImageQualityOptions {
  /**
   * `gaussian`: an 11x11 Gaussian window with sigma 1.5 and population covariances (Wang et al.
   * 2004, and scikit-image's `gaussian_weights=True, use_sample_covariance=False`); `uniform`:
   * a 7x7 mean window with sample covariances (scikit-image's defaults). Default `gaussian`.
   */
  window?: 'gaussian' | 'uniform';
}

/** One image as float64 planes on the 0..255 scale, after the channel choice and the crop. */
interface Planes {
  height: number;
  width: number;
  planes: Float64Array[];
}

const isTensor = (x: unknown): x is tf.Tensor =>
  typeof x === 'object' && x !== null && 'shape' in x && typeof (x as tf.Tensor).data === 'function';

async function toPlanes(
  fn: string,
  name: string,
  image: tf.Tensor,
  options: ImageQualityOptions,
): Promise<Planes[]> {
  if (!isTensor(image) || (image.rank !== 3 && image.rank !== 4)) {
    throw new GanError(
      'SHAPE_MISMATCH',
      `${fn}: ${name} must be a [height, width, channels] or [batch, height, width, channels] tensor, got ${isTensor(image) ? formatShape(image.shape) : String(image)}`,
    );
  }
  const [b, h, w, c] = (image.rank === 3 ? [1, ...image.shape] : image.shape) as number[];
  const crop = options.crop ?? 0;
  if (!Number.isInteger(crop) || crop < 0 || 2 * crop >= Math.min(h!, w!)) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: crop must be an integer >= 0 leaving pixels of the ${h}x${w} image, got ${String(crop)}`,
    );
  }
  const channel = options.channel ?? 'y';
  if (channel !== 'y' && channel !== 'rgb') {
    throw new GanError('INVALID_ARGUMENT', `${fn}: channel must be 'y' or 'rgb', got '${String(channel)}'`);
  }
  const useY = channel === 'y' && c === 3;
  const [lo, hi] = options.range ?? [-1, 1];
  const scale = 255 / (hi - lo);
  const values = await image.data();
  const H = h! - 2 * crop;
  const W = w! - 2 * crop;
  const out: Planes[] = [];
  for (let n = 0; n < b!; n++) {
    const planes = Array.from({ length: useY ? 1 : c! }, () => new Float64Array(H * W));
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const src = ((n * h! + y + crop) * w! + x + crop) * c!;
        const i = y * W + x;
        if (useY) {
          const r = (values[src]! - lo) / (hi - lo);
          const g = (values[src + 1]! - lo) / (hi - lo);
          const bl = (values[src + 2]! - lo) / (hi - lo);
          planes[0]![i] = 16 + 65.481 * r + 128.553 * g + 24.966 * bl;
        } else {
          for (let k = 0; k < c!; k++) planes[k]![i] = (values[src + k]! - lo) * scale;
        }
      }
    }
    out.push({ height: H, width: W, planes });
  }
  return out;
}

async function pairPlanes(fn: string, a: tf.Tensor, b: tf.Tensor, options: ImageQualityOptions) {
  if (isTensor(a) && isTensor(b) && formatShape(a.shape) !== formatShape(b.shape)) {
    throw new GanError(
      'SHAPE_MISMATCH',
      `${fn}: the images must have the same shape, got ${formatShape(a.shape)} and ${formatShape(b.shape)}`,
    );
  }
  return [await toPlanes(fn, 'reference', a, options), await toPlanes(fn, 'test', b, options)] as const;
}

/** A per-image score and the batch mean. @category Image quality */
export interface ImageQualityScore {
  /** The mean over the batch. */
  mean: number;
  /** One score per image. */
  perImage: number[];
}

const summary = (perImage: number[]): ImageQualityScore => ({
  mean: perImage.reduce((s, v) => s + v, 0) / perImage.length,
  perImage,
});

/**
 * Peak signal-to-noise ratio on the 8-bit scale, 10 log10(255^2 / MSE), per image, as
 * scikit-image's `peak_signal_noise_ratio(..., data_range=255)` computes it; on the luma (as
 * SR papers report it) or on all channels, after an optional border crop. Reads tensors with
 * `await data()`; the inputs are not disposed. Identical images give Infinity.
 *
 * @param reference - ground truth, [h, w, c] or [b, h, w, c] in `range`
 * @param test - the image to score, same shape
 * @param options - channel, crop, value range
 * @returns per-image PSNR in dB and their mean
 * @throws GanError `SHAPE_MISMATCH` for tensors of different shapes or ranks other than 3 and 4; `INVALID_ARGUMENT` for a bad crop or channel
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { psnr } from '@gankit/metrics';
 * const a = tf.zeros([4, 4, 1]);
 * const b = tf.fill([4, 4, 1], 0.1); // off by 12.75 of 255 everywhere
 * console.log((await psnr(a, b)).mean); // 20 log10(255 / 12.75) = 26.02
 * ```
 * @category Image quality
 */
export async function psnr(
  reference: tf.Tensor,
  test: tf.Tensor,
  options: ImageQualityOptions = {},
): Promise<ImageQualityScore> {
  const [ref, tst] = await pairPlanes('psnr', reference, test, options);
  return summary(
    ref.map((r, n) => {
      let sum = 0;
      let count = 0;
      r.planes.forEach((p, k) => {
        const q = tst[n]!.planes[k]!;
        for (let i = 0; i < p.length; i++) sum += (p[i]! - q[i]!) ** 2;
        count += p.length;
      });
      return 10 * Math.log10((255 * 255) / (sum / count));
    }),
  );
}

/** scipy.ndimage's 'reflect' boundary: d c b a | a b c d | d c b a. */
function reflect(i: number, n: number): number {
  let j = i;
  while (j < 0 || j >= n) j = j < 0 ? -j - 1 : 2 * n - j - 1;
  return j;
}

/** Separable correlation of a plane with a symmetric 1-D kernel, reflect boundary. */
function filter2d(src: Float64Array, h: number, w: number, kernel: Float64Array): Float64Array {
  const r = (kernel.length - 1) / 2;
  const tmp = new Float64Array(h * w);
  const out = new Float64Array(h * w);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let k = -r; k <= r; k++) s += kernel[k + r]! * src[y * w + reflect(x + k, w)]!;
      tmp[y * w + x] = s;
    }
  }
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let k = -r; k <= r; k++) s += kernel[k + r]! * tmp[reflect(y + k, h) * w + x]!;
      out[y * w + x] = s;
    }
  }
  return out;
}

function windowKernel(window: 'gaussian' | 'uniform'): Float64Array {
  if (window === 'uniform') return new Float64Array(7).fill(1 / 7);
  // scipy's gaussian_filter with sigma 1.5, truncate 3.5: radius int(3.5 * 1.5 + 0.5) = 5
  const sigma = 1.5;
  const k = Float64Array.from({ length: 11 }, (_, i) => Math.exp(-0.5 * ((i - 5) / sigma) ** 2));
  const total = k.reduce((s, v) => s + v, 0);
  return k.map((v) => v / total);
}

/** Mean SSIM of one plane pair (Wang et al. 2004, eq. 13), scikit-image's way. */
function planeSsim(a: Float64Array, b: Float64Array, h: number, w: number, window: 'gaussian' | 'uniform') {
  const kernel = windowKernel(window);
  const L = 255;
  const C1 = (0.01 * L) ** 2;
  const C2 = (0.03 * L) ** 2;
  const np = window === 'uniform' ? 49 : 1;
  const covNorm = window === 'uniform' ? np / (np - 1) : 1;
  const ab = a.map((v, i) => v * b[i]!);
  const ux = filter2d(a, h, w, kernel);
  const uy = filter2d(b, h, w, kernel);
  const uxx = filter2d(
    a.map((v) => v * v),
    h,
    w,
    kernel,
  );
  const uyy = filter2d(
    b.map((v) => v * v),
    h,
    w,
    kernel,
  );
  const uxy = filter2d(ab, h, w, kernel);
  // the mean skips a border of half a window, where the filter saw reflected pixels
  const pad = (kernel.length - 1) / 2;
  let sum = 0;
  let count = 0;
  for (let y = pad; y < h - pad; y++) {
    for (let x = pad; x < w - pad; x++) {
      const i = y * w + x;
      const vx = covNorm * (uxx[i]! - ux[i]! * ux[i]!);
      const vy = covNorm * (uyy[i]! - uy[i]! * uy[i]!);
      const vxy = covNorm * (uxy[i]! - ux[i]! * uy[i]!);
      const s =
        ((2 * ux[i]! * uy[i]! + C1) * (2 * vxy + C2)) /
        ((ux[i]! * ux[i]! + uy[i]! * uy[i]! + C1) * (vx + vy + C2));
      sum += s;
      count++;
    }
  }
  return sum / count;
}

/**
 * Structural similarity (Wang et al. 2004) on the 8-bit scale, per image, matching
 * scikit-image's `structural_similarity(..., data_range=255)`: K1 = 0.01, K2 = 0.03, an 11x11
 * Gaussian window (sigma 1.5) or a 7x7 uniform one, reflected borders, the mean over the
 * image minus half a window at each border; for RGB the mean over channels. On the luma by
 * default, as SR papers report it. The inputs are not disposed.
 *
 * @param reference - ground truth, [h, w, c] or [b, h, w, c] in `range`
 * @param test - the image to score, same shape
 * @param options - channel, crop, value range, window
 * @returns per-image SSIM and their mean
 * @throws GanError `SHAPE_MISMATCH` for tensors of different shapes; `INVALID_ARGUMENT` for a bad crop, channel or window, or an image smaller than the window
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { ssim } from '@gankit/metrics';
 * const a = tf.randomUniform([16, 16, 3], -1, 1, 'float32', 1);
 * console.log((await ssim(a, a)).mean); // 1
 * ```
 * @category Image quality
 */
export async function ssim(
  reference: tf.Tensor,
  test: tf.Tensor,
  options: SsimOptions = {},
): Promise<ImageQualityScore> {
  const window = options.window ?? 'gaussian';
  if (window !== 'gaussian' && window !== 'uniform') {
    throw new GanError(
      'INVALID_ARGUMENT',
      `ssim: window must be 'gaussian' or 'uniform', got '${String(window)}'`,
    );
  }
  const [ref, tst] = await pairPlanes('ssim', reference, test, options);
  const side = window === 'gaussian' ? 11 : 7;
  if (ref[0]!.height < side || ref[0]!.width < side) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `ssim: the (cropped) image is ${ref[0]!.height}x${ref[0]!.width}, smaller than the ${side}x${side} window`,
    );
  }
  return summary(
    ref.map((r, n) => {
      const scores = r.planes.map((p, k) => planeSsim(p, tst[n]!.planes[k]!, r.height, r.width, window));
      return scores.reduce((s, v) => s + v, 0) / scores.length;
    }),
  );
}
