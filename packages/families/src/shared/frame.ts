import * as tf from '@tensorflow/tfjs-core';

/** Centres images in a `size` x `size` frame of background (-1), for networks that need a power-of-two side. */
export function padTo(images: tf.Tensor4D, size: number): tf.Tensor4D {
  const [, h, w] = images.shape;
  const top = Math.floor((size - h) / 2);
  const left = Math.floor((size - w) / 2);
  return tf.pad(
    images,
    [
      [0, 0],
      [top, size - h - top],
      [left, size - w - left],
      [0, 0],
    ],
    -1,
  );
}

/** The `height` x `width` centre of a frame {@link padTo} made: the data-sized image back. */
export function cropTo(images: tf.Tensor4D, height: number, width: number): tf.Tensor4D {
  const [, h, w] = images.shape;
  return tf.slice(
    images,
    [0, Math.floor((h - height) / 2), Math.floor((w - width) / 2), 0],
    [-1, height, width, -1],
  );
}
