import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  checkInteger,
  checkNumber,
  formatShape,
  GanError,
  registerSerializable,
  SeededRandom,
} from '@gankit/core';
import { FASHION_MNIST_CLASS_NAMES } from '@gankit/data';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { checkEncoderInput, type EncodeOptions, type Encoder, type EncoderInputSpec } from '../encoder.js';
import { setModelTrainable } from '../internal/trainable.js';
import { loadEncoder } from '../io/save.js';

/**
 * Options of {@link classifierEncoder} and {@link fashionClassifier}.
 * @category Encoders
 */
export interface ClassifierEncoderOptions {
  /** Input image shape [height, width, channels]. Default [28, 28, 1]. */
  inputShape?: readonly [number, number, number];
  /** Class names; their number is the number of classes. Default the ten Fashion-MNIST classes. */
  classNames?: readonly string[];
  /** Filters of the conv blocks (3x3 conv, optional batch norm, ReLU, 2x2 max pooling each). Default [32, 64, 64]. */
  filters?: readonly number[];
  /** Batch normalization after each conv. Default true. */
  batchNorm?: boolean;
  /** Size of the penultimate feature layer (dense + ReLU). Default 128. */
  featureDim?: number;
  /** Dropout rate before the logits, active only in training. Default 0.25. */
  dropout?: number;
  /** Seed of the initial weights. Default 0. */
  seed?: number;
  /** Name of the underlying model. Default `classifier`. */
  name?: string;
}

/** The config snapshot of a {@link ClassifierEncoder}. @category Encoders */
export type ClassifierEncoderConfig = {
  inputShape: [number, number, number];
  classNames: string[];
  filters: number[];
  batchNorm: boolean;
  featureDim: number;
  dropout: number;
  seed: number;
  name: string;
};

/**
 * The two taps of a {@link ClassifierEncoder}: penultimate features and class logits.
 * @category Encoders
 */
export interface ClassifierTaps {
  /** [batch, featureDim] penultimate activations (after ReLU), e.g. for FID-style metrics. */
  features: tf.Tensor2D;
  /** [batch, numClasses] unnormalised class scores. */
  logits: tf.Tensor2D;
}

/**
 * A small CNN image classifier used as an encoder: `encode` returns its penultimate features and
 * its logits, `predict` the classes. gankit ships one trained on Fashion-MNIST
 * ({@link loadFashionClassifier}) to check a conditional GAN's class fidelity and to give metrics
 * domain-specific features. Registered as `gankit>ClassifierEncoder`.
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { ClassifierEncoder } from '@gankit/encoders';
 * const clf = new ClassifierEncoder({ inputShape: [16, 16, 3], classNames: ['a', 'b', 'c'], filters: [8, 16] });
 * console.log(clf.predict(tf.zeros([5, 16, 16, 3])).shape); // [5]
 * ```
 * @category Encoders
 */
export class ClassifierEncoder implements Encoder {
  /** Registered as `gankit>ClassifierEncoder`. */
  static readonly className = 'ClassifierEncoder';
  readonly name: string;
  readonly inputSpec: EncoderInputSpec;
  readonly model: tfl.LayersModel;
  /** Class names, by label. */
  readonly classNames: readonly string[];
  private readonly config: ClassifierEncoderConfig;

  /**
   * @param options - see {@link ClassifierEncoderOptions}
   * @throws GanError `INVALID_ARGUMENT` for bad sizes, fewer than two classes, or an image too small for the pooling
   */
  constructor(options: ClassifierEncoderOptions = {}) {
    this.config = normalise(options);
    this.name = this.config.name;
    this.classNames = Object.freeze([...this.config.classNames]);
    const [h, w, c] = this.config.inputShape;
    this.inputSpec = { range: [-1, 1], channels: c, minSize: Math.min(h, w), size: [h, w] };
    this.model = build(this.config);
  }

