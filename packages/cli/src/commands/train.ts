import * as path from 'node:path';
import {
  type BackendChoice,
  bundledFashionMnistDir,
  conditionalDiscriminator,
  conditionalGenerator,
  formatBackendReport,
  GanError,
  gaussianMixture,
  loadFashionMnist,
  mlpDiscriminator,
  mlpGenerator,
  SeededRandom,
  saveModel,
  setupBackend,
  writeFileAtomic,
} from '@gankit/core';
import { loadFashionClassifier } from '@gankit/encoders';
import { classFidelity, modeCoverage } from '@gankit/metrics';
import {
  adversarialStrategy,
  type BatchSource,
  type Callback,
  checkpointCallback,
  conditionalStrategy,
  datasetBatchSource,
  dcganStrategy,
  formatDuration,
  gridLabels,
  learningRateSchedule,
  metricsLogCallback,
  pointsBatchSource,
  progressCallback,
  type Strategy,
  sampleGridCallback,
  scatterPlotCallback,
  Trainer,
} from '@gankit/trainers';
import type * as tf from '@tensorflow/tfjs-core';
import { getPreset } from '../config/presets.js';
import { parseTrainConfig, type TrainConfig } from '../config/schema.js';
import { assertFreshRunDir, nextFreeRunDir, runPaths, writeRunConfig } from '../run/run-dir.js';
import { buildSupervised } from './build-supervised.js';

/** Flags of `gankit train`. */
export interface TrainFlags {
  preset: string;
  steps?: number;
  batchSize?: number;
  seed?: number;
  backend?: BackendChoice;
  data?: string;
  out?: string;
  threads?: number;
  /** `path=value` overrides of the preset's config, e.g. `latent.latentWeight=0` (values are JSON, else strings). */
  set?: string[];
}

/** Applies one `a.b.c=value` override; the whole config is validated afterwards. */
function applyOverride(config: Record<string, unknown>, assignment: string): void {
  const eq = assignment.indexOf('=');
  if (eq <= 0) {
    throw new GanError('INVALID_ARGUMENT', `train: --set takes path=value, got '${assignment}'`);
  }
  const keys = assignment.slice(0, eq).split('.');
  const raw = assignment.slice(eq + 1);
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    value = raw;
  }
  let node: Record<string, unknown> = config;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null) {
      throw new GanError(
        'INVALID_ARGUMENT',
        `train: --set ${assignment}: '${key}' is not a section of this preset's config (sections: ${Object.keys(
          node,
        )
          .filter((k) => typeof node[k] === 'object')
          .join(', ')})`,
      );
    }
    node = next as Record<string, unknown>;
  }
  node[keys.at(-1)!] = value;
}

/** Applies command-line overrides to a preset and validates the result. */
export function resolveTrainConfig(flags: TrainFlags): TrainConfig {
  const config = getPreset(flags.preset);
  if (flags.steps !== undefined) config.training.steps = flags.steps;
  if (flags.batchSize !== undefined) config.training.batchSize = flags.batchSize;
  if (flags.seed !== undefined) config.training.seed = flags.seed;
  if (flags.backend !== undefined) config.backend = flags.backend;
  for (const assignment of flags.set ?? []) applyOverride(config as Record<string, unknown>, assignment);
  if (flags.data !== undefined) {
    if (config.data.dataset === 'gaussian-mixture') {
      throw new GanError(
        'INVALID_ARGUMENT',
        `train: --data does not apply to preset '${flags.preset}' (its data is generated: ${config.data.dataset})`,
      );
    }
    config.data.dir = flags.data;
  }
  return parseTrainConfig(config, `preset '${flags.preset}' with the given flags`);
}

