import type * as tf from '@tensorflow/tfjs-core';
import { expectTypeOf } from 'vitest';
import type {
  adversarialStrategy,
  conditionalStrategy,
  dcganStrategy,
  latentRegularizedStrategy,
  pix2pixStrategy,
  srganStrategy,
} from '../index.js';

type SampleOf<F extends (...args: never[]) => { sample(count: number, seed: number): unknown }> = ReturnType<
  ReturnType<F>['sample']
>;

// image strategies sample images; the generic adversarial one may sample 2-D points
expectTypeOf<SampleOf<typeof dcganStrategy>>().toEqualTypeOf<tf.Tensor4D>();
expectTypeOf<SampleOf<typeof conditionalStrategy>>().toEqualTypeOf<tf.Tensor4D>();
expectTypeOf<SampleOf<typeof srganStrategy>>().toEqualTypeOf<tf.Tensor4D>();
expectTypeOf<SampleOf<typeof pix2pixStrategy>>().toEqualTypeOf<tf.Tensor4D>();
expectTypeOf<SampleOf<typeof latentRegularizedStrategy>>().toEqualTypeOf<tf.Tensor4D>();
expectTypeOf<SampleOf<typeof adversarialStrategy>>().toEqualTypeOf<tf.Tensor>();
