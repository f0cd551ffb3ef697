import { describe, expect, it } from 'vitest';
import { type LsrganConfig, presetConfig } from '../index.js';

describe('presetConfig with --set overrides', () => {
  it('overrides nested values with JSON and validates the result', () => {
    const config = presetConfig('lsrgan-x4', {
      set: ['latent.latentWeight=0', 'latent.norm=l2', 'training.steps=10'],
    }) as LsrganConfig;
    expect(config.latent.latentWeight).toBe(0);
    expect(config.latent.norm).toBe('l2');
    expect(config.training.steps).toBe(10);
  });

  it('names a path that is not in the config, and invalid values with their path', () => {
    expect(() => presetConfig('gan-ring8', { set: ['latent.latentWeight=0'] })).toThrow(
      "--set latent.latentWeight=0: 'latent' is not a section of this config",
    );
    expect(() => presetConfig('gan-ring8', { set: ['optimizer.learningRate=-1'] })).toThrow(
      /optimizer\.learningRate: .*got -1/,
    );
    expect(() => presetConfig('gan-ring8', { set: ['steps'] })).toThrow(
      "--set takes path=value, got 'steps'",
    );
  });
});

describe('networks that do not fit the data', () => {
  it.each([
    ['dcgan-fashion', 'model.imageSize=32'],
    ['dcgan-fashion', 'model.channels=3'],
    ['cgan-fashion', 'model.imageSize=64'],
  ])('%s with %s is refused before it trains, naming both shapes', async (preset, assignment) => {
    const { createRun } = await import('../index.js');
    const config = presetConfig(preset, { steps: 1, backend: 'cpu', set: [assignment] });
    await expect(createRun(config, '/tmp/gankit-never-written')).rejects.toThrow(
      /model\.imageSize \d+ and model\.channels \d do not fit the data: fashion-mnist\/train holds 28x28x1 images/,
    );
  });
});
