import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { setupBackend } from '@gankit/backend';
import { GanError } from '@gankit/core';
import { loadModel, saveModel } from '@gankit/data';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reseedDropout } from '../layers/seeded-dropout.js';
import { patchganDiscriminator, unetGenerator } from './image-to-image.js';
import { srganDiscriminator, srresnetGenerator } from './super-resolution.js';

let tmp: string;
beforeAll(async () => {
  await setupBackend({ backend: 'cpu' });
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'gankit-supervised-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

// Parameter counts from the layer formulas, not from the models: a k x k conv (or transposed
// conv) from cin to cout channels has k*k*cin*cout weights plus cout biases; batch norm has
// gamma and beta (trainable) and a moving mean and variance (not trainable); a PReLU shared
// over height and width has one slope per channel; a dense layer has in*out + out.
const conv = (k: number, cin: number, cout: number, bias = true) => k * k * cin * cout + (bias ? cout : 0);
const dense = (cin: number, cout: number) => cin * cout + cout;
const bnTrainable = (c: number) => 2 * c;
const bnMoving = (c: number) => 2 * c;
const trainableCount = (m: tfl.LayersModel) =>
  m.trainableWeights.reduce((n, w) => n + w.shape.reduce((a: number, d) => a * (d ?? 1), 1), 0);
const classNames = (m: tfl.LayersModel) => m.layers.map((l) => l.getClassName());

describe('srresnetGenerator', () => {
  it('has 1,550,659 trainable parameters for 16 blocks of 64 at x4 on RGB (Ledig et al.), plus 4,224 BN statistics', () => {
    const [f, c, blocks, stages] = [64, 3, 16, 2];
    const trainable =
      conv(9, c, f) +
      f + // head PReLU
      blocks * (2 * conv(3, f, f) + 2 * bnTrainable(f) + f) +
      conv(3, f, f) +
      bnTrainable(f) +
      stages * (conv(3, f, 4 * f) + f) + // sub-pixel conv, PReLU on the shuffled 64 channels
      conv(9, f, c);
    const moving = (2 * blocks + 1) * bnMoving(f);
    expect(trainable).toBe(1_550_659);
    expect(moving).toBe(4_224);
    const g = srresnetGenerator();
    expect(trainableCount(g)).toBe(trainable);
    expect(g.countParams()).toBe(trainable + moving);
    expect(g.inputs[0]!.shape).toEqual([null, null, null, 3]);
    expect(classNames(g).filter((n) => n === 'PixelShuffle')).toHaveLength(2);
    g.dispose();
  });

  it('computes what a plain-JS SRResNet with the same weights computes (1 block, x2)', () => {
    // An independent forward pass in loops over NHWC arrays: convs with 'same' zero padding,
    // batch norm in inference (epsilon 1e-3), PReLU with one slope per channel, sub-pixel
    // shuffle (channel (i*2 + j)*c + k to offset (i, j)), residual and long skips, tanh.
    const [f, c, H, W] = [3, 2, 4, 5];
    const g = srresnetGenerator({ scale: 2, channels: c, filters: f, residualBlocks: 1, seed: 3 });
    let seed = 20;
    for (const layer of g.layers) {
      const ws = layer.getWeights();
      if (ws.length === 0) continue;
      const isBn = layer.getClassName() === 'BatchNormalization';
      layer.setWeights(
        ws.map((w, i) =>
          isBn && i === 3
            ? tf.randomUniform(w.shape, 0.5, 2, 'float32', seed++)
            : tf.randomNormal(w.shape, 0, 0.4, 'float32', seed++),
        ),
      );
    }
    const wts = (name: string) =>
      g
        .getLayer(name)
        .getWeights()
        .map((w) => Array.from(w.dataSync()));
    type Map3 = { h: number; w: number; c: number; v: number[] };
    const at = (m: Map3, y: number, x: number, k: number) =>
      y < 0 || x < 0 || y >= m.h || x >= m.w ? 0 : m.v[(y * m.w + x) * m.c + k]!;
    const conv2d = (m: Map3, name: string): Map3 => {
      const [kernel, bias] = wts(name) as [number[], number[]];
      const cout = bias.length;
      const k = Math.round(Math.sqrt(kernel.length / (m.c * cout)));
      const p = (k - 1) / 2;
      const v: number[] = [];
      for (let y = 0; y < m.h; y++)
        for (let x = 0; x < m.w; x++)
          for (let o = 0; o < cout; o++) {
            let sum = bias[o]!;
            for (let dy = 0; dy < k; dy++)
              for (let dx = 0; dx < k; dx++)
                for (let i = 0; i < m.c; i++)
                  sum += at(m, y + dy - p, x + dx - p, i) * kernel[((dy * k + dx) * m.c + i) * cout + o]!;
            v.push(sum);
          }
      return { h: m.h, w: m.w, c: cout, v };
    };
    const perChannel = (m: Map3, fn: (x: number, k: number) => number): Map3 => ({
      ...m,
      v: m.v.map((x, n) => fn(x, n % m.c)),
    });
    const bn = (m: Map3, name: string) => {
      const [gamma, beta, mean, variance] = wts(name) as [number[], number[], number[], number[]];
      return perChannel(
        m,
        (x, k) => ((x - mean[k]!) / Math.sqrt(variance[k]! + 1e-3)) * gamma[k]! + beta[k]!,
      );
    };
    const prelu = (m: Map3, name: string) => {
      const [alpha] = wts(name) as [number[]];
      expect(alpha).toHaveLength(m.c); // shared over height and width
      return perChannel(m, (x, k) => (x > 0 ? x : alpha[k]! * x));
    };
    const add = (a: Map3, b: Map3): Map3 => ({ ...a, v: a.v.map((x, n) => x + b.v[n]!) });
    const shuffle = (m: Map3): Map3 => {
      const co = m.c / 4;
      const v = new Array<number>(m.h * 2 * m.w * 2 * co);
      for (let y = 0; y < m.h; y++)
        for (let x = 0; x < m.w; x++)
          for (let i = 0; i < 2; i++)
            for (let j = 0; j < 2; j++)
              for (let k = 0; k < co; k++)
                v[((y * 2 + i) * m.w * 2 + x * 2 + j) * co + k] = at(m, y, x, (i * 2 + j) * co + k);
      return { h: m.h * 2, w: m.w * 2, c: co, v };
    };
    const input = tf.randomNormal([1, H, W, c], 0, 1, 'float32', 7);
    const x: Map3 = { h: H, w: W, c, v: Array.from(input.dataSync()) };
    const head = prelu(conv2d(x, 'head_conv'), 'head_prelu');
    let r = prelu(bn(conv2d(head, 'res1_conv1'), 'res1_bn1'), 'res1_prelu');
    r = bn(conv2d(r, 'res1_conv2'), 'res1_bn2');
    const trunk = add(head, bn(conv2d(add(head, r), 'trunk_conv'), 'trunk_bn'));
    const up = prelu(shuffle(conv2d(trunk, 'up1_conv')), 'up1_prelu');
    const expected = conv2d(up, 'tail_conv').v.map(Math.tanh);
    const y = g.predict(input) as tf.Tensor;
    expect(y.shape).toEqual([1, 2 * H, 2 * W, c]);
    const got = Array.from(y.dataSync());
    expect(Math.max(...got.map((v, n) => Math.abs(v - expected[n]!)))).toBeLessThan(1e-4);
    expect(Math.max(...expected.map(Math.abs))).toBeGreaterThan(0.1);
    tf.dispose([input, y]);
    g.dispose();
  });

  it('drops every batch norm with batchNorm: false (EDSR/ESRGAN-style blocks)', () => {
    const [f, c, blocks] = [8, 1, 3];
    const g = srresnetGenerator({
      scale: 2,
      channels: c,
      filters: f,
      residualBlocks: blocks,
      batchNorm: false,
    });
    expect(classNames(g)).not.toContain('BatchNormalization');
    const expected =
      conv(9, c, f) +
      f +
      blocks * (2 * conv(3, f, f) + f) +
      conv(3, f, f) +
      (conv(3, f, 4 * f) + f) +
      conv(9, f, c);
    expect(g.countParams()).toBe(expected);
    g.dispose();
  });

  it('upscales any input size by 2 or 4, for any batch, into [-1, 1], without leaks', () => {
    for (const scale of [2, 4] as const) {
      const g = srresnetGenerator({ scale, filters: 4, residualBlocks: 1, channels: 1 });
      const before = tf.memory().numTensors;
      for (const [b, h, w] of [
        [1, 5, 7],
        [3, 8, 8],
        [2, 1, 12],
      ] as const) {
        const y = tf.tidy(() => g.predict(tf.randomNormal([b, h, w, 1], 0, 1, 'float32', 1)) as tf.Tensor);
        expect(y.shape).toEqual([b, h * scale, w * scale, 1]);
        const v = y.dataSync();
        expect(Math.max(...v)).toBeLessThanOrEqual(1);
        expect(Math.min(...v)).toBeGreaterThanOrEqual(-1);
        y.dispose();
      }
      expect(tf.memory().numTensors).toBe(before);
      g.dispose();
    }
  });

  it('with globalSkip, adds the bilinear upscaling of its input (a zero tail gives exactly it) and reloads', async () => {
    const g = srresnetGenerator({
      scale: 4,
      filters: 4,
      residualBlocks: 1,
      batchNorm: false,
      globalSkip: true,
      seed: 3,
    });
    const tail = g.getLayer('tail_conv');
    tail.setWeights(tail.getWeights().map((w) => tf.zerosLike(w)));
    const before = tf.memory().numTensors;
    const lr = tf.randomUniform([2, 5, 7, 3], -1, 1, 'float32', 4);
    const out = g.predict(lr) as tf.Tensor;
    const bilinear = tf.image.resizeBilinear(lr as tf.Tensor4D, [20, 28], false, true);
    expect(out.shape).toEqual([2, 20, 28, 3]);
    const worst = tf.tidy(() => tf.max(tf.abs(tf.sub(out, bilinear))));
    expect(await worst.data()).toEqual(new Float32Array([0]));
    worst.dispose();
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'gankit-srskip-'));
    await saveModel(g, dir);
    const again = await loadModel(dir);
    const out2 = again.predict(lr) as tf.Tensor;
    expect(await out2.data()).toEqual(await out.data());
    tf.dispose([lr, out, bilinear, out2]);
    again.dispose();
    expect(tf.memory().numTensors).toBe(before);
    g.dispose();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('names every bad option', () => {
    const bad: [Parameters<typeof srresnetGenerator>[0], string][] = [
      [{ scale: 3 as 2 }, 'srresnetGenerator: scale must be 2 or 4, got 3'],
      [{ scale: 1 as 2 }, 'srresnetGenerator: scale must be 2 or 4, got 1'],
      [{ channels: 0 }, 'srresnetGenerator: channels must be an integer >= 1, got 0'],
      [{ filters: 2.5 }, 'srresnetGenerator: filters must be an integer >= 1, got 2.5'],
      [{ residualBlocks: -1 }, 'srresnetGenerator: residualBlocks must be an integer >= 1, got -1'],
    ];
    for (const [options, message] of bad) {
      expect(() => srresnetGenerator(options)).toThrow(GanError);
      expect(() => srresnetGenerator(options)).toThrow(message);
    }
  });
});

describe('srganDiscriminator', () => {
  const widths = (b: number) => [b, b, 2 * b, 2 * b, 4 * b, 4 * b, 8 * b, 8 * b];

  it('has the eight convs, two dense layers and one logit per image', () => {
    const [b, size, units] = [8, 32, 16];
    const d = srganDiscriminator({ inputSize: size, channels: 3, baseFilters: b, denseUnits: units });
    const w = widths(b);
    let expected = conv(3, 3, b);
    for (let i = 1; i < 8; i++)
      expected += conv(3, w[i - 1]!, w[i]!, false) + bnTrainable(w[i]!) + bnMoving(w[i]!);
    expected += dense((size / 16) * (size / 16) * 8 * b, units) + dense(units, 1);
    expect(d.countParams()).toBe(expected);
    expect(classNames(d).filter((n) => n === 'Conv2D')).toHaveLength(8);
    expect(classNames(d).filter((n) => n === 'BatchNormalization')).toHaveLength(7);
    const strides = d.layers
      .filter((l) => l.getClassName() === 'Conv2D')
      .map((l) => (l.getConfig().strides as number[])[0]);
    expect(strides).toEqual([1, 2, 1, 2, 1, 2, 1, 2]);
    for (const batch of [1, 3]) {
      const y = tf.tidy(() => d.predict(tf.zeros([batch, size, size, 3])) as tf.Tensor);
      expect(y.shape).toEqual([batch, 1]);
      y.dispose();
    }
    d.dispose();
  });

  it('drops batch norm (biases instead) and wraps every conv and dense in spectral norm on request', () => {
    const [b, size, units] = [2, 16, 4];
    const plain = srganDiscriminator({
      inputSize: size,
      baseFilters: b,
      denseUnits: units,
      batchNorm: false,
    });
    const w = widths(b);
    let expected = conv(3, 3, b);
    for (let i = 1; i < 8; i++) expected += conv(3, w[i - 1]!, w[i]!);
    expected += dense(8 * b, units) + dense(units, 1);
    expect(classNames(plain)).not.toContain('BatchNormalization');
    expect(plain.countParams()).toBe(expected);

    const sn = srganDiscriminator({ inputSize: size, baseFilters: b, denseUnits: units, spectralNorm: true });
    expect(classNames(sn).filter((n) => n === 'SpectralNormalization')).toHaveLength(10);
    // spectral norm adds one u vector of the output width per wrapped layer, not trainable
    const bn = srganDiscriminator({ inputSize: size, baseFilters: b, denseUnits: units });
    const uSizes = w.reduce((n, x) => n + x, 0) + units + 1;
    expect(sn.countParams()).toBe(bn.countParams() + uSizes);
    expect(trainableCount(sn)).toBe(trainableCount(bn));
    for (const m of [plain, sn, bn]) m.dispose();
  });

  it('takes any input size with the global-average-pool head', () => {
    const [b, units] = [2, 4];
    const d = srganDiscriminator({
      head: 'globalAveragePool',
      baseFilters: b,
      denseUnits: units,
      channels: 1,
    });
    expect(d.inputs[0]!.shape).toEqual([null, null, null, 1]);
    expect(classNames(d)).toContain('GlobalAveragePooling2D');
    const w = widths(b);
    let expected = conv(3, 1, b);
    for (let i = 1; i < 8; i++) expected += conv(3, w[i - 1]!, w[i]!, false) + 4 * w[i]!;
    expect(d.countParams()).toBe(expected + dense(8 * b, units) + dense(units, 1));
    for (const [batch, h, wd] of [
      [1, 16, 16],
      [2, 24, 40],
      [3, 7, 9],
    ] as const) {
      const y = tf.tidy(() => d.predict(tf.randomNormal([batch, h, wd, 1], 0, 1, 'float32', 2)) as tf.Tensor);
      expect(y.shape).toEqual([batch, 1]);
      y.dispose();
    }
    const fixed = srganDiscriminator({
      head: 'globalAveragePool',
      inputSize: 20,
      baseFilters: b,
      denseUnits: units,
    });
    expect(fixed.inputs[0]!.shape).toEqual([null, 20, 20, 3]);
    d.dispose();
    fixed.dispose();
  });

  it('names every bad option', () => {
    const bad: [Parameters<typeof srganDiscriminator>[0], string][] = [
      [
        { inputSize: 40 },
        'srganDiscriminator: inputSize must be divisible by 16 (four stride-2 convs), got 40',
      ],
      [{ inputSize: 8 }, 'srganDiscriminator: inputSize must be an integer >= 16, got 8'],
      [{}, "srganDiscriminator: inputSize is required with the 'flatten' head"],
      [
        { inputSize: 32, head: 'max' as 'flatten' },
        "srganDiscriminator: head must be 'flatten' or 'globalAveragePool', got 'max'",
      ],
      [
        { head: 'globalAveragePool', inputSize: 0 },
        'srganDiscriminator: inputSize must be an integer >= 1, got 0',
      ],
      [{ inputSize: 32, channels: 1.5 }, 'srganDiscriminator: channels must be an integer >= 1, got 1.5'],
      [{ inputSize: 32, baseFilters: 0 }, 'srganDiscriminator: baseFilters must be an integer >= 1, got 0'],
      [{ inputSize: 32, denseUnits: -4 }, 'srganDiscriminator: denseUnits must be an integer >= 1, got -4'],
    ];
    for (const [options, message] of bad) {
      expect(() => srganDiscriminator(options)).toThrow(GanError);
      expect(() => srganDiscriminator(options)).toThrow(message);
    }
  });
});

describe('unetGenerator', () => {
  it('has the parameter count of its layers, by hand, for 32x32 at base 4 (depth 5, 1x1 bottleneck)', () => {
    const [b, cin, cout] = [4, 1, 3];
    const g = unetGenerator({ inputSize: 32, inChannels: cin, outChannels: cout, baseFilters: b });
    // encoder C4 (bias, no BN) - C8 - C16 - C32 (BN, no bias) - C32 (innermost: bias, no BN)
    const encoder =
      conv(4, cin, b) +
      conv(4, b, 2 * b, false) +
      4 * 2 * b +
      conv(4, 2 * b, 4 * b, false) +
      4 * 4 * b +
      conv(4, 4 * b, 8 * b, false) +
      4 * 8 * b +
      conv(4, 8 * b, 8 * b);
    // decoder: transposed convs without bias + BN, each output concatenated with the encoder
    // level of its size (so the next input is twice as wide), then a biased convT to the output
    const decoder =
      conv(4, 8 * b, 8 * b, false) +
      4 * 8 * b +
      conv(4, 16 * b, 4 * b, false) +
      4 * 4 * b +
      conv(4, 8 * b, 2 * b, false) +
      4 * 2 * b +
      conv(4, 4 * b, b, false) +
      4 * b +
      conv(4, 2 * b, cout);
    expect(g.countParams()).toBe(encoder + decoder);
    expect(g.getLayer('down5').outputShape).toEqual([null, 1, 1, 8 * b]);
    expect(g.getLayer('up1_skip').outputShape).toEqual([null, 2, 2, 16 * b]);
    g.dispose();
  });

  it('maps [b, s, s, in] to [b, s, s, out] in [-1, 1] for sizes, depths and batches', () => {
    for (const [size, depth] of [
      [8, undefined],
      [32, undefined],
      [64, 3],
      [32, 1],
    ] as const) {
      const g = unetGenerator({
        inputSize: size,
        inChannels: 2,
        outChannels: 3,
        baseFilters: 2,
        ...(depth === undefined ? {} : { depth }),
      });
      const downs = g.layers.filter((l) => /^down\d+$/.test(l.name)).length;
      expect(downs).toBe(depth ?? Math.log2(size));
      for (const batch of [1, 3]) {
        const y = tf.tidy(
          () => g.predict(tf.randomNormal([batch, size, size, 2], 0, 1, 'float32', 3)) as tf.Tensor,
        );
        expect(y.shape).toEqual([batch, size, size, 3]);
        const v = y.dataSync();
        expect(Math.max(...v)).toBeLessThanOrEqual(1);
        expect(Math.min(...v)).toBeGreaterThanOrEqual(-1);
        y.dispose();
      }
      g.dispose();
    }
  });

  it('caps the default depth at 8 levels (the paper 256x256 U-Net) for larger inputs', () => {
    const g = unetGenerator({ inputSize: 512, inChannels: 1, outChannels: 1, baseFilters: 1 });
    expect(g.layers.filter((l) => /^down\d+$/.test(l.name))).toHaveLength(8);
    expect(g.getLayer('down8').outputShape).toEqual([null, 2, 2, 8]);
    g.dispose();
  });

  it('has skips at every level (decoder inputs double) and dropout only in training', () => {
    const g = unetGenerator({ inputSize: 16, inChannels: 1, outChannels: 1, baseFilters: 2, depth: 4 });
    const names = g.layers.map((l) => l.name);
    expect(names.filter((n) => n.endsWith('_skip'))).toHaveLength(3);
    expect(names.filter((n) => n.endsWith('_dropout'))).toHaveLength(3);
    const x = tf.randomNormal([1, 16, 16, 1], 0, 1, 'float32', 1);
    const a = g.predict(x) as tf.Tensor;
    const b = g.predict(x) as tf.Tensor;
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    reseedDropout(g, 5);
    const t1 = g.apply(x, { training: true }) as tf.Tensor;
    reseedDropout(g, 5);
    const t2 = g.apply(x, { training: true }) as tf.Tensor;
    reseedDropout(g, 6);
    const t3 = g.apply(x, { training: true }) as tf.Tensor;
    expect(Array.from(t1.dataSync())).toEqual(Array.from(t2.dataSync()));
    expect(Array.from(t3.dataSync())).not.toEqual(Array.from(t1.dataSync()));
    tf.dispose([x, a, b, t1, t2, t3]);
    g.dispose();
    const none = unetGenerator({ inputSize: 16, inChannels: 1, outChannels: 1, baseFilters: 2, dropout: 0 });
    expect(none.layers.filter((l) => l.name.endsWith('_dropout'))).toHaveLength(0);
    none.dispose();
  });

  it('names every bad option', () => {
    const ok = { inputSize: 16, inChannels: 1, outChannels: 1 };
    const bad: [Parameters<typeof unetGenerator>[0], string][] = [
      [{ ...ok, inputSize: 24 }, 'unetGenerator: inputSize must be a power of two, got 24'],
      [{ ...ok, inputSize: 1 }, 'unetGenerator: inputSize must be an integer >= 2, got 1'],
      [{ ...ok, inputSize: 8, depth: 4 }, 'unetGenerator: depth 4 needs an inputSize of at least 16, got 8'],
      [{ ...ok, depth: 0 }, 'unetGenerator: depth must be an integer >= 1, got 0'],
      [{ ...ok, inChannels: 0 }, 'unetGenerator: inChannels must be an integer >= 1, got 0'],
      [{ ...ok, outChannels: 2.5 }, 'unetGenerator: outChannels must be an integer >= 1, got 2.5'],
      [{ ...ok, baseFilters: -1 }, 'unetGenerator: baseFilters must be an integer >= 1, got -1'],
      [{ ...ok, dropout: 1 }, 'unetGenerator: dropout must be a finite number >= 0 and <= 0.99, got 1'],
    ];
    for (const [options, message] of bad) {
      expect(() => unetGenerator(options)).toThrow(GanError);
      expect(() => unetGenerator(options)).toThrow(message);
    }
  });
});

describe('patchganDiscriminator', () => {
  it('has the parameter count of C64-C128-C256-C512 and a 1-channel conv, by hand (base 4, 3 layers)', () => {
    const [b, ca, cb] = [4, 1, 3];
    const d = patchganDiscriminator({
      inputSize: 32,
      conditionChannels: ca,
      imageChannels: cb,
      baseFilters: b,
    });
    const expected =
      conv(4, ca + cb, b) +
      conv(4, b, 2 * b, false) +
      4 * 2 * b +
      conv(4, 2 * b, 4 * b, false) +
      4 * 4 * b +
      conv(4, 4 * b, 8 * b, false) +
      4 * 8 * b +
      conv(4, 8 * b, 1);
    expect(d.countParams()).toBe(expected);
    const noBn = patchganDiscriminator({
      inputSize: 32,
      conditionChannels: ca,
      imageChannels: cb,
      baseFilters: b,
      batchNorm: false,
    });
    expect(classNames(noBn)).not.toContain('BatchNormalization');
    expect(noBn.countParams()).toBe(
      conv(4, ca + cb, b) +
        conv(4, b, 2 * b) +
        conv(4, 2 * b, 4 * b) +
        conv(4, 4 * b, 8 * b) +
        conv(4, 8 * b, 1),
    );
    const sn = patchganDiscriminator({
      inputSize: 32,
      conditionChannels: ca,
      imageChannels: cb,
      baseFilters: b,
      spectralNorm: true,
    });
    expect(classNames(sn).filter((n) => n === 'SpectralNormalization')).toHaveLength(5);
    expect(sn.countParams()).toBe(expected + b + 2 * b + 4 * b + 8 * b + 1);
    for (const m of [d, noBn, sn]) m.dispose();
  });

  it('judges the image alone with conditionChannels 0 (CycleGAN), one input, parameters by hand', () => {
    const b = 4;
    const d = patchganDiscriminator({
      inputSize: 16,
      conditionChannels: 0,
      imageChannels: 1,
      baseFilters: b,
      layers: 1,
      batchNorm: false,
    });
    expect(d.inputs).toHaveLength(1);
    expect(d.countParams()).toBe(conv(4, 1, b) + conv(4, b, 2 * b) + conv(4, 2 * b, 1));
    const y = tf.tidy(() => d.predict(tf.zeros([2, 16, 16, 1])) as tf.Tensor);
    expect(y.shape).toEqual([2, 8, 8, 1]);
    y.dispose();
    d.dispose();
    expect(() => patchganDiscriminator({ inputSize: 16, conditionChannels: -1, imageChannels: 1 })).toThrow(
      'patchganDiscriminator: conditionChannels must be an integer >= 0, got -1',
    );
  });

  it('gives a ceil(size / 2^layers) map of logits for [A, B] pairs, across batches', () => {
    for (const [size, layers, side] of [
      [32, 3, 4],
      [64, 2, 16],
      [16, 1, 8],
      [24, 3, 3],
    ] as const) {
      const d = patchganDiscriminator({
        inputSize: size,
        conditionChannels: 1,
        imageChannels: 2,
        baseFilters: 2,
        layers,
      });
      for (const batch of [1, 2]) {
        const y = tf.tidy(
          () => d.predict([tf.zeros([batch, size, size, 1]), tf.ones([batch, size, size, 2])]) as tf.Tensor,
        );
        expect(y.shape).toEqual([batch, side, side, 1]);
        y.dispose();
      }
      d.dispose();
    }
  });

  it('sees a 70x70 patch per logit with 3 stride-2 layers (34 with 2, 16 with 1), of both A and B', () => {
    // The receptive field measured from the model: the input pixels on which one interior
    // logit depends are those where its gradient is non-zero (LeakyReLU never zeroes it).
    const size = 96;
    for (const [layers, field] of [
      [1, 16],
      [2, 34],
      [3, 70],
    ] as const) {
      const d = patchganDiscriminator({
        inputSize: size,
        conditionChannels: 1,
        imageChannels: 1,
        baseFilters: 1,
        layers,
        batchNorm: false,
      });
      const side = size / 2 ** layers;
      const inputs = [
        tf.randomNormal([1, size, size, 1], 0, 1, 'float32', 8),
        tf.randomNormal([1, size, size, 1], 0, 1, 'float32', 9),
      ];
      const before = tf.memory().numTensors;
      const grads = tf.grads((a: tf.Tensor, b: tf.Tensor) => {
        const logits = d.apply([a, b]) as tf.Tensor4D;
        return tf.sum(tf.slice(logits, [0, side / 2, side / 2, 0], [1, 1, 1, 1]));
      })(inputs);
      for (const g of grads) {
        const [rows, cols] = tf.tidy(() => {
          const nz = tf.cast(tf.notEqual(tf.squeeze(tf.abs(g), [0, 3]), 0), 'float32');
          const count = (axis: number) =>
            tf.sum(tf.cast(tf.greater(tf.sum(nz, axis), 0), 'int32')).dataSync()[0];
          return [count(1), count(0)];
        });
        expect([rows, cols]).toEqual([field, field]);
      }
      tf.dispose(grads);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose(inputs);
      d.dispose();
    }
  });

  it('names every bad option', () => {
    const ok = { inputSize: 32, conditionChannels: 1, imageChannels: 1 };
    const bad: [Parameters<typeof patchganDiscriminator>[0], string][] = [
      [{ ...ok, inputSize: 4 }, 'patchganDiscriminator: inputSize must be an integer >= 8, got 4'],
      [
        { ...ok, inputSize: 8, layers: 4 },
        'patchganDiscriminator: inputSize must be an integer >= 16, got 8',
      ],
      [{ ...ok, layers: 0 }, 'patchganDiscriminator: layers must be an integer >= 1, got 0'],
      [
        { ...ok, conditionChannels: 0.5 },
        'patchganDiscriminator: conditionChannels must be an integer >= 0, got 0.5',
      ],
      [
        { ...ok, imageChannels: 1.5 },
        'patchganDiscriminator: imageChannels must be an integer >= 1, got 1.5',
      ],
      [{ ...ok, baseFilters: 0 }, 'patchganDiscriminator: baseFilters must be an integer >= 1, got 0'],
    ];
    for (const [options, message] of bad) {
      expect(() => patchganDiscriminator(options)).toThrow(GanError);
      expect(() => patchganDiscriminator(options)).toThrow(message);
    }
  });
});

describe('supervised architectures', () => {
  const small = (): [string, tfl.LayersModel, tf.Tensor | tf.Tensor[]][] => [
    [
      'srresnet',
      srresnetGenerator({ scale: 2, filters: 4, residualBlocks: 2, channels: 3 }),
      tf.randomNormal([2, 6, 6, 3], 0, 1, 'float32', 3),
    ],
    [
      'srresnet x4 no BN',
      srresnetGenerator({ scale: 4, filters: 4, residualBlocks: 1, channels: 1, batchNorm: false }),
      tf.randomNormal([2, 3, 5, 1], 0, 1, 'float32', 3),
    ],
    [
      'srgan D',
      srganDiscriminator({ inputSize: 16, baseFilters: 2, denseUnits: 4 }),
      tf.randomNormal([2, 16, 16, 3], 0, 1, 'float32', 4),
    ],
    [
      'srgan D sn pool',
      srganDiscriminator({
        head: 'globalAveragePool',
        baseFilters: 2,
        denseUnits: 4,
        spectralNorm: true,
        batchNorm: false,
      }),
      tf.randomNormal([2, 12, 20, 3], 0, 1, 'float32', 4),
    ],
    [
      'unet',
      unetGenerator({ inputSize: 16, inChannels: 1, outChannels: 1, baseFilters: 2 }),
      tf.randomNormal([2, 16, 16, 1], 0, 1, 'float32', 5),
    ],
    [
      'patchgan',
      patchganDiscriminator({
        inputSize: 16,
        conditionChannels: 1,
        imageChannels: 1,
        baseFilters: 2,
        layers: 2,
      }),
      [
        tf.randomNormal([2, 16, 16, 1], 0, 1, 'float32', 6),
        tf.randomNormal([2, 16, 16, 1], 0, 1, 'float32', 7),
      ],
    ],
    [
      'patchgan sn',
      patchganDiscriminator({
        inputSize: 16,
        conditionChannels: 2,
        imageChannels: 1,
        baseFilters: 2,
        layers: 1,
        spectralNorm: true,
        batchNorm: false,
      }),
      [
        tf.randomNormal([2, 16, 16, 2], 0, 1, 'float32', 6),
        tf.randomNormal([2, 16, 16, 1], 0, 1, 'float32', 7),
      ],
    ],
  ];

  it('round-trip their topology through JSON unchanged, custom layers found by name', async () => {
    for (const [name, model, input] of small()) {
      const json = model.toJSON(null, false) as tf.serialization.ConfigDict;
      const rebuilt = await tfl.models.modelFromJSON({ modelTopology: json });
      expect(rebuilt.toJSON(null, false), name).toEqual(json);
      expect(classNames(rebuilt), name).toEqual(classNames(model));
      expect(rebuilt.countParams(), name).toBe(model.countParams());
      tf.dispose(input);
      model.dispose();
      rebuilt.dispose();
    }
  });

  it('reload by name from the tfjs format with identical predictions and config', async () => {
    for (const [name, model, input] of small()) {
      const dir = path.join(tmp, name.replace(/\W/g, '_'));
      await saveModel(model, dir);
      const saved = await fs.readFile(path.join(dir, 'model.json'), 'utf8');
      const custom = ['PixelShuffle', 'SpectralNormalization', 'SeededDropout'].filter((c) =>
        classNames(model).includes(c),
      );
      for (const c of custom) expect(saved, name).toContain(`"class_name":"${c}"`);
      const reloaded = await loadModel(dir);
      expect(reloaded.toJSON(null, false), name).toEqual(model.toJSON(null, false));
      const [a, b] = tf.tidy(() => [model.predict(input) as tf.Tensor, reloaded.predict(input) as tf.Tensor]);
      expect(Array.from(await b!.data()), name).toEqual(Array.from(await a!.data()));
      tf.dispose([a!, b!, input]);
      model.dispose();
      reloaded.dispose();
    }
  });

  for (const backend of ['cpu', 'wasm'] as const) {
    it(`train on ${backend}: one SGD step with finite gradients for every weight, no leaks`, async () => {
      await setupBackend({ backend, ...(backend === 'wasm' ? { threads: 1 } : {}) });
      expect(tf.getBackend()).toBe(backend);
      try {
        for (const [name, model, input] of small()) {
          const optimizer = tf.train.sgd(0.01);
          const before = tf.memory().numTensors;
          const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
          const old = vars.map((v) => v.dataSync().slice());
          const { value, grads } = tf.variableGrads(
            () => tf.mean(tf.square(model.apply(input, { training: true }) as tf.Tensor)) as tf.Scalar,
            vars,
          );
          expect(Number.isFinite((await value.data())[0]), name).toBe(true);
          expect(Object.keys(grads), name).toHaveLength(vars.length);
          for (const g of Object.values(grads)) {
            const v = await g.data();
            expect(v.every(Number.isFinite), name).toBe(true);
          }
          optimizer.applyGradients(grads);
          tf.dispose([value, ...Object.values(grads)]);
          expect(tf.memory().numTensors, name).toBe(before);
          const moved = vars.filter((v, i) => v.dataSync().some((x, j) => x !== old[i]![j])).length;
          expect(moved, name).toBe(vars.length);
          for (const v of vars) expect(v.dataSync().every(Number.isFinite), name).toBe(true);
          optimizer.dispose();
          tf.dispose(input);
          model.dispose();
        }
      } finally {
        await setupBackend({ backend: 'cpu' });
      }
    });
  }
});
