import '@tensorflow/tfjs-backend-cpu';
import { GanError } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { hingeGeneratorLoss } from '../adversarial/hinge.js';
import { getAdversarialLoss, registerAdversarialLoss } from '../adversarial/registry.js';
import { l1Loss } from '../content/pixel.js';
import { getLoss, getLossInfo, listLosses, registerLoss, resolveLoss } from './catalog.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const ALL = [
  'minimax',
  'non-saturating',
  'lsgan',
  'hinge',
  'wasserstein',
  'relativistic-average',
  'acgan',
  'matching-aware',
  'gradient-penalty',
  'r1',
  'r2',
  'l1',
  'l2',
  'charbonnier',
  'perceptual',
  'style',
  'total-variation',
  'feature-matching',
  'latent-distance',
  'lipschitz-hinge',
];

describe('the loss registry', () => {
  it('lists every term by name and kind', () => {
    expect(listLosses()).toEqual(ALL);
    expect(listLosses('penalty')).toEqual(['gradient-penalty', 'r1', 'r2']);
    expect(listLosses('content')).toEqual(['l1', 'l2', 'charbonnier', 'perceptual', 'style']);
    expect(getLossInfo('r1')).toEqual({
      name: 'r1',
      kind: 'penalty',
      description: expect.stringContaining('Mescheder'),
    });
    expect(() => listLosses('pixel' as never)).toThrow(/listLosses: unknown kind 'pixel'/);
  });

  it('binds options: getLoss and resolveLoss with a name, a [name, options] pair or a function', async () => {
    const p = tf.tensor1d([3]);
    const t = tf.tensor1d([0]);
    const value = async (s: tf.Scalar) => {
      const v = (await s.data())[0];
      s.dispose();
      return v;
    };
    expect(getLoss('l1')).toBe(l1Loss);
    expect(await value(getLoss('charbonnier', { epsilon: 4 })(p, t))).toBeCloseTo(5, 5);
    expect(await value(resolveLoss(['charbonnier', { epsilon: 4 }])(p, t))).toBeCloseTo(5, 5);
    expect(await value(resolveLoss('l2', 'content')(p, t))).toBeCloseTo(9, 5);
    const own = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.sum(tf.sub(a, b))) as tf.Scalar;
    expect(resolveLoss(own)).toBe(own);
    expect(resolveLoss(own, 'content')).toBe(own);
    expect(getLoss('hinge')).toBe(getAdversarialLoss('hinge'));
    const hinge2 = getLoss('hinge', { margin: 2 });
    expect(await value(hinge2.discriminator(tf.tensor1d([0]), tf.tensor1d([0])))).toBe(4);
    expect(hinge2.generator).toBe(hingeGeneratorLoss);
    const tv = resolveLoss(['total-variation', { variant: 'anisotropic' }]);
    expect(await value(tv(tf.tensor4d([0, 1, 0, 1], [1, 2, 2, 1])))).toBeCloseTo(0.5, 6);
    const gp = getLoss('gradient-penalty', { weight: 1 });
    const critic = (x: tf.Tensor) => tf.sum(tf.mul(x, 2), 1);
    expect(await value(gp(critic, tf.ones([2, 3]), tf.zeros([2, 3]), { seed: 1 }))).toBeCloseTo(
      (2 * Math.sqrt(3) - 1) ** 2,
      4,
    );
    const r2 = resolveLoss('r2', 'penalty');
    expect(await value(r2(critic, tf.ones([2, 3]), tf.zeros([2, 3])))).toBeCloseTo(5 * 12, 4);
    tf.dispose([p, t]);
  });

  it('names the valid losses for an unknown name and the right kind for a misplaced one', () => {
    let error: unknown;
    try {
      getLoss('hinje' as 'hinge');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(GanError);
    expect((error as GanError).code).toBe('UNKNOWN_NAME');
    expect((error as GanError).message).toBe(`getLoss: unknown loss 'hinje'; valid names: ${ALL.join(', ')}`);
    expect(() => resolveLoss('hinge' as never, 'content')).toThrow(
      "resolveLoss: 'hinge' is an adversarial loss pair, expected a content loss; those are: l1, l2, charbonnier, perceptual, style",
    );
    expect(() => resolveLoss(42 as never)).toThrow(
      'resolveLoss: expected a loss name, a [name, options] pair or a loss function, got 42',
    );
    expect(() => resolveLoss(['l1'] as never)).toThrow(/a \[name, options\] pair must have two entries/);
    expect(() => getLoss('l1', { scale: 2 } as never)).toThrow("getLoss: 'l1' takes no options, got scale");
    expect(() => getLoss('wasserstein', { clip: 0.01 } as never)).toThrow(
      "getLoss: 'wasserstein' takes no options, got clip",
    );
    expect(() => getLoss('perceptual', {} as never)).toThrow(/extractor must be an object with an encode/);
    expect(() => getLoss('hinge', { margin: -1 })).toThrow(
      'hingeLoss: margin must be a finite number > 0, got -1',
    );
  });

  it('takes user losses, of any kind, and keeps the adversarial registry in sync', async () => {
    registerLoss({
      name: 'scaled-l1',
      kind: 'content',
      description: 'L1 times a scale',
      create: (o) => (p: tf.Tensor, t: tf.Tensor) =>
        tf.tidy(() => tf.mul(Number(o?.scale ?? 1), l1Loss(p, t))),
    });
    const scaled = resolveLoss(['scaled-l1', { scale: 3 }] as never, 'content');
    const s = scaled(tf.tensor1d([1]), tf.tensor1d([0]));
    expect((await s.data())[0]).toBe(3);
    registerLoss({
      name: 'least-absolute',
      kind: 'adversarial',
      description: 'a user pair',
      create: () => ({
        name: 'least-absolute',
        description: 'a user pair',
        discriminator: (r: tf.Tensor, f: tf.Tensor) =>
          tf.tidy(() => tf.add(tf.mean(tf.abs(tf.sub(r, 1))), tf.mean(tf.abs(f)))),
        generator: (f: tf.Tensor) => tf.tidy(() => tf.mean(tf.abs(tf.sub(f, 1)))),
      }),
    });
    expect(getAdversarialLoss('least-absolute').description).toBe('a user pair');
    registerAdversarialLoss({ ...getAdversarialLoss('wasserstein'), name: 'my-wgan' });
    expect(getLossInfo('my-wgan').kind).toBe('adversarial');
    expect(resolveLoss('my-wgan' as never, 'adversarial').name).toBe('my-wgan');
    expect(listLosses()).toEqual(expect.arrayContaining(['scaled-l1', 'least-absolute', 'my-wgan']));
    expect(() =>
      registerLoss({ name: 'l1', kind: 'content', description: '', create: () => l1Loss }),
    ).toThrow("registerLoss: the name 'l1' is already registered");
    expect(() => registerAdversarialLoss({ ...getAdversarialLoss('wasserstein'), name: 'r1' })).toThrow(
      "registerAdversarialLoss: the name 'r1' is already registered",
    );
    expect(() =>
      registerLoss({ name: 'x', kind: 'pixel' as never, description: '', create: () => l1Loss }),
    ).toThrow(/registerLoss: definition must have a name, a kind/);
    s.dispose();
  });
});
