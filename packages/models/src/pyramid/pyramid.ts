import { checkInteger, GanError } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * The generating kernel of Burt & Adelson's pyramid (1983, a = 0.375), which LAPGAN's
 * downsampling d(.) and upsampling u(.) follow: the 5-tap binomial `[1, 4, 6, 4, 1] / 16`,
 * applied separably.
 * @category Pyramid
 */
export const PYRAMID_KERNEL: readonly number[] = [1 / 16, 4 / 16, 6 / 16, 4 / 16, 1 / 16];

const shapeText = (shape: readonly number[]) => `[${shape.join(', ')}]`;

function checkImages(fn: string, x: tf.Tensor): asserts x is tf.Tensor4D {
  if (x.rank !== 4) {
    throw new GanError(
      'SHAPE_MISMATCH',
      `${fn}: x must be [batch, height, width, channels], got ${shapeText(x.shape)}`,
    );
  }
}

/** The 5x5 depthwise filter `scale * k k^T` for `channels` channels: [5, 5, channels, 1]. */
function blurFilter(channels: number, scale: number): tf.Tensor4D {
  const k = PYRAMID_KERNEL;
  const taps: number[] = [];
  for (let i = 0; i < 5; i++) {
    for (let j = 0; j < 5; j++) {
      const w = scale * k[i]! * k[j]!;
      for (let c = 0; c < channels; c++) taps.push(w);
    }
  }
  return tf.tensor4d(taps, [5, 5, channels, 1]);
}

/**
 * LAPGAN's d(.): blur with {@link PYRAMID_KERNEL} (edges mirrored) and keep every second pixel,
 * `[b, h, w, c]` to `[b, h/2, w/2, c]`.
 * @param x - images, height and width even and at least 4
 * @returns the downsampled images (caller owns)
 * @throws GanError `SHAPE_MISMATCH` for a tensor that is not 4-D or a size that does not halve cleanly
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { gaussianDownsample, gaussianUpsample } from '@gankit/models';
 * const x = tf.ones([1, 8, 8, 1]) as tf.Tensor4D;
 * const small = gaussianDownsample(x); // [1, 4, 4, 1], still all ones
 * const big = gaussianUpsample(small); // [1, 8, 8, 1], all ones
 * tf.dispose([x, small, big]);
 * ```
 * @category Pyramid
 */
export function gaussianDownsample(x: tf.Tensor4D): tf.Tensor4D {
  const fn = 'gaussianDownsample';
  checkImages(fn, x);
  const [, h, w] = x.shape;
  if (h % 2 !== 0 || w % 2 !== 0 || h < 4 || w < 4) {
    throw new GanError(
      'SHAPE_MISMATCH',
      `${fn}: height and width must be even and at least 4 to halve cleanly, got ${shapeText(x.shape)}`,
    );
  }
  return tf.tidy(() => {
    const padded = tf.mirrorPad(
      x,
      [
        [0, 0],
        [2, 2],
        [2, 2],
        [0, 0],
      ],
      'reflect',
    );
    return tf.depthwiseConv2d(padded, blurFilter(x.shape[3], 1), 2, 'valid');
  });
}

/**
 * LAPGAN's u(.): put the pixels on every second position of a grid twice the size (zeros between)
 * and blur with `4 *` {@link PYRAMID_KERNEL} (edges mirrored), so that a constant image stays
 * constant; `[b, h, w, c]` to `[b, 2h, 2w, c]`.
 * @param x - images, height and width at least 2
 * @returns the upsampled images (caller owns)
 * @throws GanError `SHAPE_MISMATCH` for a tensor that is not 4-D or smaller than 2x2
 * @category Pyramid
 */
export function gaussianUpsample(x: tf.Tensor4D): tf.Tensor4D {
  const fn = 'gaussianUpsample';
  checkImages(fn, x);
  const [b, h, w, c] = x.shape;
  if (h < 2 || w < 2) {
    throw new GanError(
      'SHAPE_MISMATCH',
      `${fn}: height and width must be at least 2, got ${shapeText(x.shape)}`,
    );
  }
  return tf.tidy(() => {
    // [b, h, 1, w, 1, c] padded to [b, h, 2, w, 2, c]: each pixel followed by zeros
    const spread = tf.pad(tf.reshape(x, [b, h, 1, w, 1, c]), [
      [0, 0],
      [0, 0],
      [0, 1],
      [0, 0],
      [0, 1],
      [0, 0],
    ]);
    const grid = tf.reshape(spread, [b, 2 * h, 2 * w, c]) as tf.Tensor4D;
    const padded = tf.mirrorPad(
      grid,
      [
        [0, 0],
        [2, 2],
        [2, 2],
        [0, 0],
      ],
      'reflect',
    );
    return tf.depthwiseConv2d(padded, blurFilter(c, 4), 1, 'valid');
  });
}

