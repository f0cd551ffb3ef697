import { describe, expect, it } from 'vitest';
import { resolveTrainConfig } from './train.js';

describe('resolveTrainConfig --set', () => {
  it('overrides nested values with JSON and validates the result', () => {
    const config = resolveTrainConfig({
      preset: 'lsrgan-x4',
      set: ['latent.latentWeight=0', 'latent.norm=l2', 'training.steps=10'],
    });
    if (config.family !== 'lsrgan') throw new Error('expected an lsrgan config');
    expect(config.latent.latentWeight).toBe(0);
    expect(config.latent.norm).toBe('l2');
    expect(config.training.steps).toBe(10);
  });

  it('names a path that is not in the config, and invalid values with their path', () => {
    expect(() => resolveTrainConfig({ preset: 'gan-ring8', set: ['latent.latentWeight=0'] })).toThrow(
      "train: --set latent.latentWeight=0: 'latent' is not a section of this preset's config",
    );
    expect(() => resolveTrainConfig({ preset: 'gan-ring8', set: ['optimizer.learningRate=-1'] })).toThrow(
      /optimizer\.learningRate: .*got -1/,
    );
    expect(() => resolveTrainConfig({ preset: 'gan-ring8', set: ['steps'] })).toThrow(
      "train: --set takes path=value, got 'steps'",
    );
  });
});
