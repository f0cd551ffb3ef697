import { formatShape, GanError } from '@gankit/core';
import type * as tf from '@tensorflow/tfjs-core';

/** Throws SHAPE_MISMATCH unless `t` is a tensor of rank >= 1 whose leading dim is the batch. */
export function checkLogits(fn: string, name: string, t: tf.Tensor): void {
  if (t == null || typeof t !== 'object' || !('shape' in t)) {
    throw new GanError('INVALID_ARGUMENT', `${fn}: ${name} must be a tensor, got ${String(t)}`);
  }
  if (t.rank === 0 || (t.rank === 2 && t.shape[1] !== 1) || t.rank > 2) {
    throw new GanError(
      'SHAPE_MISMATCH',
      `${fn}: ${name} must have shape [batch] or [batch, 1], got ${formatShape(t.shape)}`,
    );
  }
  if (t.dtype !== 'float32') {
    throw new GanError('INVALID_ARGUMENT', `${fn}: ${name} must be float32 logits, got ${t.dtype}`);
  }
}
