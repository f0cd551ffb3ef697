import { checkInteger, checkNumber, GanError, tfjsSeed } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/**
 * Options of {@link spectralNormalization}.
 * @category Layers
 */
export interface SpectralNormalizationOptions extends Omit<LayerArgs, 'name'> {
  /** The layer whose kernel is normalised: Dense, Conv1D, Conv2D or Conv2DTranspose (anything with a `kernel`). */
  layer: tfl.layers.Layer;
  /** Power iterations per training call. Default 1 (Miyato et al.). */
  powerIterations?: number;
  /** Added to norms before dividing. Default 1e-12. */
  epsilon?: number;
  /** Seed of the initial u vector. */
  seed?: number;
  /** Layer name. */
  name?: string;
}

/** The config `getConfig()` returns (JSON-safe). */
interface SpectralNormalizationConfig extends tf.serialization.ConfigDict {
  layer: { className: string; config: tf.serialization.ConfigDict };
  powerIterations: number;
  epsilon: number;
}

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;
type Kwargs = Parameters<tfl.layers.Layer['call']>[1];

type KernelHolder = { kernel?: { read(): tf.Tensor } | null };

/** Identity forward, zero gradient (tfjs has no stop_gradient). */
const stopGradient = tf.customGrad(
  // biome-ignore lint/suspicious/noExplicitAny: tfjs' customGrad typing takes a variadic function
  ((x: tf.Tensor) => ({ value: tf.clone(x), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) })) as any,
) as (x: tf.Tensor) => tf.Tensor;

const TRANSPOSED = new Set(['Conv2DTranspose', 'Conv3DTranspose']);

/**
 * Spectral normalization (Miyato et al. 2018, "Spectral Normalization for Generative
 * Adversarial Networks") as a layer wrapper: the wrapped layer runs with its kernel divided by
 * an estimate of the kernel's largest singular value,
 *
 *   `W_SN = W / sigma(W)`,   `sigma(W) = u^T W v`,
 *
 * with W the kernel reshaped to a matrix `[fan_in, units]` (transposed convolutions: the output
 * channels as columns, like PyTorch's dim=1) and u, v from power iteration:
 * `v = normalize(W u)`, `u = normalize(W^T v)`, one step per training call. u and v are constants
 * for the gradient (as in the paper). u is a non-trainable weight of this layer, so it is saved
 * and restored with the model's weights (model.json / weights.bin) and training resumes with
 * the same estimate. Outside training, `sigma = ||W u||` from the saved u, without an update.
 *
 * Works with second-order gradients (gradient penalty, R1) on the cpu and wasm backends.
 * Registered for serialization as `gankit>SpectralNormalization`.
 * @category Layers
 */
export class SpectralNormalization extends tfl.layers.Layer {
  /** The tfjs serialization class name. */
  static readonly className = 'SpectralNormalization';
  /** The wrapped layer. */
  readonly layer: tfl.layers.Layer;
  private readonly powerIterations: number;
  private readonly epsilon: number;
  private readonly seed: number | undefined;
  private u: tfl.LayerVariable | null = null;

  /** @param options - the layer to wrap and the power-iteration settings */
  constructor(options: SpectralNormalizationOptions) {
    const fn = 'spectralNormalization';
    const { layer, powerIterations, epsilon, seed, ...layerArgs } =
      options ?? ({} as SpectralNormalizationOptions);
    const innerShape = (layer as unknown as { batchInputShape?: tfl.Shape } | undefined)?.batchInputShape;
    super(
      layerArgs.inputShape === undefined &&
        layerArgs.batchInputShape === undefined &&
        innerShape !== undefined
        ? { ...layerArgs, batchInputShape: innerShape }
        : layerArgs,
    );
    if (!(layer instanceof tfl.layers.Layer)) {
      throw new GanError(
        'INVALID_ARGUMENT',
        `${fn}: layer must be a tfjs-layers layer (Dense, Conv2D, ...), got ${String(layer)}`,
      );
    }
    this.layer = layer;
    if (layerArgs.trainable === false) layer.trainable = false;
    this.powerIterations = checkInteger(fn, 'powerIterations', powerIterations ?? 1);
    this.epsilon = checkNumber(fn, 'epsilon', epsilon ?? 1e-12, { min: 0, exclusiveMin: true });
    this.seed = seed === undefined ? undefined : checkNumber(fn, 'seed', seed);
    this.supportsMasking = this.layer.supportsMasking;
  }

