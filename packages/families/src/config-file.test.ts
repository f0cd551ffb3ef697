import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GanError } from '@gankit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import './builtin.js';
import { configFromFile, formatConfig } from './config-file.js';
import { listPresets } from './registry.js';
import { presetConfig } from './run/run.js';

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'gankit-config-file-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

async function write(name: string, text: string): Promise<string> {
  const file = path.join(tmp, name);
  await fs.writeFile(file, text);
  return file;
}

/** The GanError a promise rejects with (fails the test when it resolves). */
async function failure(p: Promise<unknown>): Promise<GanError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(GanError);
  return e as GanError;
}

describe('config files', () => {
  it.each(listPresets().map((p) => p.name))(
    '%s: a written YAML and JSON file reads back to the preset',
    async (name) => {
      const config = presetConfig(name);
      for (const format of ['yaml', 'json'] as const) {
        const file = await write(
          `${name}.${format}`,
          formatConfig(config, { format, schema: 'x.schema.json' }),
        );
        expect(await configFromFile(file)).toEqual(config);
      }
    },
  );

  it('writes the family first and the schema line editors read', () => {
    const config = presetConfig('dcgan-fashion');
    const yaml = formatConfig(config, { schema: '../schemas/dcgan.schema.json' }).split('\n');
    expect(yaml[0]).toBe('# yaml-language-server: $schema=../schemas/dcgan.schema.json');
    expect(yaml[1]).toBe('family: dcgan');
    const json = JSON.parse(formatConfig(config, { format: 'json', schema: 's.json' }));
    expect(Object.keys(json).slice(0, 2)).toEqual(['$schema', 'family']);
  });

  it('applies the overrides after reading, flags then --set', async () => {
    const file = await write('ring.yaml', formatConfig(presetConfig('gan-ring8')));
    const config = await configFromFile(file, { steps: 7, seed: 3, set: ['training.steps=9'] });
    expect(config.training.steps).toBe(9);
    expect(config.training.seed).toBe(3);
  });

  it('reports three mistakes at once, each with its dot path, value and line', async () => {
    const text = formatConfig(presetConfig('dcgan-fashion'))
      .replace('learningRate: 0.0007', 'learningRate: -1')
      .replace('loss: non-saturating', 'loss: hindge')
      .replace('  steps: 4000', '  steps: 4000\n  stpes: 3');
    const lines = text.split('\n');
    const lineOf = (prefix: string) => lines.findIndex((l) => l.trimStart().startsWith(prefix)) + 1;
    const e = await failure(configFromFile(await write('three.yaml', text)));
    expect(e.code).toBe('INVALID_CONFIG');
    expect(e.message).toContain(
      `loss: Invalid option: expected one of "non-saturating"|"minimax"|"lsgan"|"hinge"|"wasserstein"|"relativistic-average", got "hindge" (line ${lineOf('loss:')})`,
    );
    expect(e.message).toContain(
      `optimizer.learningRate: Too small: expected number to be >0, got -1 (line ${lineOf('learningRate:')})`,
    );
    expect(e.message).toContain(
      `training.stpes: unknown key (known here: steps, batchSize, seed) (line ${lineOf('stpes:')})`,
    );
  });

  it('reads YAML safely: no custom tags, no merge keys, bounded aliases, no prototype keys, unique keys', async () => {
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x]',
      'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]',
      'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]',
      'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]',
      'e: [*d, *d, *d, *d, *d, *d, *d, *d, *d]',
    ].join('\n');
    expect((await failure(configFromFile(await write('bomb.yaml', bomb)))).message).toMatch(/alias count/);
    const tag = await failure(
      configFromFile(await write('tag.yaml', 'family: !!js/function "function(){}"\n')),
    );
    expect(tag.message).toMatch(/tag\.yaml:1:9: not valid YAML: Unresolved tag/);
    const proto = await failure(
      configFromFile(await write('proto.yaml', 'model:\n  __proto__:\n    x: 1\n')),
    );
    expect(proto.message).toContain("'model.__proto__' is not a valid key");
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    const dup = await failure(configFromFile(await write('dup.yaml', 'family: dcgan\nfamily: gan\n')));
    expect(dup.message).toContain('dup.yaml:2:1: not valid YAML: Map keys must be unique');
    const merge = await failure(
      configFromFile(await write('merge.yaml', 'family: gan\nbase: &b {x: 1}\nmodel:\n  <<: *b\n')),
    );
    expect(merge.message).toContain('model.<<: unknown key');
  });

  it('names what is wrong with a file that is not a config', async () => {
    expect((await failure(configFromFile(await write('list.yaml', '- 1\n- 2\n')))).message).toContain(
      'a config file holds one mapping of keys to values, got a list',
    );
    expect((await failure(configFromFile(await write('bad.json', '{"family": ')))).message).toMatch(
      /bad\.json: not valid JSON/,
    );
    const toml = await failure(configFromFile(await write('run.toml', 'family = "gan"')));
    expect(toml.code).toBe('INVALID_ARGUMENT');
    expect(toml.message).toContain("expected a .yaml, .yml or .json file, got '.toml'");
    const missing = await failure(configFromFile(path.join(tmp, 'none.yaml')));
    expect(missing.code).toBe('IO_ERROR');
    const big = await failure(configFromFile(await write('big.yaml', `# ${'x'.repeat(1 << 20)}\n`)));
    expect(big.message).toContain('too large for a config file');
    const noFamily = await failure(configFromFile(await write('empty.json', '{}')));
    expect(noFamily.message).toContain('family: expected a family name, got undefined');
  });
});