  /** @returns the number of classes */
  get numClasses(): number {
    return this.config.classNames.length;
  }

  /** @returns whether the weights are trainable */
  get trainable(): boolean {
    return this.model.trainable;
  }

  /** @param trainable - true to let gradients update the weights */
  setTrainable(trainable: boolean): void {
    setModelTrainable(this.model, trainable);
  }

  /**
   * @param images - [batch, h, w, c] in [-1, 1] with the configured size
   * @param options - `training`: batch norm on batch statistics and dropout active
   * @returns `{ features, logits }` (the caller owns both)
   * @throws GanError `SHAPE_MISMATCH` naming the expected and received shapes
   */
  encode(images: tf.Tensor4D, options: EncodeOptions = {}): ClassifierTaps & Record<string, tf.Tensor> {
    checkEncoderInput('ClassifierEncoder.encode', this.inputSpec, images);
    const [features, logits] = this.model.apply(images, { training: options.training ?? false }) as [
      tf.Tensor2D,
      tf.Tensor2D,
    ];
    return { features, logits };
  }

  /**
   * @param images - as for {@link ClassifierEncoder.encode}
   * @returns [batch, numClasses] class probabilities (the caller owns it)
   * @throws GanError `SHAPE_MISMATCH` for wrong images
   */
  probabilities(images: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => tf.softmax(this.encode(images).logits));
  }

  /**
   * @param images - as for {@link ClassifierEncoder.encode}
   * @returns int32 [batch] predicted labels (the caller owns it)
   * @throws GanError `SHAPE_MISMATCH` for wrong images
   */
  predict(images: tf.Tensor4D): tf.Tensor1D {
    return tf.tidy(() => tf.argMax(this.encode(images).logits, 1) as tf.Tensor1D);
  }

  /**
   * The fraction of images classified as their label, in batches (reads back asynchronously,
   * so it is safe on GPU backends). The inputs are not disposed.
   * @param images - [n, h, w, c] in [-1, 1]
   * @param labels - n labels, as a tensor or numbers
   * @param batchSize - images per forward pass. Default 256
   * @returns accuracy in [0, 1]
   * @throws GanError `INVALID_ARGUMENT` when the counts differ
   */
  async accuracy(
    images: tf.Tensor4D,
    labels: tf.Tensor | ArrayLike<number>,
    batchSize = 256,
  ): Promise<number> {
    const n = images.shape[0];
    const truth = labels instanceof tf.Tensor ? await labels.data() : labels;
    if (truth.length !== n) {
      throw new GanError(
        'INVALID_ARGUMENT',
        `ClassifierEncoder.accuracy: got ${n} images (${formatShape(images.shape)}) but ${truth.length} labels`,
      );
    }
    let hits = 0;
    for (let start = 0; start < n; start += batchSize) {
      const size = Math.min(batchSize, n - start);
      const pred = tf.tidy(() => this.predict(tf.slice(images, [start, 0, 0, 0], [size, -1, -1, -1])));
      const values = await pred.data();
      pred.dispose();
      for (let i = 0; i < size; i++) if (values[i] === Number(truth[start + i])) hits++;
    }
    return n === 0 ? 0 : hits / n;
  }

  /** @returns the JSON-safe config (weights are saved separately, with {@link saveEncoder}) */
  getConfig(): ClassifierEncoderConfig {
    return structuredClone(this.config);
  }

  /**
   * @param config - a snapshot from {@link ClassifierEncoder.getConfig}
   * @returns a new, untrained classifier of the same architecture
   */
  static fromConfig(config: ClassifierEncoderConfig): ClassifierEncoder {
    return new ClassifierEncoder(config);
  }

  /** Frees the weights. */
  dispose(): void {
    this.model.dispose();
  }
}
registerSerializable(ClassifierEncoder);

