import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-layers'; // registers every op's gradient
import { GanError } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  formatTrainingKernelReport,
  getOriginalKernel,
  listTrainingKernels,
  registerTrainingKernels,
  restoreOriginalKernels,
  TRAINING_GRADIENTS,
  type TrainingKernelBackend,
} from './index.js';

afterEach(() => {
  restoreOriginalKernels('wasm');
  restoreOriginalKernels('cpu');
});

function expectGanError(fn: () => unknown, code: string, message: RegExp): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(GanError);
    expect((e as GanError).code).toBe(code);
    expect((e as GanError).message).toMatch(message);
    return;
  }
  expect.unreachable('expected a GanError');
}

describe('registerTrainingKernels', () => {
  it('adds the kernels wasm lacks and replaces the slow or wrong ones, per backend', async () => {
    await tf.setBackend('wasm');
    const ownInput = tf.getKernel('Conv2DBackpropInput', 'wasm');
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeUndefined();
    const report = registerTrainingKernels('wasm');
    expect(report.backend).toBe('wasm');
    expect(report.changed).toBe(true);
    expect(report.added).toEqual(
      expect.arrayContaining([
        'Conv2DBackpropFilter',
        'UnsortedSegmentSum',
        'DepthwiseConv2dNativeBackpropFilter',
        'DepthwiseConv2dNativeBackpropInput',
      ]),
    );
    expect(report.replaced).toEqual(
      expect.arrayContaining(['Conv2DBackpropInput', 'Conv2D', 'BatchMatMul', 'Tile', 'MaxPoolGrad', 'Sum']),
    );
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
    expect(tf.getKernel('Conv2DBackpropInput', 'wasm')).not.toBe(ownInput);
    expect(getOriginalKernel('Conv2DBackpropInput', 'wasm')).toBe(ownInput);
    // the cpu backend's kernels are untouched
    expect(getOriginalKernel('Conv2DBackpropFilter', 'cpu')).toBe(
      tf.getKernel('Conv2DBackpropFilter', 'cpu'),
    );
    for (const name of TRAINING_GRADIENTS) expect(tf.getGradient(name)).toBeDefined();
  });

  it('is idempotent', () => {
    const first = registerTrainingKernels('cpu');
    const kernel = tf.getKernel('Conv2DBackpropFilter', 'cpu');
    const second = registerTrainingKernels('cpu');
    expect(second.changed).toBe(false);
    expect({ ...second, changed: true }).toEqual(first);
    expect(tf.getKernel('Conv2DBackpropFilter', 'cpu')).toBe(kernel);
  });

  it('keeps the wrapped kernels working across setBackend (their setup functions stay registered)', async () => {
    registerTrainingKernels('wasm');
    await tf.setBackend('cpu');
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const product = tf.tidy(() => tf.matMul(tf.ones([2, 3]), tf.ones([4, 3]), false, true).dataSync());
    expect(Array.from(product)).toEqual(Array(8).fill(3));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects other backends and missing backend kernels', () => {
    expectGanError(
      () => registerTrainingKernels('webgl' as TrainingKernelBackend),
      'INVALID_ARGUMENT',
      /registerTrainingKernels: backendName must be 'wasm' or 'cpu', got 'webgl'/,
    );
    const conv = tf.getKernel('Conv2D', 'cpu');
    tf.unregisterKernel('Conv2D', 'cpu');
    try {
      expectGanError(
        () => registerTrainingKernels('cpu'),
        'BACKEND_UNAVAILABLE',
        /import '@tensorflow\/tfjs-backend-cpu'/,
      );
    } finally {
      tf.registerKernel(conv);
    }
  });
});

describe('restoreOriginalKernels', () => {
  it('puts the replaced kernels back and removes the added ones', async () => {
    await tf.setBackend('wasm');
    const own = tf.getKernel('BatchMatMul', 'wasm');
    registerTrainingKernels('wasm');
    const restored = restoreOriginalKernels('wasm');
    expect(restored).toEqual(expect.arrayContaining(['BatchMatMul', 'Conv2DBackpropFilter']));
    expect(tf.getKernel('BatchMatMul', 'wasm')).toBe(own);
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeUndefined();
    expect(restoreOriginalKernels('wasm')).toEqual([]);
    // and registering again works
    expect(registerTrainingKernels('wasm').changed).toBe(true);
  });
});

