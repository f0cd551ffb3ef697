import { checkNumber, formatShape, GanError } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Options of {@link edgeMap}.
 * @category Data
 */
export interface EdgeMapOptions {
  /** Sobel gradient magnitude (in [-1, 1] pixel units) above which a pixel is an edge. Default 1. */
  threshold?: number;
}

/**
 * Binary edge maps of images, the input side of edges-to-image tasks such as pix2pix's
 * edges2shoes (Isola et al. 2017). The Sobel gradient magnitude of the channel mean,
 * sqrt(Gx^2 + Gy^2) with the usual 3x3 kernels and edge replication at the border, is
 * thresholded: edges are 1, the rest -1.
 *
 * @param images - [batch, height, width, channels] in [-1, 1]
 * @param options - the threshold
 * @returns [batch, height, width, 1] edge maps in {-1, 1} (the caller owns it)
 * @throws GanError `SHAPE_MISMATCH` for a tensor that is not rank 4; `INVALID_ARGUMENT` for a negative threshold
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { edgeMap } from '@gankit/data';
 * // a white square on black: its outline becomes the edges
 * const square = tf.pad(tf.ones([1, 4, 4, 1]), [[0, 0], [2, 2], [2, 2], [0, 0]], -1) as tf.Tensor4D;
 * const edges = edgeMap(square); // 1 along the square's border, -1 elsewhere
 * ```
 * @category Data
 */
export function edgeMap(images: tf.Tensor4D, options: EdgeMapOptions = {}): tf.Tensor4D {
  const fn = 'edgeMap';
  if (images?.rank !== 4) {
    throw new GanError(
      'SHAPE_MISMATCH',
      `${fn}: images must be [batch, height, width, channels], got ${images ? formatShape(images.shape) : String(images)}`,
    );
  }
  const threshold = checkNumber(fn, 'threshold', options.threshold ?? 1, { min: 0 });
  return tf.tidy(() => {
    const gray = tf.mean(images, 3, true) as tf.Tensor4D;
    // replicate the border so image edges are not mistaken for object edges
    const padded = tf.concat(
      [
        tf.slice(gray, [0, 0, 0, 0], [-1, 1, -1, -1]),
        gray,
        tf.slice(gray, [0, gray.shape[1] - 1, 0, 0], [-1, 1, -1, -1]),
      ],
      1,
    );
    const w = padded.shape[2];
    const full = tf.concat(
      [
        tf.slice(padded, [0, 0, 0, 0], [-1, -1, 1, -1]),
        padded,
        tf.slice(padded, [0, 0, w - 1, 0], [-1, -1, 1, -1]),
      ],
      2,
    ) as tf.Tensor4D;
    const gx = tf.tensor4d([-1, 0, 1, -2, 0, 2, -1, 0, 1], [3, 3, 1, 1]);
    const gy = tf.tensor4d([-1, -2, -1, 0, 0, 0, 1, 2, 1], [3, 3, 1, 1]);
    const dx = tf.conv2d(full, gx, 1, 'valid');
    const dy = tf.conv2d(full, gy, 1, 'valid');
    const magnitude = tf.sqrt(tf.add(tf.square(dx), tf.square(dy)));
    return tf.sub(tf.mul(tf.cast(tf.greater(magnitude, threshold), 'float32'), 2), 1) as tf.Tensor4D;
  });
}