function normalise(o: ClassifierEncoderOptions): ClassifierEncoderConfig {
  const fn = 'classifierEncoder';
  const inputShape = [...(o.inputShape ?? [28, 28, 1])] as [number, number, number];
  if (inputShape.length !== 3) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: inputShape must be [height, width, channels], got ${JSON.stringify(o.inputShape)}`,
    );
  }
  inputShape.forEach((v, i) => {
    checkInteger(fn, `inputShape[${i}]`, v);
  });
  const filters = [...(o.filters ?? [32, 64, 64])];
  filters.forEach((f, i) => {
    checkInteger(fn, `filters[${i}]`, f);
  });
  if (Math.min(inputShape[0], inputShape[1]) < 2 ** filters.length) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: images of ${inputShape[0]}x${inputShape[1]} are too small for ${filters.length} pooling steps ` +
        `(need at least ${2 ** filters.length} pixels)`,
    );
  }
  const classNames = [...(o.classNames ?? FASHION_MNIST_CLASS_NAMES)];
  if (classNames.length < 2) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: classNames must name at least 2 classes, got ${classNames.length}`,
    );
  }
  return {
    inputShape,
    classNames,
    filters,
    batchNorm: o.batchNorm ?? true,
    featureDim: checkInteger(fn, 'featureDim', o.featureDim ?? 128),
    dropout: checkNumber(fn, 'dropout', o.dropout ?? 0.25, { min: 0, max: 0.95 }),
    seed: o.seed ?? 0,
    name: o.name ?? 'classifier',
  };
}

function build(c: ClassifierEncoderConfig): tfl.LayersModel {
  const rng = new SeededRandom(c.seed);
  const he = () => tfl.initializers.heNormal({ seed: rng.seed() });
  const input = tfl.input({ shape: [...c.inputShape], name: `${c.name}_image` });
  let x: tfl.SymbolicTensor = input;
  c.filters.forEach((filters, i) => {
    const b = i + 1;
    x = tfl.layers
      .conv2d({
        filters,
        kernelSize: 3,
        padding: 'same',
        useBias: !c.batchNorm,
        kernelInitializer: he(),
        name: `${c.name}_conv${b}`,
      })
      .apply(x) as tfl.SymbolicTensor;
    if (c.batchNorm)
      x = tfl.layers.batchNormalization({ name: `${c.name}_bn${b}` }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.reLU({ name: `${c.name}_relu${b}` }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers
      .maxPooling2d({ poolSize: 2, strides: 2, name: `${c.name}_pool${b}` })
      .apply(x) as tfl.SymbolicTensor;
  });
  x = tfl.layers.flatten({ name: `${c.name}_flatten` }).apply(x) as tfl.SymbolicTensor;
  const features = tfl.layers
    .dense({ units: c.featureDim, activation: 'relu', kernelInitializer: he(), name: `${c.name}_features` })
    .apply(x) as tfl.SymbolicTensor;
  let y = features;
  if (c.dropout > 0) {
    y = tfl.layers
      .dropout({ rate: c.dropout, seed: rng.seed(), name: `${c.name}_dropout` })
      .apply(y) as tfl.SymbolicTensor;
  }
  const logits = tfl.layers
    .dense({
      units: c.classNames.length,
      kernelInitializer: tfl.initializers.glorotUniform({ seed: rng.seed() }),
      name: `${c.name}_logits`,
    })
    .apply(y) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: [features, logits], name: c.name });
}

/**
 * Creates a {@link ClassifierEncoder} (untrained).
 * @param options - input shape, class names, filters, feature size, dropout, seed
 * @returns the classifier
 * @throws GanError `INVALID_ARGUMENT` for bad options
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { classifierEncoder } from '@gankit/encoders';
 * const clf = classifierEncoder({ inputShape: [32, 32, 3], classNames: ['cat', 'dog'] });
 * const { features, logits } = clf.encode(tf.zeros([4, 32, 32, 3]));
 * console.log(features.shape, logits.shape); // [4, 128] [4, 2]
 * ```
 * @category Encoders
 */
