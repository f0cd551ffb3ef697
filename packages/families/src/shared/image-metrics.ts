import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatShape, GanError, tfjsSeed } from '@gankit/core';
import {
  bundledFashionMnistDir,
  DEFAULT_FASHION_MNIST_DIR,
  type FashionMnistDataset,
  loadFashionMnist,
  toTensorBatch,
  writeFileAtomic,
} from '@gankit/data';
import { type FeatureNetwork, fashionClassifierFeatures, loadInceptionV3 } from '@gankit/encoders';
import {
  FeatureStatistics,
  type FeatureStatisticsJSON,
  frechetDistance,
  kid,
  type MetricProvenance,
  manifoldMetrics,
} from '@gankit/metrics';
import type { Trainer } from '@gankit/trainers';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { Log } from '../family.js';

/** Images pushed through the feature network at once. */
const BATCH = 500;

/**
 * The feature network named by a `features` option: `fashion` (default: the shipped
 * Fashion-MNIST classifier's penultimate layer) or `inception:DIR` (a converted InceptionV3,
 * see `loadInceptionV3`).
 */
export async function featureNetwork(spec = 'fashion'): Promise<FeatureNetwork> {
  if (spec === 'fashion') return fashionClassifierFeatures();
  if (spec.startsWith('inception:') && spec.length > 'inception:'.length)
    return loadInceptionV3(spec.slice('inception:'.length));
  throw new GanError(
    'INVALID_ARGUMENT',
    `image metrics: features must be 'fashion' or 'inception:DIR' (a converted InceptionV3), got '${spec}'`,
  );
}

const resolutionOf = (net: FeatureNetwork) => net.inputShape.join('x');

/** Throws naming both shapes when the network cannot take images of `shape` ([h, w, c]). */
function assertTakes(net: FeatureNetwork, shape: readonly number[], what: string): void {
  const fits =
    shape.length === 3 &&
    net.channels.includes(shape[2]!) &&
    (net.inputSize !== undefined || (shape[0] === net.inputShape[0] && shape[1] === net.inputShape[1]));
  if (!fits) {
    throw new GanError(
      'SHAPE_MISMATCH',
      `image metrics: ${what} ${formatShape(shape as number[])} images but the feature network (${net.name}) takes ${net.inputSize ? `${net.channels.join(' or ')}-channel images, resized to ${formatShape([...net.inputShape])}` : formatShape([...net.inputShape])}`,
    );
  }
}

/** Features of `count` images produced batch by batch; each batch is disposed once read. */
async function featuresOf(
  net: FeatureNetwork,
  count: number,
  batch: (start: number, size: number) => tf.Tensor4D,
): Promise<{ data: Float32Array; dim: number }> {
  let out: Float32Array | undefined;
  let dim = 0;
  for (let start = 0; start < count; start += BATCH) {
    const images = batch(start, Math.min(BATCH, count - start));
    try {
      const features = net.features(images);
      dim = features.shape[1];
      out ??= new Float32Array(count * dim);
      out.set((await features.data()) as Float32Array, start * dim);
      features.dispose();
    } finally {
      images.dispose();
    }
  }
  return { data: out ?? new Float32Array(0), dim };
}

/**
 * Batches of `n` generated images: latents drawn from one seeded normal stream (the same for
 * every batch size), with class labels for conditional generators.
 */
async function generatedBatches(
  generator: tfl.LayersModel,
  n: number,
  seed: number,
  labelsOf?: (n: number) => number[],
): Promise<(start: number, size: number) => tf.Tensor4D> {
  const latentDim = generator.inputs[0]!.shape[1] as number;
  const labels = labelsOf?.(n);
  // one batch's latents at a time: a row's values depend on the seed and its index only
  const z = tf.randomNormal([n, latentDim], 0, 1, 'float32', tfjsSeed(seed));
  const zData = (await z.data()) as Float32Array;
  z.dispose();
  return (start, size) =>
    tf.tidy(() => {
      const zb = tf.tensor2d(zData.subarray(start * latentDim, (start + size) * latentDim), [
        size,
        latentDim,
      ]);
      const inputs = labels ? [zb, tf.tensor2d(labels.slice(start, start + size), [size, 1], 'int32')] : zb;
      return generator.predict(inputs) as tf.Tensor4D;
    });
}

