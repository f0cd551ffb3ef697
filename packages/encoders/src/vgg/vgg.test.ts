import '@tensorflow/tfjs-backend-cpu';
import { registerTrainingKernels } from '@gankit/backend';
import { GanError } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ESRGAN_VGG_TAP,
  SRGAN_VGG_TAP,
  VggEncoder,
  vgg16,
  vgg19,
  vggPreprocess,
  vggTapNames,
} from '../index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
  registerTrainingKernels('cpu');
});

// Keras's layer lists (keras.applications.vgg16 / vgg19, include_top=False), pools included
const KERAS_VGG16 = [
  'block1_conv1',
  'block1_conv2',
  'block1_pool',
  'block2_conv1',
  'block2_conv2',
  'block2_pool',
  'block3_conv1',
  'block3_conv2',
  'block3_conv3',
  'block3_pool',
  'block4_conv1',
  'block4_conv2',
  'block4_conv3',
  'block4_pool',
  'block5_conv1',
  'block5_conv2',
  'block5_conv3',
  'block5_pool',
];
const KERAS_VGG19 = [
  'block1_conv1',
  'block1_conv2',
  'block1_pool',
  'block2_conv1',
  'block2_conv2',
  'block2_pool',
  'block3_conv1',
  'block3_conv2',
  'block3_conv3',
  'block3_conv4',
  'block3_pool',
  'block4_conv1',
  'block4_conv2',
  'block4_conv3',
  'block4_conv4',
  'block4_pool',
  'block5_conv1',
  'block5_conv2',
  'block5_conv3',
  'block5_conv4',
  'block5_pool',
];

