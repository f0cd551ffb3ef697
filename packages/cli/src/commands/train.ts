import * as path from 'node:path';
import {
  type BackendChoice,
  bundledFashionMnistDir,
  formatBackendReport,
  loadFashionMnist,
  saveModel,
  setupBackend,
} from '@gankit/core';
import {
  checkpointCallback,
  datasetBatchSource,
  dcganStrategy,
  formatDuration,
  metricsLogCallback,
  progressCallback,
  sampleGridCallback,
  Trainer,
} from '@gankit/trainers';
import { getPreset } from '../config/presets.js';
import { parseTrainConfig, type TrainConfig } from '../config/schema.js';
import { assertFreshRunDir, nextFreeRunDir, runPaths, writeRunConfig } from '../run/run-dir.js';

/** Flags of `gankit train`. */
export interface TrainFlags {
  preset: string;
  steps?: number;
  batchSize?: number;
  seed?: number;
  backend?: BackendChoice;
  data?: string;
  out?: string;
}

/** Applies command-line overrides to a preset and validates the result. */
export function resolveTrainConfig(flags: TrainFlags): TrainConfig {
  const config = getPreset(flags.preset);
  if (flags.steps !== undefined) config.training.steps = flags.steps;
  if (flags.batchSize !== undefined) config.training.batchSize = flags.batchSize;
  if (flags.seed !== undefined) config.training.seed = flags.seed;
  if (flags.backend !== undefined) config.backend = flags.backend;
  if (flags.data !== undefined) config.data.dir = flags.data;
  return parseTrainConfig(config, `preset '${flags.preset}' with the given flags`);
}

/** The trainer and strategy of a run, built from its config (shared by train and resume). */
export async function buildRun(config: TrainConfig, runDir: string, log: (line: string) => void) {
  const report = await setupBackend({ backend: config.backend });
  for (const line of formatBackendReport(report)) log(line);

  const dataDir = config.data.dir === 'bundled' ? bundledFashionMnistDir() : config.data.dir;
  const dataset = await loadFashionMnist({ dir: dataDir, split: 'train' });
  log(
    `data: ${dataset.name}, ${dataset.count} images ${dataset.height}x${dataset.width}x${dataset.channels} from ${dataDir}`,
  );

  const { model, training, output } = config;
  const strategy = dcganStrategy({
    imageSize: model.imageSize,
    channels: model.channels,
    latentDim: model.latentDim,
    generator: { baseWidth: model.generatorWidth },
    discriminator: { baseWidth: model.discriminatorWidth, batchNorm: model.discriminatorBatchNorm },
    loss: config.loss,
    discriminatorSteps: config.discriminatorSteps,
    optimizer: config.optimizer,
    seed: training.seed,
  });
  const trainer = new Trainer({
    strategy,
    data: datasetBatchSource(dataset, { batchSize: training.batchSize, seed: training.seed }),
    steps: training.steps,
    seed: training.seed,
    runDir,
    config,
    checkpointOnSignal: true,
    callbacks: [
      progressCallback({ every: output.progressEvery, log }),
      metricsLogCallback({ every: 1 }),
      sampleGridCallback({ every: output.sampleEvery, count: output.sampleCount, seed: training.seed, log }),
      checkpointCallback({ every: output.checkpointEvery }),
    ],
  });
  return { strategy, trainer };
}

/** Trains until the trainer's last step, exports the generator and reports where things are. */
export async function runTraining(
  run: Awaited<ReturnType<typeof buildRun>>,
  runDir: string,
  log: (line: string) => void,
): Promise<void> {
  const { strategy, trainer } = run;
  try {
    const result = await trainer.fit();
    await trainer.withSamplingNetwork((g) => saveModel(g, runPaths(runDir).generator));
    if (result.interruptedBy) {
      log(
        `stopped by ${result.interruptedBy} at step ${result.step}; checkpoint saved. Continue with: gankit resume ${runDir}`,
      );
      return;
    }
    log(`done: step ${result.step} in ${formatDuration(result.elapsedMs)}`);
    log(`samples: ${path.join(runPaths(runDir).samples, 'final.png')}`);
    log(`generator: ${runPaths(runDir).generator}/model.json`);
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
  const run = await buildRun(config, runDir, log);
  await writeRunConfig(runDir, config);
  log(
    `run: ${runDir} (${config.preset}, ${config.training.steps} steps of batch ${config.training.batchSize})`,
  );
  await runTraining(run, runDir, log);
  return runDir;
}