/** The trainer and strategy of a run, built from its config (shared by train and resume). */
export async function buildRun(
  config: TrainConfig,
  runDir: string,
  log: (line: string) => void,
  threads?: number,
) {
  const report = await setupBackend({
    backend: config.backend,
    ...(threads === undefined ? {} : { threads }),
  });
  for (const line of formatBackendReport(report)) log(line);
  const { training, output } = config;
  const common = {
    loss: config.loss,
    discriminatorSteps: config.discriminatorSteps,
    optimizer: config.optimizer,
    ...(config.regularizer === undefined
      ? {}
      : {
          regularizer:
            config.regularizer.kind === 'r1'
              ? { kind: 'r1' as const, gamma: config.regularizer.gamma }
              : { kind: 'gradient-penalty' as const, weight: config.regularizer.weight },
        }),
  };
  // biome-ignore lint/suspicious/noExplicitAny: each family has its own batch type
  let strategy: Strategy<any>;
  // biome-ignore lint/suspicious/noExplicitAny: as above
  let data: BatchSource<any>;
  let samples: Callback;
  // end-of-run quality numbers, written to evaluation.json beside the run's config
  let evaluate: (trainer: Trainer) => Promise<Record<string, unknown>> = async () => ({});

  if (config.family === 'gan') {
    const mixture = gaussianMixture({
      kind: config.data.kind,
      modes: config.data.modes,
      std: config.data.std,
    });
    log(`data: ${mixture.description}`);
    data = pointsBatchSource(mixture, { batchSize: training.batchSize, seed: training.seed });
    strategy = adversarialStrategy({
      ...common,
      name: 'gan',
      generator: mlpGenerator({
        latentDim: config.model.latentDim,
        outputDim: 2,
        hidden: config.model.hidden,
        seed: training.seed,
      }),
      packing: config.model.packing ?? 1,
      discriminator: mlpDiscriminator({
        inputDim: 2 * (config.model.packing ?? 1),
        hidden: config.model.discriminatorHidden ?? config.model.hidden,
        spectralNorm: config.model.discriminatorSpectralNorm ?? false,
        seed: training.seed + 1,
      }),
    });
    samples = scatterPlotCallback({
      every: output.sampleEvery,
      count: output.sampleCount,
      reference: mixture.sample(output.sampleCount, new SeededRandom(training.seed + 7)),
      seed: training.seed,
      log,
    });
    evaluate = async (trainer) => {
      const points = trainer.sample(output.sampleCount, training.seed + 1);
      const coverage = modeCoverage(await points.data(), mixture.centers, mixture.std);
      points.dispose();
      log(
        `mode coverage: ${coverage.modesCaptured}/${coverage.modes} modes, ${(100 * coverage.highQualityFraction).toFixed(1)}% high-quality samples (within 3 std)`,
      );
      return { modeCoverage: coverage };
    };
  } else if (
    config.family === 'srresnet' ||
    config.family === 'srgan' ||
    config.family === 'lsrgan' ||
    config.family === 'pix2pix'
  ) {
    ({ strategy, data } = await buildSupervised(config, log));
    samples = sampleGridCallback({
      every: output.sampleEvery,
      count: output.sampleCount,
      seed: training.seed,
      log,
    });
  } else {
    const dataDir = config.data.dir === 'bundled' ? bundledFashionMnistDir() : config.data.dir;
    const dataset = await loadFashionMnist({ dir: dataDir, split: 'train' });
    log(
      `data: ${dataset.name}, ${dataset.count} images ${dataset.height}x${dataset.width}x${dataset.channels} from ${dataDir}`,
    );
    data = datasetBatchSource(dataset, { batchSize: training.batchSize, seed: training.seed });
    const m = config.model;
    strategy =
      config.family === 'dcgan'
        ? dcganStrategy({
            ...common,
            imageSize: m.imageSize,
            channels: m.channels,
            latentDim: m.latentDim,
            generator: { baseWidth: m.generatorWidth },
            discriminator: {
              baseWidth: m.discriminatorWidth,
              batchNorm: config.model.discriminatorBatchNorm,
              spectralNorm: config.model.discriminatorSpectralNorm ?? false,
            },
            seed: training.seed,
          })
        : conditionalStrategy({
            ...common,
            numClasses: config.model.numClasses,
            generator: conditionalGenerator({
              imageSize: m.imageSize,
              channels: m.channels,
              numClasses: config.model.numClasses,
              latentDim: m.latentDim,
              embeddingDim: config.model.embeddingDim,
              baseWidth: m.generatorWidth,
              seed: training.seed,
            }),
            discriminator: conditionalDiscriminator({
              imageSize: m.imageSize,
              channels: m.channels,
              numClasses: config.model.numClasses,
              conditioning: config.model.conditioning,
              embeddingDim: config.model.embeddingDim,
              baseWidth: m.discriminatorWidth,
              batchNorm: config.model.discriminatorBatchNorm ?? false,
              seed: training.seed + 1,
            }),
          });
    if (
      config.family === 'cgan' &&
      m.imageSize === 28 &&
      m.channels === 1 &&
      config.model.numClasses === 10
    ) {
      evaluate = async (trainer) => {
        // 100 samples per class, judged by the Fashion-MNIST classifier shipped with @gankit/encoders
        const count = 1000;
        const classifier = await loadFashionClassifier();
        const images = trainer.sample(count, training.seed + 1) as tf.Tensor4D;
        try {
          const r = await classFidelity(classifier, images, gridLabels(count, 10), { numClasses: 10 });
          log(
            `class fidelity: ${(100 * r.accuracy).toFixed(1)}% of samples classified as their requested class (per class: ${r.perClass.map((a) => (100 * a).toFixed(0)).join(' ')})`,
          );
          return { classFidelity: r };
        } finally {
          images.dispose();
          classifier.dispose();
        }
      };
    }
    samples = sampleGridCallback({
      every: output.sampleEvery,
      count: output.sampleCount,
      seed: training.seed,
      log,
    });
  }
  const trainer = new Trainer({
    strategy,
    data,
    steps: training.steps,
    seed: training.seed,
    runDir,
    config,
    checkpointOnSignal: true,
    ...(config.emaDecay !== undefined ? { emaDecay: config.emaDecay } : {}),
    callbacks: [
      ...(training.decayStart === undefined
        ? []
        : [learningRateSchedule({ kind: 'linear', decayStart: training.decayStart })]),
      progressCallback({ every: output.progressEvery, log }),
      metricsLogCallback({ every: 1 }),
      samples,
      checkpointCallback({ every: output.checkpointEvery }),
    ],
  });
  return { strategy, trainer, evaluate };
}

