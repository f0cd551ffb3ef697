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
    ['lapgan-fashion', 'model.channels=3'],
  ])('%s with %s is refused before it trains, naming both shapes', async (preset, assignment) => {
    const { createRun } = await import('../index.js');
    const config = presetConfig(preset, { steps: 1, backend: 'cpu', set: [assignment] });
    await expect(createRun(config, '/tmp/gankit-never-written')).rejects.toThrow(
      /model\.imageSize \d+ and model\.channels \d do not fit the data: fashion-mnist\/train holds 28x28x1 images/,
    );
  });
});

describe('pix2pix evaluation', () => {
  it('scores the translations of the test edge maps with FID and friends, cropped to 28x28', async () => {
    const { promises: fs } = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const { train } = await import('../index.js');
    const out = await fs.mkdtemp(path.join(os.tmpdir(), 'gankit-pix2pix-eval-'));
    const config = presetConfig('pix2pix-edges', {
      steps: 2,
      backend: 'cpu',
      set: [
        'training.batchSize=4',
        'model.generatorFilters=4',
        'model.discriminatorFilters=4',
        'output.evalSamples=40',
        'output.evalReference=bundled',
      ],
    });
    const result = await train(config, { out: path.join(out, 'run') });
    const metrics = result.evaluation.imageMetrics as { fid: number; provenance: Record<string, unknown> };
    expect(metrics.fid).toBeGreaterThan(0);
    expect(metrics.provenance).toMatchObject({ resolution: '28x28x1', nFake: 40, nReal: 500, seed: 1 });
    await fs.rm(out, { recursive: true, force: true });
  });
});

describe('sampleRun', () => {
  it('checks the output format before it loads anything', async () => {
    const { sampleRun } = await import('../index.js');
    // the run folder does not exist: the format is refused first
    await expect(sampleRun('/nonexistent/run', { n: 4, seed: 0, out: 'grid.gif' })).rejects.toThrow(
      'sample: --out must end in .png, .jpg, .jpeg or .webp, got "grid.gif"',
    );
  });
});
