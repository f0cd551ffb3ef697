import type * as tf from '@tensorflow/tfjs-core';
import { expectTypeOf } from 'vitest';
import type {
  BagOfWordsEncoder,
  CaptionEncoder,
  CharCnnRnnEncoder,
  ClassifierEncoder,
  ClassifierTaps,
  CnnEncoder,
  Encoder,
  EncoderBase,
  EncoderOutput,
  VggEncoder,
} from './index.js';

// every image encoder is an Encoder, every caption encoder a CaptionEncoder, all are EncoderBase
expectTypeOf<CnnEncoder>().toExtend<Encoder>();
expectTypeOf<VggEncoder>().toExtend<Encoder>();
expectTypeOf<ClassifierEncoder>().toExtend<Encoder>();
expectTypeOf<CharCnnRnnEncoder>().toExtend<CaptionEncoder>();
expectTypeOf<BagOfWordsEncoder>().toExtend<CaptionEncoder>();
expectTypeOf<CaptionEncoder>().toExtend<EncoderBase<tf.Tensor2D>>();

// what encode returns
expectTypeOf<ReturnType<Encoder['encode']>>().toEqualTypeOf<EncoderOutput>();
expectTypeOf<ReturnType<ClassifierEncoder['encode']>>().toExtend<ClassifierTaps>();
expectTypeOf<ReturnType<CaptionEncoder['encode']>>().toEqualTypeOf<tf.Tensor2D>();

// configs are JSON-safe records (what saveEncoder and the registry store)
expectTypeOf<ReturnType<VggEncoder['getConfig']>>().toExtend<Record<string, unknown>>();
expectTypeOf<ReturnType<CharCnnRnnEncoder['getConfig']>['tokenizer']['vocabulary']>().toEqualTypeOf<
  string[]
>();