/** Trains until the trainer's last step, exports the generator and reports where things are. */
export async function runTraining(
  run: Awaited<ReturnType<typeof buildRun>>,
  runDir: string,
  log: (line: string) => void,
): Promise<Record<string, unknown>> {
  const { strategy, trainer } = run;
  try {
    const result = await trainer.fit();
    await trainer.withSamplingNetwork((g) => saveModel(g, runPaths(runDir).generator));
    const evaluation = { step: result.step, ...(await run.evaluate(trainer)) };
    await writeFileAtomic(runPaths(runDir).evaluation, `${JSON.stringify(evaluation, null, 2)}\n`);
    if (result.interruptedBy) {
      log(
        `stopped by ${result.interruptedBy} at step ${result.step}; checkpoint saved. Continue with: gankit resume ${runDir}`,
      );
      return evaluation;
    }
    log(`done: step ${result.step} in ${formatDuration(result.elapsedMs)}`);
    log(`samples: ${path.join(runPaths(runDir).samples, 'final.png')}`);
    log(`generator: ${runPaths(runDir).generator}/model.json`);
    return evaluation;
  } finally {
    trainer.dispose();
    strategy.dispose();
  }
}

/** `gankit train`: trains a preset into a run folder, writing sample grids and checkpoints. */
export async function trainCommand(flags: TrainFlags, log: (line: string) => void): Promise<string> {
  const config = resolveTrainConfig(flags);
  const runDir = flags.out
    ? path.resolve(flags.out)
    : await nextFreeRunDir(path.resolve('runs', config.preset));
  await assertFreshRunDir(runDir);
  const run = await buildRun(config, runDir, log, flags.threads);
  await writeRunConfig(runDir, config);
  log(
    `run: ${runDir} (${config.preset}, ${config.training.steps} steps of batch ${config.training.batchSize})`,
  );
  await runTraining(run, runDir, log);
  return runDir;
}
