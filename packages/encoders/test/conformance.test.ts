import '@tensorflow/tfjs-backend-cpu';
import { registerTrainingKernels } from '@gankit/backend';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll } from 'vitest';
import {
  BagOfWordsEncoder,
  bagOfWordsEncoder,
  CharCnnRnnEncoder,
  ClassifierEncoder,
  CnnEncoder,
  charCnnRnnEncoder,
  classifierEncoder,
  cnnEncoder,
  Tokenizer,
  VggEncoder,
  vgg16,
  vgg19,
} from '../src/index.js';
import { describeEncoderConformance } from './conformance.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
  registerTrainingKernels('cpu');
});

const images = (h: number, w: number, c: number) => (batch: number) =>
  tf.randomUniform([batch, h, w, c], -1, 1, 'float32', 1) as tf.Tensor4D;

describeEncoderConformance({
  name: 'CnnEncoder (vector target)',
  cls: CnnEncoder,
  create: () => cnnEncoder({ inputShape: [16, 16, 1], targetShape: [12], baseWidth: 4, seed: 2 }),
  inputs: [{ label: '16x16x1', make: images(16, 16, 1), expected: (b) => ({ features: [b, 12] }) }],
  differentiableInput: true,
});

describeEncoderConformance({
  name: 'CnnEncoder (upscaling map target)',
  cls: CnnEncoder,
  create: () => cnnEncoder({ inputShape: [8, 8, 3], targetShape: [12, 12, 2], baseWidth: 4, seed: 2 }),
  inputs: [{ label: '8x8x3', make: images(8, 8, 3), expected: (b) => ({ features: [b, 12, 12, 2] }) }],
  differentiableInput: true,
});

describeEncoderConformance({
  name: 'VggEncoder (VGG19, two taps, truncated)',
  cls: VggEncoder,
  create: () => vgg19({ taps: ['block2_conv2', 'block3_conv1_preact'], seed: 1 }),
  inputs: [
    {
      label: '32x32x3',
      make: images(32, 32, 3),
      expected: (b) => ({ block2_conv2: [b, 16, 16, 128], block3_conv1_preact: [b, 8, 8, 256] }),
    },
    {
      label: '20x24x1 (grayscale, odd size)',
      make: images(20, 24, 1),
      expected: (b) => ({ block2_conv2: [b, 10, 12, 128], block3_conv1_preact: [b, 5, 6, 256] }),
    },
  ],
  gradientInput: { label: '4x4x3', make: images(4, 4, 3), expected: () => ({}) },
  differentiableInput: true,
});

describeEncoderConformance({
  name: 'VggEncoder (VGG16, one tap)',
  cls: VggEncoder,
  create: () => vgg16({ taps: 'block1_pool', preprocessing: 'torch', seed: 3 }),
  inputs: [
    { label: '16x16x3', make: images(16, 16, 3), expected: (b) => ({ features: [b, 8, 8, 64] }) },
    { label: '6x10x3', make: images(6, 10, 3), expected: (b) => ({ features: [b, 3, 5, 64] }) },
  ],
  gradientInput: { label: '4x4x3', make: images(4, 4, 3), expected: () => ({}) },
  differentiableInput: true,
});

describeEncoderConformance({
  name: 'ClassifierEncoder',
  cls: ClassifierEncoder,
  create: () =>
    classifierEncoder({
      inputShape: [12, 12, 1],
      classNames: ['a', 'b', 'c'],
      filters: [4, 8],
      featureDim: 6,
    }),
  inputs: [
    { label: '12x12x1', make: images(12, 12, 1), expected: (b) => ({ features: [b, 6], logits: [b, 3] }) },
  ],
  differentiableInput: true,
});

const captions = [
  'a red square',
  'a small blue circle on the left',
  'green',
  'the big yellow triangle at the top right',
];
const tokens = (tok: Tokenizer) => (batch: number) =>
  tok.encodeBatch(Array.from({ length: batch }, (_, i) => captions[i % captions.length]!));

const charTok = Tokenizer.characters({ maxLength: 24 });
describeEncoderConformance({
  name: 'CharCnnRnnEncoder',
  cls: CharCnnRnnEncoder,
  create: () =>
    charCnnRnnEncoder({
      tokenizer: charTok,
      charEmbeddingDim: 8,
      convFilters: [8, 8],
      gruUnits: 8,
      embeddingDim: 10,
      seed: 4,
    }),
  inputs: [{ label: 'captions', make: tokens(charTok), expected: (b) => ({ features: [b, 10] }) }],
  differentiableInput: false,
});

const wordTok = Tokenizer.fromTexts(captions, { maxLength: 6 });
describeEncoderConformance({
  name: 'BagOfWordsEncoder',
  cls: BagOfWordsEncoder,
  create: () =>
    bagOfWordsEncoder({ tokenizer: wordTok, wordEmbeddingDim: 8, hiddenUnits: 8, embeddingDim: 10, seed: 5 }),
  inputs: [{ label: 'captions', make: tokens(wordTok), expected: (b) => ({ features: [b, 10] }) }],
  differentiableInput: false,
});
