import { checkNumber, GanError } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/**
 * Options of {@link seededDropout}.
 * @category Layers
 */
export interface SeededDropoutOptions {
  /** Fraction of units dropped in training, in [0, 1). */
  rate: number;
  /** Seed of the first masks (before any {@link SeededDropout.reseed}). Default 0. */
  seed?: number;
  /** Layer name. */
  name?: string;
}

/**
 * Dropout whose masks are reproducible and still change from call to call. tfjs-layers'
 * `dropout` either draws from an unseeded source (runs cannot be repeated or resumed exactly)
 * or, with a seed, applies the same mask at every step. This layer draws mask i after
 * `reseed(s)` from seed s + i; trainers reseed it once per step from the run's random stream,
 * so a resumed run sees the same masks. Inactive at inference. Registered as `gankit>SeededDropout`.
 * @category Layers
 */
export class SeededDropout extends tfl.layers.Layer {
  /** The tfjs serialization class name. */
  static readonly className = 'SeededDropout';
  private readonly rate: number;
  private readonly seed: number;
  private current: number;
  private calls = 0;

  /** @param options - rate and seed */
  constructor(options: SeededDropoutOptions) {
    super(options.name === undefined ? {} : { name: options.name });
    this.rate = checkNumber('seededDropout', 'rate', options.rate, { min: 0, max: 1 });
    if (this.rate === 1) {
      throw new GanError(
        'INVALID_ARGUMENT',
        'seededDropout: rate must be < 1 (1 would drop everything), got 1',
      );
    }
    this.seed = options.seed ?? 0;
    if (!Number.isInteger(this.seed) || this.seed < 0) {
      throw new GanError(
        'INVALID_ARGUMENT',
        `seededDropout: seed must be an integer >= 0, got ${String(options.seed)}`,
      );
    }
    this.current = this.seed;
    this.supportsMasking = true;
  }

  /**
   * Starts a new mask sequence: the next training call uses seed `seed`, the one after `seed + 1`, ...
   * @param seed - an integer, e.g. `rng.seed()` of the training step
   */
  reseed(seed: number): void {
    this.current = seed;
    this.calls = 0;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape | tfl.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    if (!kwargs.training || this.rate === 0) return tf.clone(x);
    const seed = this.current + this.calls++;
    return tf.dropout(x, this.rate, undefined, seed);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate, seed: this.seed };
  }
}
tf.serialization.registerClass(SeededDropout, 'gankit', 'SeededDropout');

/**
 * Creates a {@link SeededDropout} layer.
 * @param options - rate and seed
 * @returns the layer
 * @throws GanError `INVALID_ARGUMENT` for a rate outside [0, 1) or a non-integer seed
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { seededDropout } from '@gankit/models';
 * const drop = seededDropout({ rate: 0.5, seed: 1 });
 * drop.reseed(42);
 * const y = drop.apply(tf.ones([2, 4]), { training: true }) as tf.Tensor; // entries 0 or 2
 * ```
 * @category Layers
 */
export function seededDropout(options: SeededDropoutOptions): SeededDropout {
  return new SeededDropout(options);
}

/**
 * Reseeds every {@link SeededDropout} layer of a model (nested models included) for one
 * training step, each layer from its own offset so they draw different masks.
 * @param model - the network
 * @param seed - the step's seed, e.g. `rng.seed()`
 * @returns the number of layers reseeded
 * @example
 * ```ts
 * import { reseedDropout } from '@gankit/models';
 * import * as tfl from '@tensorflow/tfjs-layers';
 * const model = tfl.sequential({ layers: [tfl.layers.dense({ units: 2, inputShape: [2] })] });
 * reseedDropout(model, 7); // 0: the model has no seeded dropout
 * ```
 * @category Layers
 */
export function reseedDropout(model: tfl.LayersModel, seed: number): number {
  let count = 0;
  const visit = (layers: tfl.layers.Layer[]) => {
    for (const layer of layers) {
      if (layer instanceof SeededDropout) {
        // spaced apart so the layers' mask sequences (one seed per call) never overlap
        layer.reseed(seed + 1000 * count++);
      } else if (layer instanceof tfl.LayersModel) {
        visit(layer.layers);
      }
    }
  };
  visit(model.layers);
  return count;
}
