import { describe, expect, it } from 'vitest';
import { applyOverride, getPreset, listPresets, parseRunConfig } from './index.js';

describe('training configs', () => {
  it('accepts every preset', () => {
    expect(listPresets().length).toBeGreaterThanOrEqual(11);
    for (const { name } of listPresets()) expect(parseRunConfig(getPreset(name), name).preset).toBe(name);
  });

  it('reports every problem at once, each with its dot path and the value that arrived', () => {
    const bad = getPreset('dcgan-fashion') as unknown as Record<string, Record<string, unknown>>;
    bad.optimizer!.learningRate = -1;
    bad.training!.batchSize = 0;
    bad.model!.extra = true;
    let message = '';
    try {
      parseRunConfig(bad, 'run.json');
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('run.json is not a valid training config:');
    expect(message).toMatch(/optimizer\.learningRate: .*, got -1/);
    expect(message).toMatch(/training\.batchSize: .*, got 0/);
    expect(message).toMatch(/\n {2}model\.extra: unknown key \(known here: imageSize, channels, /);
  });
});

describe('--set overrides', () => {
  it('sets nested values, parsing JSON where it can', () => {
    const config = getPreset('dcgan-fashion') as unknown as Record<string, unknown>;
    applyOverride(config, 'optimizer.learningRate=0.0005');
    applyOverride(config, 'data.dir=/data/fashion');
    expect(config.optimizer).toMatchObject({ learningRate: 0.0005 });
    expect(config.data).toMatchObject({ dir: '/data/fashion' });
  });

  it('refuses paths that would reach Object.prototype, and the family or preset', () => {
    const config = getPreset('gan-ring8') as unknown as Record<string, unknown>;
    for (const [assignment, message] of [
      ['__proto__.polluted=1', "'__proto__' is not a config key"],
      ['constructor.prototype.polluted=1', "'constructor' is not a config key"],
      ['model..latentDim=3', "'' is not a config key"],
      ['family=dcgan', "a run's family comes from --preset"],
      ['preset=other', "a run's preset comes from --preset"],
      ['toString.x=1', "'toString' is not a section of this config"],
    ]) {
      expect(() => applyOverride(config, assignment!), assignment).toThrow(message!);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