  override get trainable(): boolean {
    // the base constructor reads this before `layer` is set
    return this.layer === undefined ? true : this.layer.trainable;
  }

  override set trainable(value: boolean) {
    if (this.layer !== undefined) this.layer.trainable = value;
  }

  override get trainableWeights(): tfl.LayerVariable[] {
    return this.layer === undefined ? [] : this.layer.trainableWeights;
  }

  override set trainableWeights(_weights: tfl.LayerVariable[]) {
    throw new GanError('UNSUPPORTED', 'SpectralNormalization: trainableWeights cannot be set');
  }

  override get nonTrainableWeights(): tfl.LayerVariable[] {
    if (this.layer === undefined) return [];
    return [...this.layer.nonTrainableWeights, ...(this.u ? [this.u] : [])];
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    if (!this.layer.built) {
      this.layer.build(inputShape);
      this.layer.built = true;
    }
    const kernel = (this.layer as unknown as KernelHolder).kernel;
    if (!kernel || typeof kernel.read !== 'function') {
      throw new GanError(
        'UNSUPPORTED',
        `spectralNormalization: ${this.layer.getClassName()} has no kernel to normalise; wrap Dense, Conv1D, Conv2D or Conv2DTranspose`,
      );
    }
    const units = this.matrixShape(kernel.read().shape)[1];
    this.u = this.addWeight(
      'sn_u',
      [1, units],
      'float32',
      tfl.initializers.randomNormal({
        mean: 0,
        stddev: 1,
        ...(this.seed === undefined ? {} : { seed: tfjsSeed(this.seed) }),
      }),
      undefined,
      false,
    );
    this.built = true;
  }

  private matrixShape(kernelShape: readonly number[]): [number, number] {
    const units = kernelShape[kernelShape.length - (TRANSPOSED.has(this.layer.getClassName()) ? 2 : 1)]!;
    const size = kernelShape.reduce((a, b) => a * b, 1);
    return [size / units, units];
  }

  /** The kernel as a [fan_in, units] matrix. */
  private kernelMatrix(kernel: tf.Tensor): tf.Tensor2D {
    let k = kernel;
    if (TRANSPOSED.has(this.layer.getClassName())) {
      const perm = k.shape.map((_, i) => i);
      const r = perm.length;
      [perm[r - 2], perm[r - 1]] = [perm[r - 1]!, perm[r - 2]!];
      k = tf.transpose(k, perm);
    }
    return tf.reshape(k, this.matrixShape(kernel.shape)) as tf.Tensor2D;
  }

  private normalize(x: tf.Tensor): tf.Tensor {
    return tf.div(x, tf.add(tf.norm(x), this.epsilon));
  }

