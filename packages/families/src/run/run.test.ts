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