/** The real images of the metrics: Fashion-MNIST's 10,000 test images where installed, else the bundled 500. */
async function referenceDataset(): Promise<{ dataset: FashionMnistDataset; label: string }> {
  const full = existsSync(join(DEFAULT_FASHION_MNIST_DIR, 't10k-images-idx3-ubyte.gz'))
    ? DEFAULT_FASHION_MNIST_DIR
    : undefined;
  const dataset = await loadFashionMnist({ dir: full ?? bundledFashionMnistDir(), split: 'test' });
  return { dataset, label: `Fashion-MNIST test${full ? '' : ' (bundled subset)'} (${dataset.count})` };
}

/** Reference statistics and features of real images, as written by {@link referenceStatistics}. */
export interface ReferenceFile {
  format: 'gankit/reference-features';
  reference: string;
  featureNetwork: string;
  weightsHash: string;
  resolution: string;
  statistics: FeatureStatisticsJSON;
  /** The features themselves (for KID, precision/recall, density/coverage), rounded to 6 digits. */
  features: number[];
  dim: number;
}

/**
 * Computes {@link referenceStatistics} and writes them to a file (atomically), for
 * `gankit eval --stats FILE` and {@link ImageMetricsOptions.stats}. The library form of
 * `gankit stats`.
 * @param out - the JSON file to write
 * @param options - `dir`: a Fashion-MNIST folder (default: Debian's full set where installed, else the bundled subset)
 * @returns what was written
 */
export async function writeReferenceStatistics(
  out: string,
  options: ReferenceOptions = {},
): Promise<ReferenceFile> {
  const ref = await referenceStatistics(options);
  await writeFileAtomic(out, JSON.stringify(ref));
  return ref;
}

/** Options of {@link referenceStatistics}. */
export interface ReferenceOptions {
  /** A Fashion-MNIST folder (default: Debian's full set where installed, else the bundled subset). */
  dir?: string;
  /** The feature network: `fashion` (default) or `inception:DIR`. */
  features?: string;
}

/**
 * Computes the reference features and statistics of the real images of gankit's image metrics
 * (Fashion-MNIST test images through the feature network), for `gankit stats` and for
 * evaluations that reuse them.
 * @param options - the real images' folder and the feature network
 * @returns the JSON-safe file contents
 */
export async function referenceStatistics(options: ReferenceOptions = {}): Promise<ReferenceFile> {
  const net = await featureNetwork(options.features);
  try {
    return await referenceWith(net, options.dir);
  } finally {
    net.dispose();
  }
}

async function referenceWith(net: FeatureNetwork, dir: string | undefined): Promise<ReferenceFile> {
  {
    const options = { dir };
    const { dataset, label } = options.dir
      ? await loadFashionMnist({ dir: options.dir, split: 'test' }).then((d) => ({
          dataset: d,
          label:
            options.dir === bundledFashionMnistDir()
              ? `Fashion-MNIST test (bundled subset) (${d.count})`
              : `Fashion-MNIST test from ${options.dir} (${d.count})`,
        }))
      : await referenceDataset();
    const real = await featuresOf(net, dataset.count, (start, size) => {
      const idx = Array.from({ length: size }, (_, i) => start + i);
      const b = toTensorBatch(dataset, idx);
      b.labels?.dispose();
      return b.images as tf.Tensor4D;
    });
    const stats = new FeatureStatistics(real.dim, { provenance: { reference: label } }).add(real.data);
    return {
      format: 'gankit/reference-features',
      reference: label,
      featureNetwork: net.name,
      weightsHash: net.weightsHash,
      resolution: resolutionOf(net),
      statistics: stats.toJSON(),
      features: Array.from(real.data, (v) => Math.round(v * 1e6) / 1e6),
      dim: real.dim,
    };
  }
}

/** FID, KID, precision/recall and density/coverage of a generator, with their provenance. */
export interface ImageMetrics {
  fid: number;
  kid: { mean: number; std: number; subsets: number; subsetSize: number };
  precision: number;
  recall: number;
  density: number;
  coverage: number;
  provenance: MetricProvenance;
}

