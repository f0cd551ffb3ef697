import { GanError } from '@gankit/core';
import type { TrainConfig } from './schema.js';

/** A named, ready-to-train config. */
export interface Preset {
  /** One line for `gankit presets`. */
  description: string;
  /** The config it trains. */
  config: TrainConfig;
}

const dcganFashion: TrainConfig = {
  preset: 'dcgan-fashion',
  family: 'dcgan',
  description: 'DCGAN on Fashion-MNIST 28x28 (bundled 2,000-image subset by default)',
  data: { dataset: 'fashion-mnist', dir: 'bundled' },
  model: {
    imageSize: 28,
    channels: 1,
    latentDim: 100,
    generatorWidth: 32,
    discriminatorWidth: 32,
    discriminatorBatchNorm: false,
  },
  loss: 'non-saturating',
  discriminatorSteps: 1,
  optimizer: { learningRate: 2e-4, beta1: 0.5, beta2: 0.999 },
  training: { steps: 1200, batchSize: 64, seed: 0 },
  output: { progressEvery: 50, sampleEvery: 200, checkpointEvery: 400, sampleCount: 64 },
  backend: 'auto',
};

/** Every preset by name. */
export const PRESETS: Readonly<Record<string, Preset>> = {
  'dcgan-fashion': { description: dcganFashion.description, config: dcganFashion },
};

/**
 * @param name - a preset name
 * @returns a fresh copy of its config
 * @throws GanError `UNKNOWN_NAME` listing the valid presets
 */
export function getPreset(name: string): TrainConfig {
  const preset = PRESETS[name];
  if (!preset) {
    throw new GanError(
      'UNKNOWN_NAME',
      `unknown preset '${name}'; valid presets: ${Object.keys(PRESETS).join(', ')}`,
    );
  }
  return structuredClone(preset.config);
}