/**
 * The Laplacian pyramid of images (Burt & Adelson 1983), as LAPGAN trains on it (Denton et al.
 * 2015): with `g_0 = x` and `g_{k+1} = d(g_k)`, the band-pass levels `h_k = g_k - u(g_{k+1})` for
 * k < levels - 1, then the coarsest low-pass image `g_{levels-1}`.
 * @param x - images [b, h, w, c]; h and w divisible by `2^(levels-1)`, the coarsest at least 2x2
 * @param levels - number of levels, at least 1 (1 returns a copy of x)
 * @returns `[h_0 (finest), ..., h_{levels-2}, g_{levels-1} (coarsest)]`; the caller owns them
 * @throws GanError `SHAPE_MISMATCH` when the sizes do not halve cleanly `levels - 1` times
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { laplacianPyramid, reconstructPyramid } from '@gankit/models';
 * const x = tf.randomUniform([2, 16, 16, 3], -1, 1, 'float32', 7) as tf.Tensor4D;
 * const pyramid = laplacianPyramid(x, 3); // [2,16,16,3], [2,8,8,3], [2,4,4,3]
 * const back = reconstructPyramid(pyramid); // equal to x up to float round-off
 * tf.dispose([x, back, ...pyramid]);
 * ```
 * @category Pyramid
 */
export function laplacianPyramid(x: tf.Tensor4D, levels: number): tf.Tensor4D[] {
  const fn = 'laplacianPyramid';
  checkImages(fn, x);
  const n = checkInteger(fn, 'levels', levels, 1);
  const [, h, w] = x.shape;
  const f = 2 ** (n - 1);
  if (h % f !== 0 || w % f !== 0 || h / f < 2 || w / f < 2) {
    throw new GanError(
      'SHAPE_MISMATCH',
      `${fn}: height and width must be divisible by 2^(levels-1) = ${f} with the coarsest level at least 2x2, got ${shapeText(x.shape)} for ${n} levels`,
    );
  }
  return tf.tidy(() => {
    const out: tf.Tensor4D[] = [];
    let g: tf.Tensor4D = x;
    for (let k = 0; k < n - 1; k++) {
      const next = gaussianDownsample(g);
      out.push(tf.sub(g, gaussianUpsample(next)));
      g = next;
    }
    out.push(n === 1 ? tf.clone(x) : g);
    return out;
  });
}

/**
 * Rebuilds images from {@link laplacianPyramid}'s levels, coarse to fine:
 * `g_k = u(g_{k+1}) + h_k`. Exact up to float round-off, because the same u(.) made the levels.
 * @param pyramid - `[h_0, ..., g_coarsest]`, each level twice the size of the next
 * @returns the images (caller owns)
 * @throws GanError `SHAPE_MISMATCH` for an empty pyramid or levels whose shapes do not chain
 * @category Pyramid
 */
export function reconstructPyramid(pyramid: readonly tf.Tensor4D[]): tf.Tensor4D {
  const fn = 'reconstructPyramid';
  if (pyramid.length === 0) throw new GanError('SHAPE_MISMATCH', `${fn}: the pyramid has no levels`);
  for (let k = 0; k < pyramid.length; k++) {
    checkImages(`${fn}: level ${k}`, pyramid[k]!);
    if (k === 0) continue;
    const [b, h, w, c] = pyramid[k]!.shape;
    const finer = pyramid[k - 1]!.shape;
    if (finer[0] !== b || finer[1] !== 2 * h || finer[2] !== 2 * w || finer[3] !== c) {
      throw new GanError(
        'SHAPE_MISMATCH',
        `${fn}: level ${k - 1} must be twice the size of level ${k}, got ${shapeText(finer)} and ${shapeText(pyramid[k]!.shape)}`,
      );
    }
  }
  return tf.tidy(() => {
    let g = pyramid[pyramid.length - 1]!;
    for (let k = pyramid.length - 2; k >= 0; k--) g = tf.add(gaussianUpsample(g), pyramid[k]!);
    return pyramid.length === 1 ? tf.clone(g) : g;
  });
}
