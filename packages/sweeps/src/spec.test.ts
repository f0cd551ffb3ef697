import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GanError } from '@gankit/core';
import { formatConfig, presetConfig } from '@gankit/families';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slugs } from './internal/slug.js';
import { parseSweepSpec, planSweep, readSweepSpec } from './spec.js';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'gankit-sweep-spec-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function specFile(name: string, text: string): Promise<string> {
  const file = path.join(dir, name);
  await fs.writeFile(file, text);
  return file;
}

/** The GanError a promise or function rejects with. */
async function failure(run: () => unknown): Promise<GanError> {
  try {
    await run();
  } catch (e) {
    expect(e).toBeInstanceOf(GanError);
    return e as GanError;
  }
  throw new Error('expected a GanError');
}

describe('sweep specs', () => {
  it('reports every mistake at once, each with its dot path', async () => {
    const file = await specFile(
      'three.yaml',
      [
        'name: Ring_LR',
        'base:',
        '  preset: gan-ring8',
        '  stpes: 60',
        'axes:',
        '  optimizer.learningRate: []',
        'seeds: [0, -1]',
      ].join('\n'),
    );
    const e = await failure(() => readSweepSpec(file));
    expect(e.code).toBe('INVALID_CONFIG');
    expect(e.message).toContain(`${file} is not a valid sweep spec:`);
    expect(e.message).toContain(
      '  name: expected lowercase letters, digits and dashes (at most 64), got "Ring_LR"',
    );
    expect(e.message).toContain('  base.stpes: unknown key (known here: preset)');
    expect(e.message).toContain('  axes.optimizer.learningRate: expected at least one value, got []');
    expect(e.message).toMatch(/\n {2}seeds\.1: .*got -1/);
  });

  it('names an unknown preset with the valid ones, and asks for exactly one of preset and config', async () => {
    const unknown = await failure(() => parseSweepSpec({ name: 'x', base: { preset: 'gan-rng8' } }));
    expect(unknown.message).toContain("base.preset: unknown preset 'gan-rng8'; valid presets: ");
    expect(unknown.message).toContain('gan-ring8');
    const both = await failure(() =>
      parseSweepSpec({ name: 'x', base: { preset: 'gan-ring8', config: 'a.yaml' } }),
    );
    expect(both.message).toContain('base: give exactly one of preset');
    const neither = await failure(() => parseSweepSpec({ name: 'x', base: {} }));
    expect(neither.message).toContain('base: give exactly one of preset');
  });

  it('refuses seeds and family as axes, repeated values and seeds, and a seed in base.set', async () => {
    const e = await failure(() =>
      parseSweepSpec({
        name: 'x',
        base: { preset: 'gan-ring8', set: ['training.seed=3'] },
        axes: { 'training.seed': [1, 2], family: ['dcgan'], 'optimizer.learningRate': [0.1, 0.1] },
        seeds: [1, 1],
      }),
    );
    expect(e.message).toContain('base.set.0: the seed comes from the spec');
    expect(e.message).toContain('axes.training.seed: list the seeds under seeds');
    expect(e.message).toContain('axes.family: a sweep varies one family and preset');
    expect(e.message).toContain('axes.optimizer.learningRate.1: 0.1 is listed twice');
    expect(e.message).toContain('seeds.1: seed 1 is listed twice');
  });

  it('refuses an alias bomb, custom tags, __proto__ keys and files over 1 MiB', async () => {
    const bomb = await specFile(
      'bomb.yaml',
      [
        'a: &a [x, x, x, x, x, x, x, x, x, x]',
        'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
        'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
        'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]',
        'name: bomb',
      ].join('\n'),
    );
    expect((await failure(() => readSweepSpec(bomb))).message).toMatch(/alias/i);
    const tag = await specFile(
      'tag.yaml',
      'name: !!js/function "function () { return 1 }"\nbase: {preset: gan-ring8}\n',
    );
    const tagError = await failure(() => readSweepSpec(tag));
    expect(tagError.code).toBe('INVALID_CONFIG');
    expect(tagError.message).toMatch(/tag\.yaml:1:7: not valid YAML: Unresolved tag/);
    const proto = await specFile(
      'proto.yaml',
      'name: x\nbase:\n  preset: gan-ring8\n  __proto__: {polluted: 1}\n',
    );
    expect((await failure(() => readSweepSpec(proto))).message).toContain(
      "'base.__proto__' is not a valid key",
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const json = await specFile(
      'proto.json',
      '{"name": "x", "base": {"preset": "gan-ring8"}, "__proto__": {"a": 1}}',
    );
    expect((await failure(() => readSweepSpec(json))).message).toContain("'__proto__' is not a valid key");
    const huge = await specFile('huge.yaml', `name: x\n#${'x'.repeat(1 << 20)}\n`);
    expect((await failure(() => readSweepSpec(huge))).message).toMatch(/too large for a sweep spec/);
    const txt = await specFile('spec.txt', 'name: x');
    expect((await failure(() => readSweepSpec(txt))).code).toBe('INVALID_ARGUMENT');
  });
});

describe('planSweep', () => {
  it('plans points x seeds in order, each config validated, with stable job ids', async () => {
    const plan = await planSweep(
      parseSweepSpec({
        name: 'ring-lr',
        base: { preset: 'gan-ring8', steps: 60, backend: 'cpu', set: ['output.progressEvery=20'] },
        axes: { 'optimizer.learningRate': [0.0002, 0.001], 'model.hidden': [[64, 64]] },
        seeds: [0, 3],
        metrics: ['modeCoverage.modesCaptured'],
      }),
    );
    expect(plan.jobs.map((j) => j.id)).toEqual([
      'ring-lr:learningRate=0.0002_hidden=64-64:s0',
      'ring-lr:learningRate=0.0002_hidden=64-64:s3',
      'ring-lr:learningRate=0.001_hidden=64-64:s0',
      'ring-lr:learningRate=0.001_hidden=64-64:s3',
    ]);
    const job = plan.jobs[3]!;
    expect(job.point).toEqual({ 'optimizer.learningRate': 0.001, 'model.hidden': [64, 64] });
    expect(job.config.optimizer.learningRate).toBe(0.001);
    expect(job.config.model.hidden).toEqual([64, 64]);
    expect(job.config.training).toMatchObject({ steps: 60, seed: 3 });
    expect(job.config.output.progressEvery).toBe(20);
    expect(job.config.backend).toBe('cpu');
    expect(job.metrics).toEqual(['modeCoverage.modesCaptured']);
  });

  it("lists every point's config problems before anything runs", async () => {
    const spec = parseSweepSpec({
      name: 'typos',
      base: { preset: 'gan-ring8' },
      axes: { 'optimizer.learningRate': [0.001, -1], 'model.hiden': [[8]] },
    });
    const e = await failure(() => planSweep(spec));
    expect(e.code).toBe('INVALID_CONFIG');
    expect(e.message).toContain("sweep 'typos': 2 of 2 points do not give a valid config:");
    expect(e.message).toMatch(/point learningRate=-1_hiden=8: .*\n.*optimizer\.learningRate: .*got -1/);
    expect(e.message).toMatch(/model\.hiden: unknown key/);
  });

  it('reads base.config relative to the spec file', async () => {
    await fs.mkdir(path.join(dir, 'recipes'), { recursive: true });
    await fs.writeFile(
      path.join(dir, 'recipes', 'ring.yaml'),
      formatConfig(presetConfig('gan-ring8', { set: ['model.latentDim=4'] })),
    );
    const file = await specFile(
      'from-config.yaml',
      'name: from-config\nbase:\n  config: recipes/ring.yaml\n  steps: 7\n',
    );
    const plan = await planSweep(await readSweepSpec(file));
    expect(plan.jobs).toHaveLength(1);
    expect(plan.jobs[0]!.id).toBe('from-config:base:s0');
    expect(plan.jobs[0]!.config.model.latentDim).toBe(4);
    expect(plan.jobs[0]!.config.training.steps).toBe(7);
  });
});

describe('point slugs', () => {
  it('are readable and folder-safe, with full keys where short ones clash and a hash where names do', () => {
    expect(
      slugs(
        [
          { 'a.rate': -1, 'b.rate': 'x/y' },
          { 'a.rate': 1e-7, 'b.rate': '../up' },
        ],
        ['a.rate', 'b.rate'],
      ),
    ).toEqual(['a.rate=-1_b.rate=x-y', 'a.rate=1e-7_b.rate=.-up']);
    const clash = slugs(
      [{ 'data.kind': 'a b' }, { 'data.kind': 'a-b' }, { 'data.kind': 'A-B' }],
      ['data.kind'],
    );
    expect(clash.map((s) => s.slice(0, 9))).toEqual(['kind=a-b-', 'kind=a-b-', 'kind=A-B-']);
    expect(new Set(clash.map((s) => s.toLowerCase())).size).toBe(3);
    expect(slugs([{}], [])).toEqual(['base']);
    const long = slugs([{ 'x.y': 'z'.repeat(200) }], ['x.y'])[0]!;
    expect(long.length).toBeLessThanOrEqual(89);
    for (const s of [...clash, long]) expect(s).toMatch(/^[A-Za-z0-9._=+-]+$/);
  });
});
