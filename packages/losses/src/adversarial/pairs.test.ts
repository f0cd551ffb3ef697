import '@tensorflow/tfjs-backend-cpu';
import { GanError } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { finiteDifference, mean, relu, softplus } from '../../test/reference.js';
import { hingeDiscriminatorLoss, hingeGeneratorLoss } from './hinge.js';
import { leastSquaresDiscriminatorLoss, leastSquaresGeneratorLoss } from './least-squares.js';
import { hingeLoss, leastSquaresLoss, relativisticAverageLoss, wassersteinLoss } from './pairs.js';
import { getAdversarialLoss, listAdversarialLosses, registerAdversarialLoss } from './registry.js';
import { relativisticAverageDiscriminatorLoss, relativisticAverageGeneratorLoss } from './relativistic.js';
import { wassersteinDiscriminatorLoss, wassersteinGeneratorLoss } from './wasserstein.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const real = [2, -1, 0.5, 3];
const fake = [-3, 0.25, 1, -0.5];
const value = async (t: tf.Scalar) => {
  const v = (await t.data())[0]!;
  t.dispose();
  return v;
};

async function withTensors<T>(fn: (r: tf.Tensor, f: tf.Tensor) => Promise<T>): Promise<T> {
  const r = tf.tensor1d(real);
  const f = tf.tensor2d(fake, [fake.length, 1]);
  const before = tf.memory().numTensors;
  const out = await fn(r, f);
  expect(tf.memory().numTensors).toBe(before);
  tf.dispose([r, f]);
  return out;
}

describe('least squares (LSGAN)', () => {
  it('matches 1/2 E[(D(x)-b)^2] + 1/2 E[(D(G(z))-a)^2] and 1/2 E[(D(G(z))-c)^2]', async () => {
    await withTensors(async (r, f) => {
      const lsD = (a: number, b: number) =>
        0.5 * mean(real.map((x) => (x - b) ** 2)) + 0.5 * mean(fake.map((x) => (x - a) ** 2));
      const lsG = (c: number) => 0.5 * mean(fake.map((x) => (x - c) ** 2));
      expect(await value(leastSquaresDiscriminatorLoss(r, f))).toBeCloseTo(lsD(0, 1), 5);
      expect(await value(leastSquaresGeneratorLoss(f))).toBeCloseTo(lsG(1), 5);
      const opts = { fakeTarget: -1, realTarget: 1, generatorTarget: 0 };
      expect(await value(leastSquaresDiscriminatorLoss(r, f, opts))).toBeCloseTo(lsD(-1, 1), 5);
      expect(await value(leastSquaresGeneratorLoss(f, opts))).toBeCloseTo(lsG(0), 5);
      const pair = leastSquaresLoss(opts);
      expect(await value(pair.discriminator(r, f))).toBeCloseTo(lsD(-1, 1), 5);
      expect(await value(pair.generator(f))).toBeCloseTo(lsG(0), 5);
    });
  });
});

describe('hinge', () => {
  it('matches E[relu(m - D(x))] + E[relu(m + D(G(z)))] and -E[D(G(z))]', async () => {
    await withTensors(async (r, f) => {
      const hD = (m: number) => mean(real.map((x) => relu(m - x))) + mean(fake.map((x) => relu(m + x)));
      expect(await value(hingeDiscriminatorLoss(r, f))).toBeCloseTo(hD(1), 5);
      expect(await value(hingeDiscriminatorLoss(r, f, { margin: 2.5 }))).toBeCloseTo(hD(2.5), 5);
      expect(await value(hingeLoss({ margin: 2.5 }).discriminator(r, f))).toBeCloseTo(hD(2.5), 5);
      expect(await value(hingeGeneratorLoss(f))).toBeCloseTo(-mean(fake), 5);
    });
  });

  it('rejects a non-positive margin', () => {
    expect(() => hingeLoss({ margin: 0 })).toThrow('hingeLoss: margin must be a finite number > 0, got 0');
  });
});

describe('Wasserstein', () => {
  it('matches E[D(G(z))] - E[D(x)] and -E[D(G(z))]', async () => {
    await withTensors(async (r, f) => {
      expect(await value(wassersteinDiscriminatorLoss(r, f))).toBeCloseTo(mean(fake) - mean(real), 5);
      expect(await value(wassersteinGeneratorLoss(f))).toBeCloseTo(-mean(fake), 5);
      expect(wassersteinLoss.generator).toBe(wassersteinGeneratorLoss);
    });
  });
});

