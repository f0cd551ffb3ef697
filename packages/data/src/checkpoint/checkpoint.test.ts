import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import '@tensorflow/tfjs-backend-cpu';
import { GanError } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDirAtomic } from './atomic.js';
import { CheckpointManager } from './checkpoint-manager.js';
import { fileSystemHandler, loadModel, saveModel } from './model-io.js';

let tmp: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'gankit-ckpt-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

/** A small generator-shaped net with batch norm (moving statistics are non-trainable weights). */
const small = () =>
  tfl.sequential({
    layers: [
      tfl.layers.dense({
        inputShape: [8],
        units: 392,
        kernelInitializer: tfl.initializers.glorotNormal({ seed: 1 }),
      }),
      tfl.layers.batchNormalization(),
      tfl.layers.reshape({ targetShape: [7, 7, 8] }),
      tfl.layers.conv2dTranspose({
        filters: 1,
        kernelSize: 4,
        strides: 2,
        padding: 'same',
        kernelInitializer: tfl.initializers.glorotNormal({ seed: 2 }),
      }),
    ],
  });

async function trainOnce(model: tfl.LayersModel, optimizer: tf.Optimizer, seed: number) {
  const z = tf.randomNormal([4, 8], 0, 1, 'float32', seed);
  optimizer.minimize(() => tf.mean(tf.square(model.apply(z, { training: true }) as tf.Tensor)) as tf.Scalar);
  z.dispose();
}

describe('model folders', () => {
  it('round-trips a model through model.json + weights.bin, readable by plain tf.loadLayersModel', async () => {
    const g = small();
    const dir = path.join(tmp, 'g');
    await saveModel(g, dir);
    expect((await fs.readdir(dir)).sort()).toEqual(['model.json', 'weights.bin']);
    const json = JSON.parse(await fs.readFile(path.join(dir, 'model.json'), 'utf8'));
    expect(json.format).toBe('layers-model');
    expect(json.weightsManifest[0].paths).toEqual(['./weights.bin']);
    const reloaded = await loadModel(dir);
    const z = tf.randomNormal([2, 8], 0, 1, 'float32', 5);
    const a = g.predict(z) as tf.Tensor;
    const b = reloaded.predict(z) as tf.Tensor;
    expect(Array.from(await b.data())).toEqual(Array.from(await a.data()));
    tf.dispose([z, a, b]);
    g.dispose();
    reloaded.dispose();
  });

  it('names the missing file and a truncated weights file', async () => {
    await expect(loadModel(path.join(tmp, 'nope'))).rejects.toThrow(/cannot read .*nope\/model.json/);
    const g = small();
    const dir = path.join(tmp, 'trunc');
    await g.save(fileSystemHandler(dir));
    g.dispose();
    await fs.truncate(path.join(dir, 'weights.bin'), 100);
    await expect(loadModel(dir)).rejects.toThrow(/hold 100 bytes, the manifest needs \d+/);
  });

  it('refuses flipped bytes and non-finite weights in a weights file, naming the weight', async () => {
    const g = small();
    const dir = path.join(tmp, 'flipped');
    await g.save(fileSystemHandler(dir));
    g.dispose();
    const file = path.join(dir, 'weights.bin');
    const bytes = await fs.readFile(file);
    bytes[17] = (bytes[17]! ^ 0x40) & 0xff;
    await fs.writeFile(file, bytes);
    await expect(loadModel(dir)).rejects.toThrow(/is damaged: its weights do not match the SHA-256/);
    // a file without the recorded hash (written elsewhere) is still checked for NaN
    const json = JSON.parse(await fs.readFile(path.join(dir, 'model.json'), 'utf8'));
    delete json.weightsSha256;
    await fs.writeFile(path.join(dir, 'model.json'), JSON.stringify(json));
    new DataView(bytes.buffer, bytes.byteOffset).setFloat32(8, Number.NaN, true);
    await fs.writeFile(file, bytes);
    const error = await loadModel(dir).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'INVALID_DATA' });
    expect((error as Error).message).toMatch(/flipped is damaged: weight '.*kernel' holds NaN at index 2/);
  });

  it('refuses to save a network holding NaN and leaves the previous save in place', async () => {
    const g = small();
    const dir = path.join(tmp, 'nan-save');
    await g.save(fileSystemHandler(dir));
    const before = await fs.readFile(path.join(dir, 'weights.bin'));
    const w = g.getWeights();
    const bad = tf.fill(w[1]!.shape, Number.POSITIVE_INFINITY);
    g.setWeights([w[0]!, bad, ...w.slice(2)]);
    bad.dispose();
    const error = await g.save(fileSystemHandler(dir)).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'NON_FINITE' });
    expect((error as Error).message).toMatch(
      /refusing to save .*nan-save: weight '.*bias' holds Infinity at index 0/,
    );
    expect(await fs.readFile(path.join(dir, 'weights.bin'))).toEqual(before);
    g.dispose();
  });
});

