import { formatShape, GanError } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

/**
 * One batch of paired data for supervised GANs: G learns `inputs` -> `targets` (low- to
 * high-resolution images, edge maps to photos, ...). The trainer disposes it after the step.
 * @category Strategies
 */
export interface PairedBatch {
  /** G's inputs (z of the latent-regularized GAN: e.g. the low-resolution image), [batch, h, w, c] in [-1, 1]. */
  inputs: tf.Tensor4D;
  /** The ground truth y, [batch, H, W, C] in [-1, 1]. */
  targets: tf.Tensor4D;
}

/** @internal Checks that a batch has both tensors and matching batch sizes. */
export function checkPairedBatch(fn: string, batch: PairedBatch): void {
  if (!(batch?.inputs instanceof tf.Tensor) || !(batch.targets instanceof tf.Tensor)) {
    throw new GanError('INVALID_DATA', `${fn}: every batch needs 'inputs' and 'targets' tensors`);
  }
  if (batch.inputs.shape[0] !== batch.targets.shape[0]) {
    throw new GanError(
      'SHAPE_MISMATCH',
      `${fn}: inputs ${formatShape(batch.inputs.shape)} and targets ${formatShape(batch.targets.shape)} differ in batch size`,
    );
  }
}

/** @internal Checks G's output shape against the targets of the preview batch. */
export function checkGeneratorFits(fn: string, generator: tfl.LayersModel, preview: PairedBatch): void {
  const out = generator.outputs[0]!.shape.slice(1);
  const want = preview.targets.shape.slice(1);
  if (out.some((d, i) => d !== null && d !== want[i])) {
    throw new GanError(
      'SHAPE_MISMATCH',
      `${fn}: generator output ${formatShape(out as number[])} does not match targets ${formatShape(want)}`,
    );
  }
}

/**
 * @internal A strategy's copy of a few fixed pairs, shown in sample grids as rows of
 * (input resized to the target size, G(input), target).
 */
export class PairedPreview {
  private readonly inputs: tf.Tensor4D;
  private readonly targets: tf.Tensor4D;

  constructor(batch: PairedBatch) {
    this.inputs = tf.keep(tf.clone(batch.inputs));
    this.targets = tf.keep(tf.clone(batch.targets));
  }

  get size(): number {
    return this.inputs.shape[0];
  }

  /** @returns [3 * rows, H, W, C]: input, output, target for the first ceil(count / 3) pairs */
  render(generator: tfl.LayersModel, count: number): tf.Tensor4D {
    const rows = Math.max(1, Math.min(this.size, Math.ceil(count / 3)));
    return tf.tidy(() => {
      const x = tf.slice(this.inputs, [0, 0, 0, 0], [rows, -1, -1, -1]);
      const y = tf.slice(this.targets, [0, 0, 0, 0], [rows, -1, -1, -1]);
      const out = generator.predict(x) as tf.Tensor4D;
      const [, h, w, c] = y.shape;
      let shown: tf.Tensor4D = tf.image.resizeNearestNeighbor(x, [h, w]);
      // a different channel count (e.g. one edge channel for an RGB target) is shown as gray
      if (shown.shape[3] !== c) shown = tf.tile(tf.mean(shown, 3, true), [1, 1, 1, c]) as tf.Tensor4D;
      // interleave per pair: [x0, g0, y0, x1, g1, y1, ...]
      return tf.reshape(tf.stack([shown, out, y], 1), [3 * rows, h, w, c]) as tf.Tensor4D;
    });
  }

  dispose(): void {
    tf.dispose([this.inputs, this.targets]);
  }
}
