import '@tensorflow/tfjs-backend-cpu';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerTrainingKernels } from '@gankit/backend';
import { GanError } from '@gankit/core';
import { saveModel } from '@gankit/data';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEncoder, loadVgg, loadWeights, saveEncoder, type VggEncoder, vgg16 } from '../index.js';

let dir: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  registerTrainingKernels('cpu');
  dir = await mkdtemp(join(tmpdir(), 'gankit-weights-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** What Keras's VGG16 holds up to block2 (plus block3_conv1, which a truncated model skips). */
const LAYERS: [string, number[], number[]][] = [
  ['block1_conv1', [3, 3, 3, 64], [64]],
  ['block1_conv2', [3, 3, 64, 64], [64]],
  ['block2_conv1', [3, 3, 64, 128], [128]],
  ['block2_conv2', [3, 3, 128, 128], [128]],
  ['block3_conv1', [3, 3, 128, 256], [256]],
];
const POOLS = ['block1_pool', 'block2_pool'];

/** Deterministic, distinct values per weight, so a weight landing in the wrong place is caught. */
function values(layerIndex: number, which: number, shape: number[]): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sin(i * 0.37 + layerIndex * 11 + which * 5) * 0.05;
  return out;
}

function expectLoaded(vgg: VggEncoder, layers = LAYERS.slice(0, 4)): void {
  layers.forEach(([name, kShape, bShape], li) => {
    const layer = vgg.model.getLayer(name);
    const [k, b] = layer.getWeights();
    expect(k!.shape).toEqual(kShape);
    expect(Array.from(k!.dataSync())).toEqual(Array.from(values(li, 0, kShape)));
    expect(Array.from(b!.dataSync())).toEqual(Array.from(values(li, 1, bShape)));
  });
}

const model = () => vgg16({ taps: 'block2_conv2', seed: 9 });

/** A folder shaped like tensorflowjs_converter's output for Keras's VGG16, in two shards. */
async function writeTfjsFolder(path: string, options: { truncateBy?: number } = {}): Promise<void> {
  await mkdir(path, { recursive: true });
  const weights: tf.io.WeightsManifestEntry[] = [];
  const chunks: Float32Array[] = [];
  LAYERS.forEach(([name, kShape, bShape], li) => {
    weights.push({ name: `${name}/kernel`, shape: kShape, dtype: 'float32' });
    weights.push({ name: `${name}/bias`, shape: bShape, dtype: 'float32' });
    chunks.push(values(li, 0, kShape), values(li, 1, bShape));
  });
  const all = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let off = 0;
  for (const c of chunks) {
    all.set(new Uint8Array(c.buffer), off);
    off += c.byteLength;
  }
  const half = Math.floor(all.byteLength / 2);
  await writeFile(join(path, 'group1-shard1of2.bin'), all.subarray(0, half));
  await writeFile(
    join(path, 'group1-shard2of2.bin'),
    all.subarray(half, all.byteLength - (options.truncateBy ?? 0)),
  );
  const modelJson = {
    format: 'layers-model',
    generatedBy: 'keras v2.15.0',
    convertedBy: 'TensorFlow.js Converter v4.22.0',
    modelTopology: { class_name: 'Functional', config: { name: 'vgg16', layers: [] } },
    weightsManifest: [{ paths: ['group1-shard1of2.bin', 'group1-shard2of2.bin'], weights }],
  };
  await writeFile(join(path, 'model.json'), JSON.stringify(modelJson));
}

type H5 = typeof import('h5wasm');
async function h5(): Promise<H5> {
  const mod = (await import('h5wasm/node')) as unknown as H5;
  await mod.ready;
  return mod;
}

/**
 * A Keras HDF5 weights file as h5py writes it (`save_weights('x.h5')` in tf.keras 2): root
 * attribute layer_names (fixed-length strings, pools included), one group per layer with a
 * weight_names attribute, datasets under <layer>/<layer>/kernel:0.
 */
async function writeKerasH5(
  file: string,
  options: {
    underModelWeights?: boolean;
    oldNames?: boolean;
    patch?: (name: string, kShape: number[]) => number[];
  } = {},
): Promise<void> {
  const h = await h5();
  const f = new h.File(file, 'w');
  const root = options.underModelWeights ? f.create_group('model_weights') : f;
  const names = [...LAYERS.map(([n]) => n), ...POOLS];
  root.create_attribute('layer_names', names, null, 'S20');
  root.create_attribute('backend', 'tensorflow');
  root.create_attribute('keras_version', '2.15.0');
  for (const pool of POOLS) root.create_group(pool).create_attribute('weight_names', [], [0], 'S1');
  LAYERS.forEach(([name, kShape0, bShape], li) => {
    const kShape = options.patch ? options.patch(name, kShape0) : kShape0;
    const g = root.create_group(name);
    // Keras 1-era files (the *_notop.h5 downloads) name weights block1_conv1_W_1:0 and pair them by order
    const [kn, bn] = options.oldNames
      ? [`${name}_W_1:0`, `${name}_b_1:0`]
      : [`${name}/kernel:0`, `${name}/bias:0`];
    g.create_attribute('weight_names', [kn, bn], null, 'S40');
    const sub = options.oldNames ? g : g.create_group(name);
    const leaf = (n: string) => n.split('/').pop()!;
    sub.create_dataset({
      name: leaf(kn),
      data: values(li, 0, kShape0).slice(
        0,
        kShape.reduce((a, b) => a * b, 1),
      ),
      shape: kShape,
      dtype: '<f',
    });
    sub.create_dataset({ name: leaf(bn), data: values(li, 1, bShape), shape: bShape, dtype: '<f' });
  });
  f.close();
}

/** Keras 3's `.weights.h5`: layers/<name>/vars/0, 1. */
async function writeKeras3H5(file: string): Promise<void> {
  const h = await h5();
  const f = new h.File(file, 'w');
  const layers = f.create_group('layers');
  for (const pool of POOLS) layers.create_group(pool).create_group('vars');
  LAYERS.forEach(([name, kShape, bShape], li) => {
    const vars = layers.create_group(name).create_group('vars');
    vars.create_dataset({ name: '0', data: values(li, 0, kShape), shape: kShape, dtype: '<f' });
    vars.create_dataset({ name: '1', data: values(li, 1, bShape), shape: bShape, dtype: '<f' });
  });
  f.create_group('optimizer').create_group('vars');
  f.close();
}

describe('loadWeights', () => {
  it('loads a tfjs layers-format folder (tensorflowjs_converter output) by layer name, skipping extra layers', async () => {
    const path = join(dir, 'tfjs');
    await writeTfjsFolder(path);
    const vgg = model();
    const before = tf.memory().numTensors;
    const report = await loadWeights(vgg, path);
    expect(tf.memory().numTensors).toBe(before);
    expect(report).toEqual({
      source: join(path, 'model.json'),
      format: 'tfjs-layers',
      loaded: ['block1_conv1', 'block1_conv2', 'block2_conv1', 'block2_conv2'],
      missing: [],
      unused: ['block3_conv1'],
    });
    expectLoaded(vgg);
    await expect(loadWeights(vgg, path, { strict: true })).rejects.toThrow(
      /holds layers the model lacks: block3_conv1/,
    );
    vgg.dispose();
  });

  it('dequantizes uint8-quantized tfjs weights (tensorflowjs_converter --quantize_uint8)', async () => {
    const path = join(dir, 'tfjs-uint8');
    await mkdir(path, { recursive: true });
    const weights: tf.io.WeightsManifestEntry[] = [];
    const bytes: number[] = [];
    const expected: number[][] = [];
    for (const [name, kShape, bShape] of LAYERS.slice(0, 4)) {
      for (const [suffix, shape] of [
        ['kernel', kShape],
        ['bias', bShape],
      ] as const) {
        const n = shape.reduce((a, b) => a * b, 1);
        const q = Array.from({ length: n }, (_, i) => (i * 7 + name.length) % 256);
        weights.push({
          name: `${name}/${suffix}`,
          shape,
          dtype: 'float32',
          quantization: { dtype: 'uint8', scale: 0.01, min: -1 },
        });
        for (const v of q) bytes.push(v);
        expected.push(q.map((v) => v * 0.01 - 1));
      }
    }
    await writeFile(join(path, 'group1-shard1of1.bin'), Uint8Array.from(bytes));
    await writeFile(
      join(path, 'model.json'),
      JSON.stringify({
        format: 'layers-model',
        modelTopology: {},
        weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights }],
      }),
    );
    const vgg = model();
    await loadWeights(vgg, join(path, 'model.json'));
    vgg.model.weights.forEach((w, i) => {
      const got = w.read().dataSync();
      expect(got.length).toBe(expected[i]!.length);
      for (let k = 0; k < got.length; k += 97) expect(got[k]).toBeCloseTo(expected[i]![k]!, 5);
    });
    vgg.dispose();
  });

  it.each([
    ['Keras 2 save_weights layout', {}],
    ['a full-model h5 (model_weights group)', { underModelWeights: true }],
    ['Keras 1-era weight names, paired by order', { oldNames: true }],
  ])('loads a Keras .h5 file: %s', async (_label, options) => {
    const file = join(dir, `keras-${Object.keys(options).join('-') || 'plain'}.h5`);
    await writeKerasH5(file, options);
    const vgg = model();
    const report = await loadWeights(vgg, file);
    expect(report.format).toBe('keras-h5');
    expect(report.loaded).toHaveLength(4);
    expect(report.unused).toEqual(['block3_conv1']);
    expectLoaded(vgg);
    vgg.dispose();
  });

  it('loads a Keras 3 .weights.h5 file', async () => {
    const file = join(dir, 'vgg16.weights.h5');
    await writeKeras3H5(file);
    const vgg = await loadVgg(file, { variant: 'vgg16', taps: 'block2_conv2' });
    expectLoaded(vgg);
    vgg.dispose();
  });

  it('names the layer and both shapes on a shape mismatch, and leaves the model untouched', async () => {
    const file = join(dir, 'mismatch.h5');
    await writeKerasH5(file, { patch: (name, s) => (name === 'block2_conv1' ? [3, 3, 64, 32] : s) });
    const vgg = model();
    const before = vgg.model.getLayer('block1_conv1').getWeights()[0]!.dataSync().slice();
    const err = await loadWeights(vgg, file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GanError);
    expect((err as GanError).code).toBe('SHAPE_MISMATCH');
    expect((err as GanError).message).toBe(
      `loadWeights: layer block2_conv1 weight kernel has shape [3, 3, 64, 128] in the model but ` +
        `block2_conv1/block2_conv1/kernel:0 has shape [3, 3, 64, 32] in ${file}`,
    );
    expect(Array.from(vgg.model.getLayer('block1_conv1').getWeights()[0]!.dataSync())).toEqual(
      Array.from(before),
    );
    vgg.dispose();
  });

  it('fails with a clear GanError on corrupted, truncated, foreign or missing files', async () => {
    const vgg = model();
    const truncated = join(dir, 'tfjs-truncated');
    await writeTfjsFolder(truncated, { truncateBy: 100 });
    await expect(loadWeights(vgg, truncated)).rejects.toThrow(
      /hold \d+ bytes, the manifest needs \d+; the files are truncated/,
    );

    const badJson = join(dir, 'bad-json');
    await mkdir(badJson);
    await writeFile(join(badJson, 'model.json'), '{"modelTopology": ');
    await expect(loadWeights(vgg, badJson)).rejects.toMatchObject({ code: 'INVALID_DATA' });

    const garbage = join(dir, 'garbage.h5');
    await writeFile(garbage, Buffer.from('this is not an HDF5 file at all, just some bytes'));
    await expect(loadWeights(vgg, garbage)).rejects.toThrow(
      /neither a tfjs layers-format folder or model.json nor an HDF5 file/,
    );

    const good = join(dir, 'good.h5');
    await writeKerasH5(good);
    const cut = join(dir, 'cut.h5');
    const bytes = await readFile(good);
    await writeFile(cut, bytes.subarray(0, Math.floor(bytes.length / 3)));
    await expect(loadWeights(vgg, cut)).rejects.toMatchObject({ code: 'INVALID_DATA' });

    const foreign = join(dir, 'foreign.h5');
    const h = await h5();
    const f = new h.File(foreign, 'w');
    f.create_dataset({ name: 'data', data: new Float32Array(4), shape: [4], dtype: '<f' });
    f.close();
    await expect(loadWeights(vgg, foreign)).rejects.toThrow(/is an HDF5 file but not Keras weights/);

    await expect(loadWeights(vgg, join(dir, 'nope.h5'))).rejects.toMatchObject({ code: 'IO_ERROR' });

    const otherModel = vgg16({ taps: 'block3_conv2' });
    await expect(loadWeights(otherModel, good)).rejects.toThrow(
      /has no weights for layer block3_conv2; it holds block1_conv1/,
    );
    const partial = await loadWeights(otherModel, good, { allowMissing: true });
    expect(partial.missing).toEqual(['block3_conv2']);
    otherModel.dispose();
    vgg.dispose();
  });

  it('round-trips a VGG through saveModel and saveEncoder with identical features', async () => {
    const vgg = vgg16({ taps: ['block1_conv2', 'block2_conv1_preact'], seed: 5 });
    const x = tf.randomUniform([2, 16, 16, 3], -1, 1, 'float32', 1) as tf.Tensor4D;
    const want = vgg.encode(x) as Record<string, tf.Tensor>;

    await saveModel(vgg.model, join(dir, 'vgg-model'));
    const fresh = vgg16({ taps: ['block1_conv2', 'block2_conv1_preact'], seed: 6 });
    await loadWeights(fresh, join(dir, 'vgg-model'));
    const viaWeights = fresh.encode(x) as Record<string, tf.Tensor>;

    await saveEncoder(vgg, join(dir, 'vgg-encoder'));
    const reloaded = await loadEncoder<VggEncoder>(join(dir, 'vgg-encoder'));
    expect(reloaded.getConfig()).toEqual(vgg.getConfig());
    expect(reloaded.trainable).toBe(false);
    const viaEncoder = reloaded.encode(x) as Record<string, tf.Tensor>;
    for (const k of Object.keys(want)) {
      expect(Array.from(viaWeights[k]!.dataSync())).toEqual(Array.from(want[k]!.dataSync()));
      expect(Array.from(viaEncoder[k]!.dataSync())).toEqual(Array.from(want[k]!.dataSync()));
    }
    await expect(loadEncoder(join(dir, 'tfjs'))).rejects.toThrow(/was not written by saveEncoder/);
    tf.dispose([x, ...Object.values(want), ...Object.values(viaWeights), ...Object.values(viaEncoder)]);
    vgg.dispose();
    fresh.dispose();
    reloaded.dispose();
  });
});