describe('relativistic average (ESRGAN)', () => {
  const rD = (rs: number[], fs: number[]) =>
    mean(rs.map((x) => softplus(-(x - mean(fs))))) + mean(fs.map((x) => softplus(x - mean(rs))));
  const rG = (fs: number[], rs: number[]) =>
    mean(rs.map((x) => softplus(x - mean(fs)))) + mean(fs.map((x) => softplus(-(x - mean(rs)))));

  it('matches -E[log D_Ra(x_r, x_f)] - E[log(1 - D_Ra(x_f, x_r))] and its symmetric generator loss', async () => {
    await withTensors(async (r, f) => {
      expect(await value(relativisticAverageDiscriminatorLoss(r, f))).toBeCloseTo(rD(real, fake), 5);
      expect(await value(relativisticAverageGeneratorLoss(f, r))).toBeCloseTo(rG(fake, real), 5);
      expect(relativisticAverageLoss.generatorNeedsRealLogits).toBe(true);
    });
  });

  it('has the gradient of its formula with respect to the fake logits (finite differences)', () => {
    const f = tf.tensor1d(fake);
    const r = tf.tensor1d(real);
    const g = tf.grad((x: tf.Tensor) => relativisticAverageGeneratorLoss(x, r))(f);
    const fd = finiteDifference((xs) => rG(xs, real), fake);
    Array.from(g.dataSync()).forEach((v, i) => {
      expect(v).toBeCloseTo(fd[i]!, 4);
    });
    tf.dispose([f, r, g]);
  });

  it('needs the real logits in the generator loss', () => {
    const f = tf.tensor1d(fake);
    expect(() => relativisticAverageGeneratorLoss(f)).toThrow(GanError);
    expect(() => relativisticAverageGeneratorLoss(f)).toThrow(/realLogits is required/);
    f.dispose();
  });
});

describe('patch logits (PatchGAN)', () => {
  it('are averaged over examples and patches alike', async () => {
    const r = tf.tensor4d(real.concat(fake), [2, 2, 2, 1]);
    const f = tf.tensor4d(fake.concat(real), [2, 2, 2, 1]);
    const all = real.concat(fake);
    const allFake = fake.concat(real);
    const hD = mean(all.map((x) => relu(1 - x))) + mean(allFake.map((x) => relu(1 + x)));
    expect(await value(hingeDiscriminatorLoss(r, f))).toBeCloseTo(hD, 5);
    expect(await value(wassersteinGeneratorLoss(f))).toBeCloseTo(-mean(allFake), 5);
    tf.dispose([r, f]);
  });
});

describe('the adversarial registry', () => {
  it('lists the built-in pairs and keeps the existing ones', () => {
    expect(listAdversarialLosses().slice(0, 6)).toEqual([
      'minimax',
      'non-saturating',
      'lsgan',
      'hinge',
      'wasserstein',
      'relativistic-average',
    ]);
    expect(getAdversarialLoss('relativistic-average')).toBe(relativisticAverageLoss);
  });

  it('takes user pairs and refuses duplicates and malformed ones', () => {
    const mine = {
      name: 'mine',
      description: 'x',
      discriminator: wassersteinDiscriminatorLoss,
      generator: wassersteinGeneratorLoss,
    };
    registerAdversarialLoss(mine);
    expect(getAdversarialLoss('mine')).toBe(mine);
    expect(() => registerAdversarialLoss(mine)).toThrow(
      "registerAdversarialLoss: the name 'mine' is already registered",
    );
    expect(() => registerAdversarialLoss({ name: 'l1' } as never)).toThrow(GanError);
  });

  it('validates logits with the function and argument named', () => {
    const bad = tf.zeros([4, 2]);
    const ok = tf.zeros([4]);
    expect(() => hingeDiscriminatorLoss(ok, bad)).toThrow(
      'hingeDiscriminatorLoss: fakeLogits must have shape [batch] or [batch, 1] (or [batch, height, width, 1] for patch logits), got [4, 2]',
    );
    expect(() => leastSquaresGeneratorLoss(tf.scalar(1))).toThrow(
      /leastSquaresGeneratorLoss: fakeLogits must have shape/,
    );
    expect(() => wassersteinGeneratorLoss(tf.zeros([3], 'int32'))).toThrow(
      'wassersteinGeneratorLoss: fakeLogits must be float32 logits, got int32',
    );
    expect(() => relativisticAverageDiscriminatorLoss(undefined as never, ok)).toThrow(
      'relativisticAverageDiscriminatorLoss: realLogits must be a tensor, got undefined',
    );
    tf.dispose([bad, ok]);
  });
});
