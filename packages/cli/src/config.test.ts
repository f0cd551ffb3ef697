import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { familyJsonSchema, formatConfig, listFamilies, listPresets, presetConfig } from '@gankit/families';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { schemaFiles } from '../scripts/write-schemas.js';
import { runCli } from './program.js';
import { SCHEMAS_DIR } from './schemas.js';

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'gankit-cli-config-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

async function gankit(...args: string[]) {
  const out: string[] = [];
  let err = '';
  const logSpy = vi.spyOn(console, 'log').mockImplementation((m: unknown) => void out.push(String(m)));
  const errSpy = vi
    .spyOn(console, 'error')
    .mockImplementation((m: unknown) => void (err += `${String(m)}\n`));
  const write = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    err += String(chunk);
    return true;
  });
  try {
    return { code: await runCli(['node', 'gankit', ...args]), out, err };
  } finally {
    logSpy.mockRestore();
    errSpy.mockRestore();
    write.mockRestore();
  }
}

describe('JSON Schemas published with the CLI', () => {
  it('are the families’ current schemas (rewrite: packages/cli/scripts/write-schemas.ts)', async () => {
    const files = schemaFiles();
    expect(files.map((f) => f.name).sort()).toEqual(
      listFamilies()
        .map((f) => `${f.name}.schema.json`)
        .sort(),
    );
    for (const { name, text } of files) {
      expect(await fs.readFile(path.join(SCHEMAS_DIR, name), 'utf8'), name).toBe(text);
    }
  });

  it('accept every preset as written by gankit config, and reject three mistakes, each at its path', () => {
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    for (const { name } of listPresets()) {
      const config = presetConfig(name);
      const validate = ajv.compile(familyJsonSchema(config.family));
      const file = JSON.parse(formatConfig(config, { format: 'json', schema: 'x.schema.json' }));
      expect(validate(file), `${name}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
    const validate = ajv.compile(familyJsonSchema('dcgan'));
    const bad = presetConfig('dcgan-fashion');
    (bad as { loss: string }).loss = 'hindge';
    bad.optimizer.learningRate = -1;
    (bad.training as Record<string, unknown>).stpes = 3;
    expect(validate(bad)).toBe(false);
    const at = new Set(validate.errors!.map((e) => `${e.instancePath} ${e.keyword}`));
    expect(at).toEqual(
      new Set(['/loss enum', '/optimizer/learningRate exclusiveMinimum', '/training additionalProperties']),
    );
  });
});

describe('gankit config, train --config, schema', () => {
  it('a config written by gankit config trains to the same generator as the preset', async () => {
    const file = path.join(tmp, 'ring.yaml');
    expect((await gankit('config', '--preset', 'gan-ring8', '--out', file)).code).toBe(0);
    const text = await fs.readFile(file, 'utf8');
    const schemaLine = text.split('\n')[0]!;
    expect(schemaLine).toMatch(/^# yaml-language-server: \$schema=.*schemas\/gan\.schema\.json$/);
    // the schema path is relative to the file, so it resolves from there
    const schemaPath = path.resolve(tmp, schemaLine.split('$schema=')[1]!);
    expect(JSON.parse(await fs.readFile(schemaPath, 'utf8'))).toEqual(familyJsonSchema('gan'));
    expect(parse(text)).toEqual(presetConfig('gan-ring8'));

    const common = ['--steps', '40', '--backend', 'cpu'];
    const a = path.join(tmp, 'from-preset');
    const b = path.join(tmp, 'from-config');
    expect((await gankit('train', '--preset', 'gan-ring8', ...common, '--out', a)).code).toBe(0);
    expect((await gankit('train', '--config', file, ...common, '--out', b)).code).toBe(0);
    const weights = (dir: string) => fs.readFile(path.join(dir, 'generator', 'weights.bin'));
    expect(Buffer.compare(await weights(a), await weights(b))).toBe(0);
    expect(JSON.parse(await fs.readFile(path.join(b, 'config.json'), 'utf8'))).toEqual(
      JSON.parse(await fs.readFile(path.join(a, 'config.json'), 'utf8')),
    );
  }, 120_000);

  it('prints YAML by default and JSON on request, with overrides applied', async () => {
    const yaml = await gankit('config', '--preset', 'dcgan-fashion', '--set', 'training.steps=8000');
    expect(yaml.code).toBe(0);
    expect(parse(yaml.out.join('\n')).training.steps).toBe(8000);
    const json = await gankit('config', '--preset', 'dcgan-fashion', '--format', 'json');
    expect(JSON.parse(json.out.join('\n')).$schema).toMatch(/schemas\/dcgan\.schema\.json$/);
  });

  it('reports every mistake of a config file, and needs exactly one of --preset and --config', async () => {
    const file = path.join(tmp, 'bad.json');
    const config = presetConfig('gan-ring8');
    (config as { loss: string }).loss = 'hindge';
    config.training.batchSize = 0;
    await fs.writeFile(file, JSON.stringify(config));
    const r = await gankit('train', '--config', file, '--out', path.join(tmp, 'never'));
    expect(r.code).toBe(1);
    expect(r.err).toContain('loss: Invalid option');
    expect(r.err).toContain('training.batchSize: Too small: expected number to be >=1, got 0');
    await expect(fs.stat(path.join(tmp, 'never'))).rejects.toThrow();
    for (const args of [[], ['--preset', 'gan-ring8', '--config', file]]) {
      const both = await gankit('train', ...args);
      expect(both.code).toBe(2);
      expect(both.err).toContain('give either --preset <name> or --config <file>');
    }
  });

  it('gankit schema prints a family’s schema and names the valid families', async () => {
    const r = await gankit('schema', 'lsrgan');
    expect(JSON.parse(r.out.join('\n'))).toEqual(familyJsonSchema('lsrgan'));
    const bad = await gankit('schema', 'lsrgn');
    expect(bad.code).toBe(1);
    expect(bad.err).toContain("unknown family 'lsrgn'; valid families: dcgan");
  });
});
