import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import '@tensorflow/tfjs-backend-cpu';
import { GanError, SeededRandom } from '@gankit/core';
import { type AdversarialLoss, getAdversarialLoss } from '@gankit/losses';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Trainer } from '../engine/trainer.js';
import type { BatchSource } from '../engine/types.js';
import {
  type CycleGanStrategy,
  type CycleGanStrategyOptions,
  cycleGanStrategy,
  ImagePool,
  type UnpairedBatch,
} from './cyclegan.js';
import { pairedNets } from './test-helpers.js';

let tmp: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'gankit-cyclegan-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

/** Seeded unpaired stand-in data: independent 8x8 gray images of two domains, resumable. */
function unpairedSource(batchSize: number): { next(): UnpairedBatch } & BatchSource<UnpairedBatch> {
  let i = 0;
  return {
    next: () => {
      i++;
      return tf.tidy(() => ({
        a: tf.tanh(tf.randomNormal([batchSize, 8, 8, 1], 0, 1, 'float32', 5000 + i)) as tf.Tensor4D,
        b: tf.tanh(tf.randomNormal([batchSize, 8, 8, 1], 0.5, 1, 'float32', 6000 + i)) as tf.Tensor4D,
      }));
    },
    getState: () => i,
    setState: (s) => {
      i = s as number;
    },
  };
}

/** The four toy networks at 8x8x1: pix2pix's translator each way and the toy D for each domain. */
function toyNets(seed: number) {
  const one = pairedNets(seed);
  const two = pairedNets(seed + 10);
  for (const n of [one.generator, one.encoder, one.patch, two.generator, two.encoder, two.patch]) n.dispose();
  return {
    generatorAB: one.translator,
    generatorBA: two.translator,
    discriminatorA: one.discriminator,
    discriminatorB: two.discriminator,
  };
}

/** A toy CycleGAN with a 2-pair preview (freed here; the strategy keeps a copy). */
function toy(seed: number, extra: Partial<CycleGanStrategyOptions> = {}): CycleGanStrategy {
  const preview = unpairedSource(2).next();
  const s = cycleGanStrategy({ ...toyNets(seed), preview, ...extra });
  tf.dispose([preview.a, preview.b]);
  return s;
}

const conv = (k: number, shape: number[], filters = 1) => {
  const x = tfl.input({ shape });
  const layer = tfl.layers.conv2d({
    filters,
    kernelSize: 1,
    useBias: false,
    kernelInitializer: tfl.initializers.constant({ value: k }),
  });
  return tfl.model({ inputs: x, outputs: layer.apply(x) as tfl.SymbolicTensor });
};

/** D(img) = w * sum(img) + b. */
const affineCritic = (w: number, b: number, shape = [2, 2, 1]) => {
  const x = tfl.input({ shape });
  const dense = tfl.layers.dense({
    units: 1,
    kernelInitializer: tfl.initializers.constant({ value: w }),
    biasInitializer: tfl.initializers.constant({ value: b }),
  });
  return tfl.model({ inputs: x, outputs: dense.apply(tfl.layers.flatten().apply(x)) as tfl.SymbolicTensor });
};

const losses = (s: CycleGanStrategy, batch: UnpairedBatch, seed = 1) => {
  const scalars = s.trainStep([batch], { step: 1, rng: new SeededRandom(seed) });
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(scalars)) out[k] = v.dataSync()[0]!;
  tf.dispose(Object.values(scalars));
  return out;
};

async function weights(s: CycleGanStrategy): Promise<number[][]> {
  const out: number[][] = [];
  for (const net of Object.values(s.networks))
    for (const w of net.getWeights()) out.push(Array.from(await w.data()));
  return out;
}