describe('CheckpointManager', () => {
  it('restores networks and Adam slots so that training continues identically', async () => {
    const dir = path.join(tmp, 'run1');
    const g = small();
    const opt = tf.train.adam(1e-2, 0.5);
    await trainOnce(g, opt, 1);
    const manager = new CheckpointManager(dir);
    const ema = [tf.ones([3]), tf.zeros([2, 2])];
    await manager.save({
      step: 1,
      models: { generator: g },
      optimizers: { generator: opt },
      tensors: { ema },
      state: { hello: 'world' },
    });
    tf.dispose(ema);
    await trainOnce(g, opt, 2);
    const expected = await g.getWeights()[0]!.data();

    const before = tf.memory().numTensors;
    const g2 = small();
    const opt2 = tf.train.adam(1e-2, 0.5);
    await trainOnce(g2, opt2, 99); // different state that the restore must overwrite
    const restored = await manager.restore({ models: { generator: g2 }, optimizers: { generator: opt2 } });
    expect(restored?.step).toBe(1);
    expect(restored?.state).toEqual({ hello: 'world' });
    expect(restored?.tensors.ema?.map((t) => t.shape)).toEqual([[3], [2, 2]]);
    tf.dispose(restored?.tensors.ema ?? []);
    await trainOnce(g2, opt2, 2);
    expect(Array.from(await g2.getWeights()[0]!.data())).toEqual(Array.from(expected));
    g2.dispose();
    opt2.dispose();
    // only g2's and opt2's own variables came and went
    expect(tf.memory().numTensors).toBe(before);
    g.dispose();
    opt.dispose();
  });

  it('keeps the last N checkpoints and points latest at the newest', async () => {
    const dir = path.join(tmp, 'run2');
    const g = small();
    const opt = tf.train.adam();
    const manager = new CheckpointManager(dir, { keep: 2 });
    for (const step of [1, 2, 3])
      await manager.save({ step, models: { g }, optimizers: { g: opt }, state: {} });
    expect((await manager.list()).map((p) => path.basename(p))).toEqual(['step-00000002', 'step-00000003']);
    expect(path.basename((await manager.latest())!)).toBe('step-00000003');
    g.dispose();
  });

  it('leaves the previous checkpoint loadable when a save dies between write and rename', async () => {
    const dir = path.join(tmp, 'run3');
    const g = small();
    const opt = tf.train.adam();
    const manager = new CheckpointManager(dir);
    await manager.save({ step: 5, models: { generator: g }, optimizers: { generator: opt }, state: {} });
    // a crash mid-save: the temporary folder is half written and never renamed
    await expect(
      writeDirAtomic(path.join(dir, 'step-00000006'), async (t) => {
        await fs.writeFile(path.join(t, 'partial'), 'x');
        throw new Error('killed');
      }),
    ).rejects.toThrow(GanError);
    const stray = path.join(dir, '.step-00000007.tmp-1-dead');
    await fs.mkdir(stray);
    expect(path.basename((await manager.latest())!)).toBe('step-00000005');
    const restored = await manager.restore({ models: { generator: g }, optimizers: { generator: opt } });
    expect(restored?.step).toBe(5);
    g.dispose();
  });

  it('refuses weights of another architecture, naming both shapes', async () => {
    const dir = path.join(tmp, 'run4');
    const g = small();
    const manager = new CheckpointManager(dir);
    await manager.save({ step: 1, models: { generator: g }, optimizers: {}, state: {} });
    const d = tfl.sequential({
      layers: [tfl.layers.conv2d({ inputShape: [28, 28, 1], filters: 4, kernelSize: 4 })],
    });
    await expect(manager.restore({ models: { generator: d }, optimizers: {} })).rejects.toThrow(
      /saved network 'generator' does not fit the one given: saved \[8,392\] .* given \[4,4,1,4\]/,
    );
    await expect(manager.restore({ models: { critic: g }, optimizers: {} })).rejects.toThrow(
      /has no network 'critic'/,
    );
    g.dispose();
    d.dispose();
  });
});