/** Options of {@link imageGenerativeMetrics}. */
export interface ImageMetricsOptions {
  /** Generated images (default 10,000). */
  n?: number;
  /** Seed of the latents (default 1). */
  seed?: number;
  /** A file written by `gankit stats`, or `bundled` for the shipped test subset (default: computed now from the full test set where installed). */
  stats?: string;
  /** Class labels for conditional generators, one per sample (default: none). */
  labels?: (n: number) => number[];
  /** The feature network: `fashion` (default, the shipped classifier) or `inception:DIR`. */
  features?: string;
  log?: Log;
}

/**
 * Scores an image generator against real Fashion-MNIST test images in the feature space of the
 * shipped classifier: FID, KID, precision/recall (k = 3) and density/coverage (k = 5).
 * @param generator - z (and a class label for conditional ones) to [b, 28, 28, 1] in [-1, 1]
 * @param options - n, seed, cached reference statistics, labels, log
 * @returns the numbers and their provenance
 * @throws GanError `SHAPE_MISMATCH` naming both shapes when the generator's images do not fit the feature network
 */
export async function imageGenerativeMetrics(
  generator: tfl.LayersModel,
  options: ImageMetricsOptions = {},
): Promise<ImageMetrics> {
  const n = options.n ?? 10000;
  const seed = options.seed ?? 1;
  const net = await featureNetwork(options.features);
  try {
    assertTakes(net, generator.outputs[0]!.shape.slice(1) as number[], 'the generator makes');
    return await setMetrics(
      net,
      n,
      seed,
      options,
      await generatedBatches(generator, n, seed, options.labels),
    );
  } finally {
    net.dispose();
  }
}

/**
 * The same numbers for any set of images (real images, noise, another model's output), made
 * batch by batch by `batch(start, size)`; each batch is disposed once its features are read.
 * @param batch - images [size, 28, 28, 1] in [-1, 1] for positions start .. start + size
 * @param n - how many images
 * @param options - seed (of KID's subsets), reference statistics, log
 * @returns the numbers and their provenance
 */
export async function imageSetMetrics(
  batch: (start: number, size: number) => tf.Tensor4D,
  n: number,
  options: ImageMetricsOptions = {},
): Promise<ImageMetrics> {
  const net = await featureNetwork(options.features);
  try {
    return await setMetrics(net, n, options.seed ?? 1, options, batch);
  } finally {
    net.dispose();
  }
}

async function setMetrics(
  net: FeatureNetwork,
  n: number,
  seed: number,
  options: ImageMetricsOptions,
  batch: (start: number, size: number) => tf.Tensor4D,
): Promise<ImageMetrics> {
  const log = options.log ?? (() => {});
  const ref: ReferenceFile =
    options.stats === 'bundled'
      ? await referenceWith(net, bundledFashionMnistDir())
      : options.stats
        ? readReference(options.stats, net)
        : await referenceWith(net, undefined);
  const fake = await featuresOf(net, n, batch);
  const realFlat = { data: Float64Array.from(ref.features), dim: ref.dim };
  const fakeFlat = { data: fake.data, dim: fake.dim };
  const realStats = FeatureStatistics.fromJSON(ref.statistics);
  const fakeStats = new FeatureStatistics(fake.dim).add(fake.data);
  const f = frechetDistance(realStats, fakeStats);
  const k = await kid(realFlat, fakeFlat, { subsets: 50, subsetSize: 1000, seed });
  const manifold = await manifoldMetrics(realFlat, fakeFlat);
  const provenance: MetricProvenance = {
    featureNetwork: ref.featureNetwork,
    weightsHash: ref.weightsHash,
    resolution: ref.resolution,
    nReal: realStats.count,
    nFake: n,
    seed,
    reference: ref.reference,
  };
  const result: ImageMetrics = {
    fid: f.value,
    kid: { mean: k.mean, std: k.std, subsets: k.subsets, subsetSize: k.subsetSize },
    precision: manifold.precision,
    recall: manifold.recall,
    density: manifold.density,
    coverage: manifold.coverage,
    provenance,
  };
  log(
    `FID ${result.fid.toFixed(2)}, KID ${result.kid.mean.toFixed(4)}, precision ${result.precision.toFixed(3)}, recall ${result.recall.toFixed(3)} (${net.name}, weights ${net.weightsHash}, ${n} generated vs ${ref.reference})`,
  );
  return result;
}