  /**
   * The current estimate of sigma(W) from the saved u, without updating it.
   * @returns a scalar (owned by the caller)
   */
  spectralNorm(): tf.Scalar {
    return tf.tidy(() => {
      const holder = this.layer as unknown as KernelHolder;
      if (!this.built || !this.u || !holder.kernel) {
        throw new GanError(
          'INVALID_ARGUMENT',
          'SpectralNormalization.spectralNorm: the layer is not built yet',
        );
      }
      const w = this.kernelMatrix(holder.kernel.read());
      return tf.norm(tf.matMul(this.u.read(), w, false, true)) as tf.Scalar;
    });
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    return tf.tidy(() => {
      const holder = this.layer as unknown as KernelHolder;
      const kernelVar = holder.kernel!;
      const kernel = kernelVar.read();
      const w = this.kernelMatrix(kernel);
      const training = (kwargs as { training?: boolean } | undefined)?.training === true;
      let u = this.u!.read();
      let sigma: tf.Tensor;
      if (training) {
        let v: tf.Tensor = u;
        for (let i = 0; i < this.powerIterations; i++) {
          v = this.normalize(tf.matMul(u, w, false, true)); // [1, fan_in]
          u = this.normalize(tf.matMul(v, w)); // [1, units]
        }
        u = stopGradient(u);
        v = stopGradient(v);
        sigma = tf.sum(tf.mul(tf.matMul(v, w), u));
        this.u!.write(u);
      } else {
        sigma = tf.norm(tf.matMul(stopGradient(u), w, false, true));
      }
      const normalized = tf.div(kernel, sigma);
      holder.kernel = { read: () => normalized };
      try {
        return this.layer.call(inputs, kwargs);
      } finally {
        holder.kernel = kernelVar;
      }
    });
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape | tfl.Shape[] {
    return this.layer.computeOutputShape(inputShape);
  }

  override getConfig(): tf.serialization.ConfigDict {
    const config: SpectralNormalizationConfig = {
      ...super.getConfig(),
      layer: { className: this.layer.getClassName(), config: this.layer.getConfig() },
      powerIterations: this.powerIterations,
      epsilon: this.epsilon,
      ...(this.seed === undefined ? {} : { seed: tfjsSeed(this.seed) }),
    };
    return config;
  }

  /**
   * Rebuilds the wrapper and its inner layer from a config.
   * @param cls - the class (tfjs passes it)
   * @param config - what getConfig returned
   * @returns the layer
   */
  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    const inner = config.layer as { className?: string; config?: tf.serialization.ConfigDict } | undefined;
    const entry = inner?.className
      ? tf.serialization.SerializationMap.getMap().classNameMap[inner.className]
      : undefined;
    if (!inner || !entry) {
      throw new GanError(
        'UNKNOWN_NAME',
        `SpectralNormalization.fromConfig: cannot rebuild the wrapped layer '${String(inner?.className)}'`,
      );
    }
    const [innerCls, innerFromConfig] = entry;
    const layer = innerFromConfig(innerCls, inner.config ?? {}) as unknown as tfl.layers.Layer;
    const { layer: _layer, ...rest } = config;
    return new cls({ ...rest, layer } as unknown as tf.serialization.ConfigDict);
  }
}
tf.serialization.registerClass(SpectralNormalization, 'gankit', 'SpectralNormalization');

/**
 * Wraps a layer with spectral normalization ({@link SpectralNormalization}, Miyato et al. 2018):
 * its kernel is divided by its largest singular value, estimated by power iteration whose
 * state (the u vector) is saved with the model's weights. The hinge loss with spectrally
 * normalised discriminator layers is a stable modern default.
 *
 * @param options - the layer (Dense, Conv1D, Conv2D, Conv2DTranspose) and power-iteration settings
 * @returns the wrapper layer
 * @throws GanError `INVALID_ARGUMENT` for a missing layer or bad settings; `UNSUPPORTED` (at build) for a layer without a kernel
 * @example
 * ```ts
 * import * as tfl from '@tensorflow/tfjs-layers';
 * import { spectralNormalization } from '@gankit/models';
 * const d = tfl.sequential({
 *   layers: [
 *     spectralNormalization({ layer: tfl.layers.conv2d({ inputShape: [28, 28, 1], filters: 8, kernelSize: 3, strides: 2 }) }),
 *     tfl.layers.leakyReLU({ alpha: 0.2 }),
 *     tfl.layers.flatten(),
 *     spectralNormalization({ layer: tfl.layers.dense({ units: 1 }) }),
 *   ],
 * });
 * ```
 * @category Layers
 */
export function spectralNormalization(options: SpectralNormalizationOptions): SpectralNormalization {
  return new SpectralNormalization(options);
}