describe('CheckpointManager after a kill or a damaged file', () => {
  /** Three checkpoints (steps 1, 2, 3) of one network, each after a training step. */
  async function threeCheckpoints(name: string) {
    const model = small();
    const optimizer = tf.train.adam(1e-3);
    const manager = new CheckpointManager(path.join(tmp, name), { keep: 5 });
    for (let step = 1; step <= 3; step++) {
      await trainOnce(model, optimizer, step);
      await manager.save({ step, models: { g: model }, optimizers: { g: optimizer }, state: { step } });
    }
    return { model, optimizer, manager, dir: path.join(tmp, name) };
  }

  it('falls back to the newest intact checkpoint when the newest or the latest pointer is damaged', async () => {
    const { model, optimizer, manager, dir } = await threeCheckpoints('damaged');
    await fs.writeFile(path.join(dir, 'step-00000003', 'state.json'), '{"step": 3, "sta');
    let restored = await manager.restore({ models: { g: model }, optimizers: { g: optimizer } });
    expect(restored?.step).toBe(2);
    expect(restored?.skipped.map((s) => path.basename(s.path))).toEqual(['step-00000003']);
    expect(restored?.skipped[0]?.reason).toMatch(/state\.json cannot be read/);
    // a pointer naming a folder that is gone: the folders are listed instead
    await fs.writeFile(path.join(dir, 'latest'), 'step-00000099\n');
    restored = await manager.restore({ models: { g: model }, optimizers: { g: optimizer } });
    expect(restored?.step).toBe(2);
    model.dispose();
    optimizer.dispose();
  });

  it('says which checkpoints it tried when none can be read', async () => {
    const { model, optimizer, manager, dir } = await threeCheckpoints('all-bad');
    for (const step of [1, 2, 3]) {
      await fs.rm(path.join(dir, `step-0000000${step}`, 'models'), { recursive: true });
    }
    const restoring = manager.restore({ models: { g: model }, optimizers: { g: optimizer } });
    await expect(restoring).rejects.toThrow(GanError);
    await expect(manager.restore({ models: { g: model }, optimizers: { g: optimizer } })).rejects.toThrow(
      /no checkpoint in .*all-bad could be read:\n .*step-00000003: .*has no network 'g'/,
    );
    model.dispose();
    optimizer.dispose();
  });

  it('removes temporary folders that a killed process left behind', async () => {
    const { model, optimizer, manager, dir } = await threeCheckpoints('leftovers');
    const leftover = path.join(dir, '.step-00000004.tmp-999999-abcd1234');
    await fs.mkdir(path.join(leftover, 'models'), { recursive: true });
    await manager.save({ step: 4, models: { g: model }, optimizers: { g: optimizer }, state: {} });
    expect((await fs.readdir(dir)).filter((n) => n.startsWith('.'))).toEqual([]);
    model.dispose();
    optimizer.dispose();
  });
});