function readReference(file: string, net: FeatureNetwork): ReferenceFile {
  let ref: ReferenceFile;
  try {
    ref = JSON.parse(readFileSync(file, 'utf8')) as ReferenceFile;
  } catch (e) {
    throw new GanError(
      'IO_ERROR',
      `image metrics: cannot read reference statistics ${file}: ${(e as Error).message}`,
      {
        cause: e,
      },
    );
  }
  if (ref.format !== 'gankit/reference-features') {
    throw new GanError('INVALID_DATA', `image metrics: ${file} is not a file written by 'gankit stats'`);
  }
  if (ref.weightsHash !== net.weightsHash || ref.featureNetwork !== net.name) {
    throw new GanError(
      'INVALID_DATA',
      `image metrics: ${file} was computed with ${ref.featureNetwork} (weights ${ref.weightsHash}), not ${net.name} (weights ${net.weightsHash}); recompute it with 'gankit stats'`,
    );
  }
  return ref;
}

/**
 * The end-of-run evaluation of an image family: FID and friends on `output.evalSamples`
 * generated images (default 10,000), for 28x28x1 runs (what the feature network takes).
 */
export function endOfRunImageMetrics(
  config: {
    model: { imageSize: number; channels: number };
    output: { evalSamples?: number | undefined; evalReference?: string | undefined };
    training: { seed: number };
  },
  log: Log,
  labels?: (n: number) => number[],
): ((trainer: Trainer) => Promise<Record<string, unknown>>) | undefined {
  const n = config.output.evalSamples ?? 10000;
  if (n === 0 || config.model.imageSize !== 28 || config.model.channels !== 1) return undefined;
  return (trainer) =>
    trainer.withSamplingNetwork(async (g) => ({
      imageMetrics: await imageGenerativeMetrics(g, {
        n,
        seed: config.training.seed + 1,
        log,
        ...(config.output.evalReference ? { stats: config.output.evalReference } : {}),
        ...(labels ? { labels } : {}),
      }),
    }));
}

/**
 * The periodic evaluation of an image family (`output.evalEvery`): FID of `output.evalSamples`
 * generated images (default 10,000) against the run's reference, computed once and reused.
 * Undefined where the end-of-run metrics are (evalSamples 0, or images the feature network does not take).
 */
export function imageFidMonitor(
  config: Parameters<typeof endOfRunImageMetrics>[0],
  labels?: (n: number) => number[],
): ((trainer: Trainer) => Promise<Record<string, number>>) | undefined {
  const n = config.output.evalSamples ?? 10000;
  if (n === 0 || config.model.imageSize !== 28 || config.model.channels !== 1) return undefined;
  let reference: Promise<FeatureStatistics> | undefined;
  const seed = config.training.seed + 1;
  return async (trainer) => {
    const net = await featureNetwork();
    try {
      reference ??= (
        config.output.evalReference === 'bundled'
          ? referenceWith(net, bundledFashionMnistDir())
          : config.output.evalReference
            ? Promise.resolve(readReference(config.output.evalReference, net))
            : referenceWith(net, undefined)
      ).then((ref) => FeatureStatistics.fromJSON(ref.statistics));
      const real = await reference;
      const fake = await trainer.withSamplingNetwork((g) =>
        generatedBatches(g, n, seed, labels).then((batch) => featuresOf(net, n, batch)),
      );
      return { fid: frechetDistance(real, new FeatureStatistics(fake.dim).add(fake.data)).value };
    } finally {
      net.dispose();
    }
  };
}

/** `{ monitor }` for a family's parts, or nothing (exactOptionalPropertyTypes forbids `monitor: undefined`). */
export function optionalMonitor(
  monitor: ((trainer: Trainer) => Promise<Record<string, number>>) | undefined,
): { monitor?: (trainer: Trainer) => Promise<Record<string, number>> } {
  return monitor ? { monitor } : {};
}
