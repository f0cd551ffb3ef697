import type * as tf from '@tensorflow/tfjs-core';
import { describe, expectTypeOf, it } from 'vitest';
import type { AuxiliaryClassifierLosses } from '../adversarial/acgan.js';
import type { AdversarialLoss } from '../adversarial/types.js';
import {
  type ContentLoss,
  type CriticPenalty,
  getLoss,
  type ImageLoss,
  type LipschitzHingeLoss,
  type LossNameOfKind,
  type LossSpec,
  resolveLoss,
} from './catalog.js';

declare const extractor: { encode(x: tf.Tensor4D): tf.Tensor };

describe('registry types', () => {
  it('are precise per name', () => {
    expectTypeOf(getLoss('hinge')).toEqualTypeOf<AdversarialLoss>();
    expectTypeOf(getLoss('hinge', { margin: 2 })).toEqualTypeOf<AdversarialLoss>();
    expectTypeOf(getLoss('l1')).toEqualTypeOf<ContentLoss>();
    expectTypeOf(getLoss('perceptual', { extractor })).toEqualTypeOf<ContentLoss>();
    expectTypeOf(getLoss('total-variation')).toEqualTypeOf<ImageLoss>();
    expectTypeOf(getLoss('r1', { gamma: 1 })).toEqualTypeOf<CriticPenalty>();
    expectTypeOf(getLoss('acgan')).toEqualTypeOf<AuxiliaryClassifierLosses>();
    expectTypeOf(resolveLoss(['lipschitz-hinge', { k: 2 }])).toEqualTypeOf<LipschitzHingeLoss>();
    expectTypeOf(resolveLoss('charbonnier', 'content')).toEqualTypeOf<ContentLoss>();
    expectTypeOf<LossNameOfKind<'penalty'>>().toEqualTypeOf<'gradient-penalty' | 'r1' | 'r2'>();
  });

  it('reject wrong names, options and kinds', () => {
    // @ts-expect-error: no such loss
    getLoss('hinje');
    // @ts-expect-error: hinge's options have no epsilon
    getLoss('hinge', { epsilon: 1 });
    // @ts-expect-error: the perceptual loss needs options with an extractor
    getLoss('perceptual');
    // @ts-expect-error: hinge is not a content loss
    const spec: LossSpec<'content'> = 'hinge';
    void spec;
  });
});
