import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { getFamily, listPresets, presetConfig, resume, sampleRun, train } from '@gankit/families';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../src/program.js';

// A family registered from outside the gankit packages trains through the library entry
// points and through the CLI (`--plugin`), with no change to either.
const plugin = new URL('./fixtures/toy-family.ts', import.meta.url).pathname;

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'gankit-plugin-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

async function gankit(...args: string[]) {
  const out: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((m: unknown) => void out.push(String(m)));
  const err = vi.spyOn(console, 'error').mockImplementation((m: unknown) => void out.push(String(m)));
  try {
    return { code: await runCli(['node', 'gankit', ...args]), out };
  } finally {
    log.mockRestore();
    err.mockRestore();
  }
}

describe('a family from a plugin', () => {
  it('is unknown until its module is imported, then trains through the CLI', async () => {
    expect(listPresets().some((p) => p.name === 'toy-three')).toBe(false);
    const out = path.join(tmp, 'cli-run');
    const r = await gankit(
      'train',
      '--plugin',
      plugin,
      '--preset',
      'toy-three',
      '--steps',
      '6',
      '--out',
      out,
    );
    expect(r.code).toBe(0);
    expect(getFamily('toy-mixture').name).toBe('toy-mixture');
    expect(r.out.some((l) => l.startsWith('done: step 6'))).toBe(true);
    const config = JSON.parse(await fs.readFile(path.join(out, 'config.json'), 'utf8'));
    expect(config.family).toBe('toy-mixture');
    expect(JSON.parse(await fs.readFile(path.join(out, 'evaluation.json'), 'utf8'))).toEqual({
      step: 6,
      toy: true,
    });

    const presets = await gankit('presets', '--plugin', plugin);
    expect(presets.out.some((l) => l.startsWith('toy-three') && l.includes('toy family from a plugin'))).toBe(
      true,
    );

    const resumed = await gankit('resume', out, '--plugin', plugin, '--steps', '4');
    expect(resumed.code).toBe(0);
    expect(resumed.out.some((l) => l.startsWith('done: step 10'))).toBe(true);

    const png = path.join(tmp, 'toy.png');
    const sampled = await gankit('sample', '--plugin', plugin, '--run', out, '--n', '50', '--out', png);
    expect(sampled.code).toBe(0);
    expect((await fs.stat(png)).size).toBeGreaterThan(100);
  });

  it('trains, resumes and samples through the library entry points', async () => {
    await import(plugin);
    const config = presetConfig('toy-three', { steps: 5, set: ['model.width=8'] });
    expect(config.model.width).toBe(8);
    const out = path.join(tmp, 'library-run');
    const result = await train(config, { out });
    expect(result).toMatchObject({ step: 5, evaluation: { step: 5, toy: true } });
    expect((await resume(out, { steps: 3 }))?.step).toBe(8);
    const png = await sampleRun(out, { n: 20, seed: 1, out: path.join(tmp, 'lib.png'), backend: 'cpu' });
    expect((await fs.stat(png)).size).toBeGreaterThan(100);
  });

  it('refuses a config its schema does not allow, with the dot path', () => {
    expect(() => presetConfig('toy-three', { set: ['model.width=0', 'model.depth=3'] })).toThrow(
      /model\.width: .*got 0[\s\S]*model\.depth: unknown key/,
    );
  });
});