export function classifierEncoder(options: ClassifierEncoderOptions = {}): ClassifierEncoder {
  return new ClassifierEncoder(options);
}

/**
 * Creates an untrained classifier with the architecture of gankit's Fashion-MNIST classifier
 * (28x28x1, the ten Fashion-MNIST classes, conv blocks of 32, 64 and 64 filters, 128 features).
 * For the trained one, use {@link loadFashionClassifier}.
 * @param options - overrides of the defaults
 * @returns the classifier
 * @throws GanError `INVALID_ARGUMENT` for bad options
 * @example
 * ```ts
 * import { fashionClassifier } from '@gankit/encoders';
 * const clf = fashionClassifier({ seed: 1 });
 * console.log(clf.classNames[9]); // 'Ankle boot'
 * ```
 * @category Encoders
 */
export function fashionClassifier(options: ClassifierEncoderOptions = {}): ClassifierEncoder {
  return new ClassifierEncoder({
    inputShape: [28, 28, 1],
    classNames: FASHION_MNIST_CLASS_NAMES,
    name: 'fashion_classifier',
    ...options,
  });
}

// This module's folder: import.meta.url in ESM and in source; __dirname in the CJS build.
function moduleDir(): string {
  const url: unknown = import.meta.url;
  if (typeof url === 'string') return dirname(fileURLToPath(url));
  return __dirname;
}

const WEIGHTS_SUBDIR = join('weights', 'fashion-classifier');

/**
 * The folder of the trained Fashion-MNIST classifier shipped with `@gankit/encoders`
 * (`weights/fashion-classifier/`: `model.json` + `weights.bin`), found by walking up from this
 * module's folder, so it works from the source tree and from the built package.
 * @returns the absolute folder path
 * @throws GanError `IO_ERROR` when this installation lacks the weights
 * @example
 * ```ts
 * import { fashionClassifierDir } from '@gankit/encoders';
 * console.log(fashionClassifierDir()); // .../@gankit/encoders/weights/fashion-classifier
 * ```
 * @category Encoders
 */
export function fashionClassifierDir(): string {
  const start = moduleDir();
  for (let dir = start; ; ) {
    const candidate = join(dir, WEIGHTS_SUBDIR);
    if (existsSync(join(candidate, 'model.json'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new GanError(
    'IO_ERROR',
    `fashionClassifierDir: no ${WEIGHTS_SUBDIR}/model.json above ${start}; this installation of @gankit/encoders lacks its weights`,
  );
}

/**
 * Loads the trained Fashion-MNIST classifier shipped with the package (see docs/encoders.md for
 * its test accuracy and how it was trained). Frozen: its weights get no gradients.
 * @param dir - another folder saved with {@link saveEncoder}; default {@link fashionClassifierDir}
 * @returns the classifier (the caller disposes it)
 * @throws GanError `IO_ERROR` when the weights are missing, `INVALID_DATA` when corrupted
 * @example
 * ```ts
 * import { loadFashionMnist, toTensorBatch } from '@gankit/data';
 * import { loadFashionClassifier } from '@gankit/encoders';
 * const clf = await loadFashionClassifier();
 * const test = await loadFashionMnist({ dir: 'bundled', split: 'test' });
 * const { images, labels } = toTensorBatch(test);
 * console.log(await clf.accuracy(images, labels)); // about 0.9
 * ```
 * @category Encoders
 */
export async function loadFashionClassifier(
  dir: string = fashionClassifierDir(),
): Promise<ClassifierEncoder> {
  const enc = await loadEncoder(dir);
  if (!(enc instanceof ClassifierEncoder)) {
    const name = enc.name;
    enc.dispose();
    throw new GanError(
      'INVALID_DATA',
      `loadFashionClassifier: ${dir} holds ${name}, not a ClassifierEncoder`,
    );
  }
  enc.setTrainable(false);
  return enc;
}
