import '@tensorflow/tfjs-backend-cpu';
import { checkNumber, GanError } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { hingeLoss, wassersteinLoss } from '../adversarial/pairs.js';
import {
  getAdversarialLoss,
  listAdversarialLosses,
  registerAdversarialLoss,
} from '../adversarial/registry.js';
import { l1Loss } from '../content/pixel.js';
import { defineLoss, getLoss, getLossInfo, listLosses, registerLoss, resolveLoss } from './catalog.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function thrown(f: () => unknown): GanError {
  try {
    f();
  } catch (e) {
    if (e instanceof GanError) return e;
    throw e;
  }
  throw new Error('expected a GanError');
}

const scaled = defineLoss({
  name: 'scaled-l1',
  kind: 'content',
  description: 'L1 times a scale',
  options: { scale: (fn, key, value) => value === undefined || checkNumber(fn, key, value, { min: 0 }) },
  bind: ({ scale = 1 }: { scale?: number }) => ({ scale, loss: l1Loss }),
});

describe('defineLoss', () => {
  it('binds the checked options, {} when none are given', () => {
    expect(scaled).toMatchObject({ name: 'scaled-l1', kind: 'content', description: 'L1 times a scale' });
    expect(scaled.create({ scale: 3 })).toEqual({ scale: 3, loss: l1Loss });
    expect(scaled.create(undefined)).toEqual({ scale: 1, loss: l1Loss });
  });

  it('refuses unknown options, listing the valid ones, and bad values, naming option, loss and bound', () => {
    const unknown = thrown(() => scaled.create({ scael: 3 }));
    expect(unknown.code).toBe('INVALID_ARGUMENT');
    expect(unknown.message).toBe("getLoss: 'scaled-l1' has no option 'scael'; its options: scale");
    expect(thrown(() => scaled.create({ scale: -1 })).message).toBe(
      "getLoss('scaled-l1'): scale must be a finite number >= 0, got -1",
    );
    expect(thrown(() => scaled.create(7 as never)).message).toBe(
      "getLoss('scaled-l1'): options must be an object, got 7",
    );
  });

  it('checks the built-in options when the loss is looked up, with the bound function named', () => {
    expect(() => getLoss('charbonnier', { epsilon: 0 })).toThrow(
      'charbonnierLoss: epsilon must be a finite number > 0, got 0',
    );
    expect(() => resolveLoss(['charbonnier', { epsilion: 1 }] as never)).toThrow(
      "getLoss: 'charbonnier' has no option 'epsilion'; its options: epsilon",
    );
    expect(() => getLoss('total-variation', { variant: 'l2' } as never)).toThrow(
      "totalVariationLoss: variant must be one of 'isotropic', 'anisotropic', 'squared', got 'l2'",
    );
    expect(() => getLoss('gradient-penalty', { oneSided: 1 } as never)).toThrow(
      'gradientPenalty: oneSided must be a boolean, got 1',
    );
    expect(() => getLoss('feature-matching', { layerWeights: [1, -2] })).toThrow(
      'featureMatchingLoss: layerWeights[1] must be a finite number >= 0, got -2',
    );
    expect(() => getLoss('matching-aware', { loss: 3 } as never)).toThrow(
      'matchingAwareDiscriminatorLoss: loss must be an adversarial loss name or pair, got 3',
    );
    expect(() => resolveLoss('style')).toThrow(/styleLoss: extractor must be an object with an encode/);
    expect(() => getLoss('lsgan', { realTarget: Number.NaN })).toThrow(
      'leastSquaresLoss: realTarget must be a finite number, got NaN',
    );
  });
});

describe('one registry', () => {
  it('holds the adversarial pairs as entries of kind adversarial', () => {
    expect(listAdversarialLosses()).toEqual(listLosses('adversarial'));
    expect(getLossInfo('hinge').kind).toBe('adversarial');
    for (const name of listAdversarialLosses()) {
      expect(getAdversarialLoss(name)).toBe(getLoss(name as 'hinge'));
      expect(getAdversarialLoss(name)).toBe(resolveLoss(name as 'hinge'));
    }
    expect(getLoss('wasserstein')).toBe(wassersteinLoss);
    expect(getLoss('hinge', {})).toBe(getAdversarialLoss('hinge'));
    expect(getLoss('hinge', { margin: 2 })).not.toBe(getAdversarialLoss('hinge'));
    expect(() => getAdversarialLoss('l1')).toThrow(
      "getAdversarialLoss: unknown adversarial loss 'l1'; valid names: minimax, non-saturating",
    );
  });

  it('gives every name to one loss only, whichever function registers it', () => {
    registerLoss(scaled);
    expect(listLosses('content')).toContain('scaled-l1');
    expect(() => registerAdversarialLoss({ ...hingeLoss(), name: 'scaled-l1' })).toThrow(
      "registerAdversarialLoss: the name 'scaled-l1' is already registered",
    );
    registerAdversarialLoss({ ...hingeLoss({ margin: 2 }), name: 'hinge-2' });
    const l1Again = defineLoss({ name: 'hinge-2', kind: 'content', description: '', bind: () => l1Loss });
    expect(() => registerLoss(l1Again)).toThrow("registerLoss: the name 'hinge-2' is already registered");
    expect(listLosses().slice(-2)).toEqual(['scaled-l1', 'hinge-2']);
    expect(() => getLoss('hinge-2' as 'hinge', { margin: 1 })).toThrow(
      "getLoss: 'hinge-2' takes no options, got margin",
    );
  });

  it('refuses an adversarial definition that does not make a pair', () => {
    const bad = defineLoss({ name: 'not-a-pair', kind: 'adversarial', description: '', bind: () => l1Loss });
    expect(() => registerLoss(bad)).toThrow(
      "registerLoss: 'not-a-pair' is adversarial, so create() must return discriminator and generator functions, got a function",
    );
    expect(listLosses()).not.toContain('not-a-pair');
  });
});