describe('VggEncoder architecture', () => {
  it.each([
    ['vgg16', vgg16, 14_714_688, KERAS_VGG16],
    ['vgg19', vgg19, 20_024_384, KERAS_VGG19],
  ] as const)(
    '%s has Keras parameter count, layer names and weight names',
    (_name, make, params, kerasLayers) => {
      const vgg = make({ truncate: false });
      expect(vgg.model.countParams()).toBe(params);
      const names = vgg.model.layers
        .map((l) => l.name)
        .filter((n) => !n.endsWith('_relu') && !n.endsWith('_input'));
      expect(names).toEqual(kerasLayers);
      // every weight is named like Keras's converted weights, layer/kernel and layer/bias
      const weightNames = vgg.model.weights.map((w) => w.originalName);
      expect(weightNames).toEqual(
        kerasLayers.filter((n) => n.includes('conv')).flatMap((n) => [`${n}/kernel`, `${n}/bias`]),
      );
      expect(vgg.inputSpec.minSize).toBe(32);
      expect(vgg.trainable).toBe(false);
      expect(vgg.model.trainableWeights).toHaveLength(0);
      vgg.dispose();
    },
  );

  it('lists its taps: pre- and post-activation for every conv, and the pools', () => {
    const names = vggTapNames('vgg19');
    expect(names).toHaveLength(16 * 2 + 5);
    expect(names.slice(0, 5)).toEqual([
      'block1_conv1_preact',
      'block1_conv1',
      'block1_conv2_preact',
      'block1_conv2',
      'block1_pool',
    ]);
    expect(names).toContain(SRGAN_VGG_TAP);
    expect(names).toContain(ESRGAN_VGG_TAP);
    expect(vggTapNames('vgg16')).not.toContain('block5_conv4');
  });

  it('truncates at the deepest tap and derives the minimum input size from the pools before it', () => {
    const a = vgg19({ taps: 'block1_conv2' });
    expect(a.model.layers.map((l) => l.name)).toEqual([
      'vgg19_input',
      'block1_conv1',
      'block1_conv1_relu',
      'block1_conv2',
      'block1_conv2_relu',
    ]);
    expect(a.inputSpec.minSize).toBe(1);
    const b = vgg19({ taps: ['block1_conv1', 'block3_pool'] });
    expect(b.inputSpec.minSize).toBe(8);
    expect(b.model.layers.at(-1)!.name).toBe('block3_pool');
    a.dispose();
    b.dispose();
  });

  it('returns one tensor for a single tap and a record for a list, in [-1, 1] image space', () => {
    const x = tf.randomUniform([1, 32, 32, 3], -1, 1, 'float32', 3) as tf.Tensor4D;
    const one = vgg19({ taps: SRGAN_VGG_TAP, seed: 1, truncate: false });
    const f = one.encode(x) as tf.Tensor;
    expect(f.shape).toEqual([1, 2, 2, 512]);
    const many = vgg16({ taps: ['block1_conv2', 'block2_pool', 'block5_conv3_preact'], seed: 1 });
    const taps = many.encode(x) as Record<string, tf.Tensor>;
    expect(Object.keys(taps)).toEqual(['block1_conv2', 'block2_pool', 'block5_conv3_preact']);
    expect(taps.block1_conv2!.shape).toEqual([1, 32, 32, 64]);
    expect(taps.block2_pool!.shape).toEqual([1, 8, 8, 128]);
    expect(taps.block5_conv3_preact!.shape).toEqual([1, 2, 2, 512]);
    tf.dispose([x, f, ...Object.values(taps)]);
    one.dispose();
    many.dispose();
  });

  it('taps the same conv before and after its ReLU: post = relu(pre), pre has negatives', () => {
    const vgg = vgg19({ taps: ['block1_conv2_preact', 'block1_conv2'], seed: 2 });
    const x = tf.randomUniform([1, 8, 8, 3], -1, 1, 'float32', 4) as tf.Tensor4D;
    const { block1_conv2_preact: pre, block1_conv2: post } = vgg.encode(x) as Record<string, tf.Tensor>;
    expect(Array.from(post!.dataSync())).toEqual(Array.from(tf.relu(pre!).dataSync()));
    expect(tf.min(pre!).dataSync()[0]).toBeLessThan(0);
    tf.dispose([x, pre!, post!]);
    vgg.dispose();
  });

  it('preprocesses like Keras caffe mode (RGB to BGR, ImageNet mean) and like torchvision', () => {
    // one pixel, RGB = (-1, 0, 1) in gankit's range = (0, 127.5, 255) in pixels
    const px = tf.tensor4d([-1, 0, 1], [1, 1, 1, 3]);
    const caffe = Array.from(vggPreprocess(px, 'caffe').dataSync());
    [255 - 103.939, 127.5 - 116.779, 0 - 123.68].forEach((v, i) => {
      expect(caffe[i]).toBeCloseTo(v, 3);
    });
    const torch = Array.from(vggPreprocess(px, 'torch').dataSync());
    [(0 - 0.485) / 0.229, (0.5 - 0.456) / 0.224, (1 - 0.406) / 0.225].forEach((v, i) => {
      expect(torch[i]).toBeCloseTo(v, 5);
    });
    expect(Array.from(vggPreprocess(px, 'none').dataSync())).toEqual([-1, 0, 1]);
    // grayscale is repeated to three channels
    const gray = tf.tensor4d([0.5], [1, 1, 1, 1]);
    expect(Array.from(vggPreprocess(gray, 'none').dataSync())).toEqual([0.5, 0.5, 0.5]);
    tf.dispose([px, gray]);
  });

  it('encodes grayscale images as the same images repeated to RGB', () => {
    const vgg = vgg16({ taps: 'block2_conv1' });
    const gray = tf.randomUniform([2, 8, 8, 1], -1, 1, 'float32', 5) as tf.Tensor4D;
    const rgb = tf.tile(gray, [1, 1, 1, 3]) as tf.Tensor4D;
    const a = vgg.encode(gray) as tf.Tensor;
    const b = vgg.encode(rgb) as tf.Tensor;
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    tf.dispose([gray, rgb, a, b]);
    vgg.dispose();
  });

  it('fails clearly on unknown taps, bad channel counts and images smaller than the pools allow', () => {
    expect(() => vgg16({ taps: 'block5_conv4' })).toThrow(
      /vgg16: unknown tap 'block5_conv4'; valid taps are block1_conv1_preact/,
    );
    expect(() => vgg19({ taps: [] })).toThrow(GanError);
    expect(() => new VggEncoder({ variant: 'vgg11' as never })).toThrow("variant must be 'vgg16' or 'vgg19'");
    const vgg = vgg19({ taps: 'block3_pool' });
    const two = tf.zeros([1, 16, 16, 2]) as tf.Tensor4D;
    const small = tf.zeros([1, 4, 16, 3]) as tf.Tensor4D;
    expect(() => vgg.encode(two)).toThrow(
      'VggEncoder.encode: images must have shape [batch, h >= 8, w >= 8, 1 or 3], got [1, 16, 16, 2]',
    );
    expect(() => vgg.encode(small)).toThrow(/h >= 8, w >= 8, 1 or 3\], got \[1, 4, 16, 3\]/);
    tf.dispose([two, small]);
    vgg.dispose();
  });
});