describe('cycleGanStrategy: one step against hand-computed values', () => {
  // G(x) = 0.8 x, F(y) = -0.6 y (1x1 convolutions), D_X(img) = 0.3 sum + 0.1, D_Y(img) = -0.2 sum + 0.4
  const kg = 0.8;
  const kf = -0.6;
  const dX = (img: number[]) => 0.3 * sum(img) + 0.1;
  const dY = (img: number[]) => -0.2 * sum(img) + 0.4;
  const xs = [
    [0.5, -0.25, 0.75, -1],
    [0.1, 0.2, -0.3, 0.4],
  ];
  const ys = [
    [-0.5, 0.6, 0.9, 0],
    [0.3, -0.7, 0.2, 0.8],
  ];
  function sum(v: number[]) {
    return v.reduce((s, t) => s + t, 0);
  }
  const mean = (v: number[]) => sum(v) / v.length;
  const times = (imgs: number[][], k: number) => imgs.map((img) => img.map((v) => k * v));
  const l1 = (p: number[][], q: number[][]) => mean(p.flat().map((v, i) => Math.abs(v - q.flat()[i]!)));
  // LSGAN as in @gankit/losses: L_D = 1/2 E[(D(real) - 1)^2] + 1/2 E[D(fake)^2], L_G = 1/2 E[(D(fake) - 1)^2]
  const lsD = (d: (img: number[]) => number, real: number[][], fake: number[][]) =>
    0.5 * mean(real.map((img) => (d(img) - 1) ** 2)) + 0.5 * mean(fake.map((img) => d(img) ** 2));
  const lsG = (d: (img: number[]) => number, fake: number[][]) =>
    0.5 * mean(fake.map((img) => (d(img) - 1) ** 2));
  const adversarial = lsG(dY, times(xs, kg)) + lsG(dX, times(ys, kf));
  const cycle = l1(times(xs, kf * kg), xs) + l1(times(ys, kg * kf), ys);
  const identity = l1(times(ys, kg), ys) + l1(times(xs, kf), xs);
  // D is halved; the first step's pools are empty, so D sees the generator step's own fakes
  const dYLoss = 0.5 * lsD(dY, ys, times(xs, kg));
  const dXLoss = 0.5 * lsD(dX, xs, times(ys, kf));

  it.each([
    ['defaults (lambda_cyc 10, lambda_id 5)', {}, 10, 5],
    ['cycleWeight 2 (lambda_id follows: 1)', { cycleWeight: 2 }, 2, 1],
    ['identity off', { identityWeight: 0 }, 10, 0],
  ] as const)('%s', (_name, weightsOf, lambdaCyc, lambdaId) => {
    const before = tf.memory().numTensors;
    const batch = {
      a: tf.tensor4d(xs.flat(), [2, 2, 2, 1]),
      b: tf.tensor4d(ys.flat(), [2, 2, 2, 1]),
    };
    const s = cycleGanStrategy({
      generatorAB: conv(kg, [2, 2, 1]),
      generatorBA: conv(kf, [2, 2, 1]),
      discriminatorA: affineCritic(0.3, 0.1),
      discriminatorB: affineCritic(-0.2, 0.4),
      preview: batch,
      ...weightsOf,
    });
    expect([s.cycleWeight, s.identityWeight]).toEqual([lambdaCyc, lambdaId]);
    const got = losses(s, batch);
    expect(Object.keys(got)).toEqual([
      'd_loss',
      'g_loss',
      'cycle_loss',
      ...(lambdaId > 0 ? ['identity_loss'] : []),
      'd_x_loss',
      'd_y_loss',
    ]);
    expect(got.g_loss).toBeCloseTo(adversarial + lambdaCyc * cycle + lambdaId * identity, 5);
    expect(got.cycle_loss).toBeCloseTo(cycle, 5);
    if (lambdaId > 0) expect(got.identity_loss).toBeCloseTo(identity, 5);
    expect(got.d_x_loss).toBeCloseTo(dXLoss, 5);
    expect(got.d_y_loss).toBeCloseTo(dYLoss, 5);
    expect(got.d_loss).toBeCloseTo(dXLoss + dYLoss, 5);
    tf.dispose([batch.a, batch.b]);
    s.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('ImagePool', () => {
  /** Zhu et al.'s ImagePool.query, image by image on plain ids, with the same random draws. */
  function referencePool(capacity: number) {
    const stored: number[] = [];
    return (ids: number[], rng: SeededRandom) =>
      ids.map((id) => {
        if (stored.length < capacity) {
          stored.push(id);
          return id;
        }
        if (rng.next() > 0.5) {
          const j = rng.int(capacity);
          const old = stored[j]!;
          stored[j] = id;
          return old;
        }
        return id;
      });
  }

  /** Batches of 1x1 images whose value is their id: 0, 1, 2, ... */
  const idBatches = (count: number, size: number) =>
    Array.from({ length: count }, (_, k) => Array.from({ length: size }, (_, i) => k * size + i));
  const run = (pool: ImagePool, batches: number[][], rng: SeededRandom) =>
    batches.map((ids) => {
      const images = tf.tensor4d(ids, [ids.length, 1, 1, 1]);
      const out = pool.query(images, rng);
      const got = Array.from(out.dataSync());
      tf.dispose([images, out]);
      return got;
    });

  it.each([
    [50, 4],
    [2, 8],
  ])(
    'capacity %i, batches of %i: the reference algorithm image by image (slot collisions within a batch included)',
    (capacity, size) => {
      const before = tf.memory().numTensors;
      const pool = new ImagePool(capacity);
      const batches = idBatches(40, size);
      const got = run(pool, batches, new SeededRandom(5));
      const reference = referencePool(capacity);
      const rng = new SeededRandom(5);
      expect(got).toEqual(batches.map((ids) => reference(ids, rng)));
      expect(pool.size).toBe(capacity);
      pool.dispose();
      expect(tf.memory().numTensors).toBe(before);
    },
  );

  it('fills to 50 returning the new images, then returns stored ones about half the time, seeded', () => {
    const pool = new ImagePool();
    expect(pool.capacity).toBe(50);
    const batches = idBatches(110, 5);
    const got = run(pool, batches, new SeededRandom(11));
    const flat = got.flat();
    expect(flat.slice(0, 50)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(pool.size).toBe(50);
    const later = flat.slice(50);
    const fromPool = later.filter((v, i) => v !== 50 + i).length / later.length;
    expect(fromPool).toBeGreaterThan(0.42);
    expect(fromPool).toBeLessThan(0.58);
    // same seed, same sequence; another seed, another
    const again = new ImagePool();
    expect(run(again, batches, new SeededRandom(11))).toEqual(got);
    const other = new ImagePool();
    expect(run(other, batches, new SeededRandom(12))).not.toEqual(got);
    for (const p of [pool, again, other]) p.dispose();
  });

  it('round-trips its images: a restored pool continues as the original', () => {
    const before = tf.memory().numTensors;
    const pool = new ImagePool(6);
    const rng = new SeededRandom(3);
    run(pool, idBatches(3, 3), rng); // full, some images replaced
    const saved = pool.getImages()!;
    expect(saved.shape).toEqual([6, 1, 1, 1]);
    const copy = new ImagePool(6);
    copy.setImages(saved);
    saved.dispose(); // the pool copied them
    const rngCopy = new SeededRandom(0);
    rngCopy.setState(rng.getState());
    const next = idBatches(8, 3).slice(3);
    expect(run(copy, next, rngCopy)).toEqual(run(pool, next, rng));
    copy.setImages(null);
    expect([copy.size, copy.getImages()]).toEqual([0, null]);
    pool.dispose();
    copy.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('passes images through with capacity 0 and refuses what does not fit', () => {
    const off = new ImagePool(0);
    const images = tf.tensor4d([1, 2], [2, 1, 1, 1]);
    const out = off.query(images, new SeededRandom(0));
    expect(Array.from(out.dataSync())).toEqual([1, 2]);
    expect(off.size).toBe(0);
    const pool = new ImagePool(1);
    pool.query(images, new SeededRandom(0)).dispose();
    const big = tf.zeros([1, 2, 2, 1]) as tf.Tensor4D;
    expect(() => pool.query(big, new SeededRandom(0))).toThrow(
      'ImagePool.query: images must have shape [n, 1, 1, 1], got [1, 2, 2, 1]',
    );
    expect(() => pool.setImages(images)).toThrow(
      'ImagePool.setImages: images must hold at most 1 images (the capacity), got [2, 1, 1, 1]',
    );
    expect(() => new ImagePool(-1)).toThrow(GanError);
    tf.dispose([images, out, big]);
    pool.dispose();
  });
});

describe('cycleGanStrategy', () => {
  it.each([
    ['the adversarial terms alone', { cycleWeight: 0, identityWeight: 0 }, false],
    ['the cycle term alone', { cycleWeight: 10, identityWeight: 0 }, true],
    ['the identity term alone', { cycleWeight: 0, identityWeight: 5 }, true],
  ] as const)('%s move both generators', async (_name, lambdas, zeroAdversarial) => {
    const lsgan = getAdversarialLoss('lsgan');
    // G's adversarial term multiplied by 0: connected to the generators, no gradient
    const loss: AdversarialLoss = zeroAdversarial
      ? { ...lsgan, name: 'lsgan-d-only', generator: (fake) => tf.mul(0, tf.mean(fake)) as tf.Scalar }
      : lsgan;
    const s = toy(1, { ...lambdas, loss });
    const gf = async () => {
      const ws = [...s.networks.generatorAB!.getWeights(), ...s.networks.generatorBA!.getWeights()];
      return Promise.all(ws.map(async (w) => Array.from(await w.data())));
    };
    const before = await gf();
    const batch = unpairedSource(2).next();
    losses(s, batch);
    const after = await gf();
    const moved = (i: number) => before[i]!.some((v, k) => v !== after[i]![k]);
    const perNet = s.networks.generatorAB!.getWeights().length;
    // every weight of G and of F moved
    for (let i = 0; i < before.length; i++) expect(moved(i), `weight ${i} (G has ${perNet})`).toBe(true);
    tf.dispose([batch.a, batch.b]);
    s.dispose();
  });

  it('trains with full pools without leaking tensors; sample, translate and dispose free theirs', () => {
    const start = tf.memory().numTensors;
    const s = toy(2, { poolSize: 3 });
    const data = unpairedSource(2);
    const step = (k: number) => {
      const batch = data.next();
      const scalars = s.trainStep([batch], { step: k, rng: new SeededRandom(k) });
      for (const v of Object.values(scalars)) expect(Number.isFinite(v.dataSync()[0])).toBe(true);
      tf.dispose([batch.a, batch.b, ...Object.values(scalars)]);
    };
    step(1); // Adam's slots and the pools' tensors
    const before = tf.memory().numTensors;
    for (let k = 2; k <= 5; k++) step(k);
    expect([s.pools.a.size, s.pools.b.size]).toEqual([3, 3]);
    const x = data.next();
    const outs = [s.translate(x.a, 'a2b'), s.translate(x.b, 'b2a'), s.sample(6, 0)];
    tf.dispose([...outs, x.a, x.b]);
    expect(tf.memory().numTensors).toBe(before);
    s.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });

  it('lays out samples as rows of x, G(x), F(G(x)), y, F(y), G(F(y)) per preview pair', () => {
    const nets = toyNets(3);
    const preview = unpairedSource(2).next();
    const s = cycleGanStrategy({ ...nets, preview });
    const grid = s.sample(12, 0);
    expect(grid.shape).toEqual([12, 8, 8, 1]);
    expect(s.gridColumns?.(12)).toBe(6);
    expect(s.samplingNetwork()).toBe(nets.generatorAB);
    const gx = s.translate(preview.a, 'a2b');
    const fy = s.translate(preview.b, 'b2a');
    const fgx = s.translate(gx, 'b2a');
    const gfy = s.translate(fy, 'a2b');
    const expected = tf.reshape(tf.stack([preview.a, gx, fgx, preview.b, fy, gfy], 1), [12, 8, 8, 1]);
    expect(Array.from(grid.dataSync())).toEqual(Array.from(expected.dataSync()));
    const few = s.sample(3, 0); // one row at least
    const many = s.sample(100, 0); // as many rows as the preview has pairs
    expect([few.shape[0], many.shape[0]]).toEqual([6, 12]);
    tf.dispose([grid, gx, fy, fgx, gfy, expected, few, many, preview.a, preview.b]);
    s.dispose();
  });

  it('translates between domains of different shapes with the identity term off', () => {
    const preview = { a: tf.zeros([1, 2, 2, 1]) as tf.Tensor4D, b: tf.zeros([1, 2, 2, 3]) as tf.Tensor4D };
    const options = {
      generatorAB: conv(0.5, [2, 2, 1], 3),
      generatorBA: conv(0.5, [2, 2, 3]),
      discriminatorA: affineCritic(0.1, 0, [2, 2, 1]),
      discriminatorB: affineCritic(0.1, 0, [2, 2, 3]),
      preview,
    };
    expect(() => cycleGanStrategy(options)).toThrow(
      'cycleGanStrategy: the identity term (identityWeight 5) needs domains of one image shape (G(y), F(x)), got A [2, 2, 1] and B [2, 2, 3]; set identityWeight to 0',
    );
    const s = cycleGanStrategy({ ...options, identityWeight: 0 });
    const batch = {
      a: tf.randomUniform([2, 2, 2, 1], -1, 1, 'float32', 1) as tf.Tensor4D,
      b: tf.randomUniform([2, 2, 2, 3], -1, 1, 'float32', 2) as tf.Tensor4D,
    };
    const got = losses(s, batch);
    expect(got.identity_loss).toBeUndefined();
    const grid = s.sample(6, 0);
    expect(grid.shape).toEqual([6, 2, 2, 3]); // domain A images shown as gray at B's shape
    expect(() => s.translate(batch.b, 'a2b')).toThrow(
      "cycleGanStrategy: translate('a2b') needs [n, 2, 2, 1] images of domain A, got [2, 2, 2, 3]",
    );
    expect(() => s.translate(batch.a, 'up' as 'a2b')).toThrow(
      "cycleGanStrategy: translate's direction must be 'a2b' or 'b2a', got 'up'",
    );
    tf.dispose([grid, batch.a, batch.b, preview.a, preview.b]);
    s.dispose(); // and the networks
  });

  it('refuses networks that do not fit each other, bad weights and bad batches, naming what arrived', () => {
    const preview = unpairedSource(1).next();
    const nets = toyNets(4);
    const small = conv(1, [4, 4, 1]);
    const expectError = (f: () => unknown, code: string, message: string) => {
      let error: unknown;
      try {
        f();
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(GanError);
      expect((error as GanError).code).toBe(code);
      expect((error as GanError).message).toBe(message);
    };
    expectError(
      () => cycleGanStrategy({ ...nets, generatorBA: small, preview }),
      'SHAPE_MISMATCH',
      "cycleGanStrategy: generatorBA must map domain B images [8, 8, 1] (generatorAB's output) to domain A images [8, 8, 1] (generatorAB's input), got [4, 4, 1] -> [4, 4, 1]",
    );
    expectError(
      () => cycleGanStrategy({ ...nets, discriminatorB: small, preview }),
      'SHAPE_MISMATCH',
      'cycleGanStrategy: discriminatorB must take domain B images [8, 8, 1], got [4, 4, 1]',
    );
    expectError(
      () => cycleGanStrategy({ ...nets, cycleWeight: -1, preview }),
      'INVALID_ARGUMENT',
      'cycleGanStrategy: cycleWeight must be a finite number >= 0, got -1',
    );
    const s = cycleGanStrategy({ ...nets, preview });
    const rng = new SeededRandom(0);
    expectError(
      () => s.trainStep([{ a: preview.a } as UnpairedBatch], { step: 1, rng }),
      'INVALID_DATA',
      "cycleGanStrategy: batch needs 'a' and 'b' image tensors (domains A and B), got {a}",
    );
    const three = tf.zeros([3, 8, 8, 1]) as tf.Tensor4D;
    expectError(
      () => s.trainStep([{ a: preview.a, b: three }], { step: 1, rng }),
      'SHAPE_MISMATCH',
      'cycleGanStrategy: batch.a [1, 8, 8, 1] and batch.b [3, 8, 8, 1] must hold the same number (> 0) of images',
    );
    const wrong = tf.zeros([1, 4, 4, 1]) as tf.Tensor4D;
    expectError(
      () => s.trainStep([{ a: preview.a, b: wrong }], { step: 1, rng }),
      'SHAPE_MISMATCH',
      "cycleGanStrategy: batch.a must be [n, 8, 8, 1] and batch.b [n, 8, 8, 1] images (the generators' inputs), got [1, 8, 8, 1] and [1, 4, 4, 1]",
    );
    expectError(
      () => s.setState({ state: { poolA: 1, poolB: 0 }, tensors: { pool_a: [wrong] } }),
      'INVALID_DATA',
      "cycleGanStrategy: the checkpoint's pool_a must be one [1, 8, 8, 1] tensor, got [1, 4, 4, 1]",
    );
    tf.dispose([three, wrong, preview.a, preview.b]);
    small.dispose();
    s.dispose();
  });

  it('resumes exactly through the Trainer: pools saved and restored with the checkpoint', async () => {
    // pools of 3 with batches of 2: full after two steps, so the resumed steps draw from them
    const make = (seed: number) => toy(seed, { poolSize: 3 });
    const pooled = async (s: CycleGanStrategy) => {
      const out: number[][] = [];
      for (const pool of [s.pools.a, s.pools.b]) {
        const images = pool.getImages()!;
        out.push(Array.from(await images.data()));
        images.dispose();
      }
      return out;
    };
    const straight = make(1);
    await new Trainer({ strategy: straight, data: unpairedSource(2), steps: 6, seed: 5 }).fit();
    const expected = { weights: await weights(straight), pools: await pooled(straight) };
    straight.dispose();

    const runDir = path.join(tmp, 'resume');
    const first = make(1);
    const ta = new Trainer({ strategy: first, data: unpairedSource(2), steps: 3, seed: 5, runDir });
    await ta.fit();
    expect([first.pools.a.size, first.pools.b.size]).toEqual([3, 3]);
    await ta.saveCheckpoint();
    first.dispose();

    const second = make(8);
    expect(second.pools.a.size).toBe(0);
    const tb = new Trainer({ strategy: second, data: unpairedSource(2), steps: 6, seed: 5, runDir });
    expect(await tb.restore()).toBe(3);
    expect([second.pools.a.size, second.pools.b.size]).toEqual([3, 3]);
    await tb.fit();
    expect({ weights: await weights(second), pools: await pooled(second) }).toEqual(expected);
    // a checkpoint without strategy state empties the pools
    second.setState({});
    expect([second.pools.a.size, second.pools.b.size]).toEqual([0, 0]);
    second.dispose();
  });
});
