import '@tensorflow/tfjs-backend-cpu';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getFamily } from '@gankit/families';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { float32ToFloat16 } from '../scripts/float16.js';
import { goldenInput } from '../src/golden.js';
import { listZooModels, loadZooModel, zooModelCard, zooModelDir } from '../src/index.js';
import { superResolutionTable } from '../src/sr-table.js';
import { zooCatalog } from '../src/zoo-catalog.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('float16 weights', () => {
  it('encodes IEEE half bits, rounding to nearest even', () => {
    const bits = float32ToFloat16(
      new Float32Array([1, -2, 0.1, 65504, 1e6, 1e-8, 2 ** -24, 0.5 + 2 ** -12, -0]),
    );
    expect(Array.from(bits)).toEqual([0x3c00, 0xc000, 0x2e66, 0x7bff, 0x7c00, 0, 1, 0x3800, 0x8000]);
  });

  it('round-trips through tfjs decoding within half precision', () => {
    const values = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 3);
    const bits = float32ToFloat16(values);
    const [decoded] = Object.values(
      tf.io.decodeWeights(bits.buffer as ArrayBuffer, [
        { name: 'w', shape: [1000], dtype: 'float32', quantization: { dtype: 'float16' } },
      ]),
    );
    const back = decoded!.dataSync();
    for (let i = 0; i < values.length; i++)
      expect(Math.abs(back[i]! - values[i]!)).toBeLessThanOrEqual(Math.abs(values[i]!) * 2 ** -11 + 1e-7);
    decoded!.dispose();
  });
});

describe('the zoo', () => {
  it('lists samplers and upscalers apart, as their families say', () => {
    const all = listZooModels();
    const samplers = listZooModels('sampler');
    const upscalers = listZooModels('upscaler');
    expect([...samplers, ...upscalers].sort()).toEqual(all);
    for (const n of all)
      expect(upscalers.includes(n)).toBe(getFamily(zooModelCard(n).family).upscales ?? false);
    expect(samplers).toContain('dcgan-fashion');
    expect(upscalers).toContain('srresnet-x4');
  });

  it('names an unknown model and lists the known ones', () => {
    expect(() => zooModelDir('nope')).toThrow(/unknown zoo model 'nope'; zoo models: /);
  });

  it.each(listZooModels().map((n) => [n]))(
    '%s: has a complete card, its weights, and its golden outputs',
    async (name) => {
      const card = zooModelCard(name);
      for (const key of [
        'family',
        'preset',
        'description',
        'command',
        'commit',
        'wallTime',
        'licence',
      ] as const)
        expect(card[key], key).toMatch(/\S/);
      expect(card.data.licence).toMatch(/\S/);
      expect(card.steps).toBeGreaterThan(0);
      const bin = readFileSync(join(zooModelDir(name), 'generator', 'weights.bin'));
      expect(createHash('sha256').update(bin).digest('hex')).toBe(card.weights.sha256);
      const before = tf.memory().numTensors;
      const g = await loadZooModel(name);
      const family = getFamily(card.family);
      const input = goldenInput(g, {
        classConditional: family.classConditional ?? false,
        upscales: family.upscales ?? false,
      });
      expect(input.description).toBe(card.golden.input);
      const out = g.predict(input.tensors) as tf.Tensor;
      const flat = await out.data();
      const got = card.golden.indices.map((i) => flat[i]!);
      for (const v of flat) expect(Number.isFinite(v)).toBe(true);
      for (let i = 0; i < got.length; i++)
        expect(Math.abs(got[i]! - card.golden.values[i]!), `output ${card.golden.indices[i]}`).toBeLessThan(
          1e-4,
        );
      tf.dispose([out, ...input.tensors]);
      g.dispose();
      expect(tf.memory().numTensors).toBe(before);
    },
  );
});

describe('docs/super-resolution.md', () => {
  it("holds the table generated from the zoo upscalers' cards", () => {
    const doc = readFileSync(
      join(import.meta.dirname, '..', '..', '..', 'docs', 'super-resolution.md'),
      'utf8',
    );
    const table = doc.slice(
      doc.indexOf('<!-- zoo-table:start -->') + '<!-- zoo-table:start -->'.length + 1,
      doc.indexOf('<!-- zoo-table:end -->'),
    );
    expect(table, 'run packages/zoo/scripts/sr-table.ts --write').toBe(superResolutionTable());
    expect(table).toContain('`srresnet-x4`');
  });
});

describe('docs/zoo.md', () => {
  it('holds the catalogue generated from every card', () => {
    const doc = readFileSync(join(import.meta.dirname, '..', '..', '..', 'docs', 'zoo.md'), 'utf8');
    const catalog = doc.slice(
      doc.indexOf('<!-- zoo-catalog:start -->') + '<!-- zoo-catalog:start -->'.length + 1,
      doc.indexOf('<!-- zoo-catalog:end -->'),
    );
    expect(catalog, 'run packages/zoo/scripts/zoo-page.ts --write').toBe(zooCatalog());
    for (const name of listZooModels()) expect(catalog).toContain(`### \`${name}\``);
  });
});
