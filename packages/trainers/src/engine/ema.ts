import { checkNumber, GanError } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

/**
 * An exponential moving average of a network's weights (all of them: kernels, biases and
 * batch-norm statistics), `shadow_t = decay * shadow_{t-1} + (1 - decay) * w_t`, used for
 * sampling because it smooths the oscillations of adversarial training (Yazici et al. 2019).
 * @category Engine
 */
export class WeightsEma {
  /** The averaged network. */
  readonly model: tfl.LayersModel;
  /** The averaging factor per update. */
  readonly decay: number;
  private shadow: tf.Variable[];

  /**
   * @param model - the network to average (its current weights start the average)
   * @param decay - averaging factor in [0, 1), e.g. 0.999
   * @throws GanError `INVALID_ARGUMENT` for a decay outside [0, 1)
   */
  constructor(model: tfl.LayersModel, decay: number) {
    checkNumber('WeightsEma', 'decay', decay, { min: 0 });
    if (decay >= 1) throw new GanError('INVALID_ARGUMENT', `WeightsEma: decay must be < 1, got ${decay}`);
    this.model = model;
    this.decay = decay;
    this.shadow = model.getWeights().map((w) => tf.variable(w, false));
  }

  /** Folds the network's current weights into the average. */
  update(): void {
    const weights = this.model.getWeights();
    tf.tidy(() => {
      this.shadow.forEach((s, i) => {
        s.assign(tf.add(tf.mul(s, this.decay), tf.mul(weights[i]!, 1 - this.decay)));
      });
    });
  }

  /** @returns the averaged weights (owned by this object; do not dispose) */
  getWeights(): tf.Tensor[] {
    return this.shadow;
  }

  /**
   * Replaces the averaged weights (restoring a checkpoint).
   * @param weights - one tensor per network weight, same shapes
   * @throws GanError `INVALID_DATA` when the count or a shape differs
   */
  setWeights(weights: tf.Tensor[]): void {
    if (
      weights.length !== this.shadow.length ||
      weights.some((w, i) => !tf.util.arraysEqual(w.shape, this.shadow[i]!.shape))
    ) {
      throw new GanError(
        'INVALID_DATA',
        `WeightsEma.setWeights: expected ${this.shadow.length} tensors with the network's shapes`,
      );
    }
    this.shadow.forEach((s, i) => {
      s.assign(weights[i]!);
    });
  }

  /**
   * Runs `fn` with the averaged weights loaded into the network, then puts the live weights back.
   * @param fn - e.g. sampling
   * @returns what `fn` returns
   */
  withAveragedWeights<T>(fn: () => T): T {
    const live = this.model.getWeights().map((w) => tf.clone(w));
    this.model.setWeights(this.shadow);
    try {
      return fn();
    } finally {
      this.model.setWeights(live);
      tf.dispose(live);
    }
  }

  /** Frees the averaged weights. */
  dispose(): void {
    tf.dispose(this.shadow);
  }
}
