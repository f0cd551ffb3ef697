import type * as tf from '@tensorflow/tfjs-core';
import { describe, expectTypeOf, it } from 'vitest';
import { hingeLoss } from '../adversarial/pairs.js';
import { l1Loss } from '../content/pixel.js';
import { option } from '../internal/validate.js';
import { defineLoss, type LossDefinition } from './catalog.js';

describe('defineLoss types', () => {
  it('check a catalogued name against LossCatalog: kind, every option, loss type', () => {
    expectTypeOf(
      defineLoss({
        name: 'hinge',
        kind: 'adversarial',
        description: '',
        options: { margin: option.positive },
        bind: (o) => hingeLoss(o),
      }),
    ).toEqualTypeOf<LossDefinition>();
    defineLoss({ name: 'l1', kind: 'content', description: '', bind: () => l1Loss });
    // @ts-expect-error: hinge is adversarial
    defineLoss({
      name: 'hinge',
      kind: 'content',
      description: '',
      options: { margin: option.positive },
      bind: hingeLoss,
    });
    // @ts-expect-error: hinge's margin must be declared
    defineLoss({ name: 'hinge', kind: 'adversarial', description: '', bind: (o) => hingeLoss(o) });
    defineLoss({
      name: 'hinge',
      kind: 'adversarial',
      description: '',
      // @ts-expect-error: hinge has no epsilon
      options: { margin: option.positive, epsilon: option.positive },
      bind: (o) => hingeLoss(o),
    });
    // @ts-expect-error: l1 is a content loss, not a pair
    defineLoss({ name: 'l1', kind: 'content', description: '', bind: () => hingeLoss() });
  });

  it('take the options of another name from bind', () => {
    const bind = (o: { scale?: number }) => (p: tf.Tensor, t: tf.Tensor) => [o.scale, l1Loss(p, t)];
    defineLoss({ name: 'scaled', kind: 'content', description: '', options: { scale: option.weight }, bind });
    // @ts-expect-error: the options must name scale
    defineLoss({ name: 'scaled', kind: 'content', description: '', options: { scael: option.weight }, bind });
  });
});
