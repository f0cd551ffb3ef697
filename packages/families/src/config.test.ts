import { describe, expect, it } from 'vitest';
import { getPreset, listPresets, parseRunConfig } from './index.js';

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
    expect(message).toMatch(/model: .*extra/);
  });
});