describe('listTrainingKernels', () => {
  it('lists every kernel per backend with its reason and whether it is active', () => {
    const before = listTrainingKernels();
    expect(before.every((k) => !k.active)).toBe(true);
    expect(before.every((k) => k.reason.length > 20)).toBe(true);
    const keys = before.map((k) => `${k.backend}/${k.kernelName}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toEqual(expect.arrayContaining(['wasm/Conv2DBackpropFilter', 'cpu/Conv2DBackpropFilter']));
    registerTrainingKernels('cpu');
    const after = listTrainingKernels();
    expect(after.filter((k) => k.active).every((k) => k.backend === 'cpu')).toBe(true);
    expect(after.some((k) => k.active)).toBe(true);
  });
});

describe('kernel input checks', () => {
  it('names the kernel and what arrived', async () => {
    await tf.setBackend('wasm');
    registerTrainingKernels('wasm');
    const x = tf.zeros([1, 5, 5, 2]);
    const dy = tf.zeros([1, 3, 3, 4]);
    expectGanError(
      () =>
        tf
          .engine()
          .runKernel(
            'Conv2DBackpropFilter',
            { x, dy: tf.zeros([1, 2, 2, 4]) },
            { strides: 2, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 2, 4] },
          ),
      'SHAPE_MISMATCH',
      /Conv2DBackpropFilter: dy must have shape \[1, 3, 3, 4\], got \[1, 2, 2, 4\]/,
    );
    expectGanError(
      () =>
        tf
          .engine()
          .runKernel(
            'Conv2DBackpropFilter',
            { x, dy },
            { strides: 2, pad: 'same', dataFormat: 'NCHW', filterShape: [3, 3, 2, 4] },
          ),
      'UNSUPPORTED',
      /Conv2DBackpropFilter: dataFormat NCHW/,
    );
    tf.dispose([x, dy]);
  });
});

describe('TSDoc examples', () => {
  it('registerTrainingKernels', async () => {
    await tf.setBackend('wasm');
    const report = registerTrainingKernels('wasm');
    expect(`added ${report.added.join(', ')}; replaced ${report.replaced.join(', ')}`).toMatch(
      /^added Conv2DBackpropFilter, .*; replaced Conv2DBackpropInput, /,
    );
  });

  it('restoreOriginalKernels', () => {
    registerTrainingKernels('cpu');
    restoreOriginalKernels('cpu');
    expect(tf.getKernel('Conv2DBackpropFilter', 'cpu')).toBe(
      getOriginalKernel('Conv2DBackpropFilter', 'cpu'),
    );
  });

  it('formatTrainingKernelReport', async () => {
    await tf.setBackend('cpu');
    const lines = formatTrainingKernelReport(registerTrainingKernels('cpu'));
    expect(lines[0]).toBe(
      'training kernels (cpu): added GankitLeakyReluGrad, GankitPreluGrad, GankitAdamUpdate',
    );
    expect(lines[1]).toMatch(/^training kernels \(cpu\): faster or fixed Conv2DBackpropFilter/);
    expect(lines.at(-1)).toBe('ops unfused under a gradient tape (cpu): fused.conv2d, fused.matMul');
    expect(formatTrainingKernelReport(registerTrainingKernels('cpu'))[0]).toMatch(/\(already registered\)$/);
  });

  it('getOriginalKernel and listTrainingKernels', () => {
    expect(getOriginalKernel('Conv2DBackpropFilter', 'cpu') !== undefined).toBe(true);
    const lines = listTrainingKernels().map((k) => `${k.backend} ${k.kernelName}: ${k.reason}`);
    expect(lines[0]).toMatch(/^wasm Conv2DBackpropFilter: missing in tfjs-wasm/);
  });
});
