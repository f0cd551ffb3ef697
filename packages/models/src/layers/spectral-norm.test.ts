import '@tensorflow/tfjs-backend-cpu';
import { GanError } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { type SpectralNormalization, spectralNormalization } from './spectral-norm.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Largest singular value of a row-major [rows, cols] matrix, by 500 power iterations in plain JS. */
function topSingularValue(m: Float32Array | number[], rows: number, cols: number): number {
  let v = Array.from({ length: cols }, (_, i) => 1 + ((i * 7) % 5));
  let sigma = 0;
  for (let it = 0; it < 500; it++) {
    const u = Array.from({ length: rows }, (_, r) => v.reduce((s, vc, c) => s + m[r * cols + c]! * vc, 0));
    const nu = Math.hypot(...u);
    const w = Array.from(
      { length: cols },
      (_, c) => u.reduce((s, ur, r) => s + m[r * cols + c]! * ur, 0) / nu,
    );
    sigma = Math.hypot(...w);
    v = w.map((x) => x / sigma);
  }
  return sigma;
}

async function saveArtifacts(model: tfl.LayersModel): Promise<tf.io.ModelArtifacts> {
  return new Promise((resolve) => {
    void model.save({
      save: async (a) => {
        resolve(a);
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      },
    });
  });
}

const kernelInit = (seed: number) => tfl.initializers.glorotNormal({ seed });

describe('SpectralNormalization', () => {
  it('divides a Dense kernel by its largest singular value (power iteration converges)', () => {
    const sn = spectralNormalization({
      layer: tfl.layers.dense({ units: 4, kernelInitializer: kernelInit(1), biasInitializer: 'ones' }),
      seed: 3,
    });
    const x = tf.randomNormal([5, 6], 0, 1, 'float32', 2);
    for (let i = 0; i < 30; i++) tf.dispose(sn.apply(x, { training: true }) as tf.Tensor);
    const kernel = sn.layer.getWeights()[0]!;
    const sigmaTrue = topSingularValue(kernel.dataSync() as Float32Array, 6, 4);
    const sigma = sn.spectralNorm();
    expect(sigma.dataSync()[0]!).toBeCloseTo(sigmaTrue, 4);
    // inference output = x (W / sigma) + b, computed in plain JS
    const y = sn.apply(x, { training: false }) as tf.Tensor;
    const xs = x.dataSync();
    const ks = kernel.dataSync();
    const expected: number[] = [];
    for (let r = 0; r < 5; r++) {
      for (let c = 0; c < 4; c++) {
        let s = 1;
        for (let k = 0; k < 6; k++) s += (xs[r * 6 + k]! * ks[k * 4 + c]!) / sigmaTrue;
        expected.push(s);
      }
    }
    for (const [i, v] of Array.from(y.dataSync()).entries()) expect(v).toBeCloseTo(expected[i]!, 4);
    tf.dispose([x, sigma, y]);
    sn.dispose();
  });

  it('updates u only in training mode, keeps it non-trainable and leaks no tensors', () => {
    const sn = spectralNormalization({
      layer: tfl.layers.dense({ units: 3, kernelInitializer: kernelInit(4) }),
      seed: 1,
    });
    const x = tf.ones([2, 5]);
    tf.dispose(sn.apply(x) as tf.Tensor); // builds
    expect(sn.trainableWeights.map((w) => w.originalName.split('/').pop())).toEqual(['kernel', 'bias']);
    expect(sn.nonTrainableWeights.map((w) => w.originalName.split('/').pop())).toEqual(['sn_u']);
    const u0 = Array.from(sn.nonTrainableWeights[0]!.read().dataSync());
    const before = tf.memory().numTensors;
    tf.dispose(sn.apply(x, { training: false }) as tf.Tensor);
    expect(Array.from(sn.nonTrainableWeights[0]!.read().dataSync())).toEqual(u0);
    tf.dispose(sn.apply(x, { training: true }) as tf.Tensor);
    expect(Array.from(sn.nonTrainableWeights[0]!.read().dataSync())).not.toEqual(u0);
    expect(tf.memory().numTensors).toBe(before);
    sn.trainable = false;
    expect(sn.trainableWeights).toEqual([]);
    expect(sn.layer.trainable).toBe(false);
    x.dispose();
    sn.dispose();
  });

  it('has the exact gradient of W / ||u W^T|| in inference mode (finite differences)', () => {
    const sn = spectralNormalization({
      layer: tfl.layers.dense({ units: 3, kernelInitializer: kernelInit(5) }),
      seed: 2,
    });
    const x = tf.randomNormal([4, 3], 0, 1, 'float32', 9);
    const target = tf.randomNormal([4, 3], 0, 1, 'float32', 10);
    tf.dispose(sn.apply(x) as tf.Tensor);
    const kernelVar = sn.layer.trainableWeights[0]!.read() as tf.Variable;
    const loss = () =>
      tf.sum(tf.square(tf.sub(sn.apply(x, { training: false }) as tf.Tensor, target))) as tf.Scalar;
    const { grads } = tf.variableGrads(loss, [kernelVar]);
    const g = grads[kernelVar.name]!.dataSync();
    const w0 = kernelVar.dataSync().slice();
    const h = 1e-3;
    for (const i of [0, 4, 8]) {
      const at = (d: number) => {
        const w = w0.slice();
        w[i]! += d;
        kernelVar.assign(tf.tensor(w, kernelVar.shape));
        return tf.tidy(() => loss().dataSync()[0]!);
      };
      const fd = (at(h) - at(-h)) / (2 * h);
      expect(g[i]!).toBeCloseTo(fd, 2);
    }
    kernelVar.assign(tf.tensor(w0, kernelVar.shape));
    tf.dispose([x, target, ...Object.values(grads)]);
    sn.dispose();
  });

  it('wraps Conv2D and Conv2DTranspose in a Sequential model, and reloads by name with u intact', async () => {
    const model = tfl.sequential({
      layers: [
        spectralNormalization({
          layer: tfl.layers.conv2d({
            inputShape: [6, 6, 2],
            filters: 4,
            kernelSize: 3,
            strides: 2,
            padding: 'same',
            kernelInitializer: kernelInit(1),
          }),
          seed: 1,
        }),
        tfl.layers.leakyReLU({ alpha: 0.2 }),
        spectralNormalization({
          layer: tfl.layers.conv2dTranspose({
            filters: 2,
            kernelSize: 3,
            strides: 2,
            padding: 'same',
            kernelInitializer: kernelInit(2),
          }),
          seed: 2,
        }),
        tfl.layers.flatten(),
        spectralNormalization({
          layer: tfl.layers.dense({ units: 1, kernelInitializer: kernelInit(3) }),
          seed: 3,
        }),
      ],
    });
    expect(model.outputs[0]!.shape).toEqual([null, 1]);
    const x = tf.randomNormal([3, 6, 6, 2], 0, 1, 'float32', 4);
    for (let i = 0; i < 3; i++) tf.dispose(model.apply(x, { training: true }) as tf.Tensor);
    // the transposed conv's kernel [3, 3, out=2, in=4] is normalised with its output channels as columns
    const convT = model.layers[2] as SpectralNormalization;
    for (let i = 0; i < 50; i++)
      tf.dispose(convT.apply(tf.zeros([1, 3, 3, 4]), { training: true }) as tf.Tensor);
    const kT = convT.layer.getWeights()[0]!;
    const asMatrix = tf.reshape(tf.transpose(kT, [0, 1, 3, 2]), [36, 2]);
    const sigmaT = convT.spectralNorm();
    expect(sigmaT.dataSync()[0]!).toBeCloseTo(
      topSingularValue(asMatrix.dataSync() as Float32Array, 36, 2),
      4,
    );

    const saved = await saveArtifacts(model);
    const topology = JSON.stringify(saved.modelTopology);
    expect(topology).toContain('"class_name":"SpectralNormalization"');
    expect(saved.weightSpecs!.filter((s) => s.name.endsWith('sn_u'))).toHaveLength(3);
    const again = await tfl.loadLayersModel({ load: async () => saved });
    const uBefore = model.getWeights().map((w) => Array.from(w.dataSync()));
    const uAfter = again.getWeights().map((w) => Array.from(w.dataSync()));
    expect(uAfter).toEqual(uBefore);
    const a = model.predict(x) as tf.Tensor;
    const b = again.predict(x) as tf.Tensor;
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    tf.dispose([x, a, b, asMatrix, sigmaT]);
    model.dispose();
    again.dispose();
  });

  it('refuses what it cannot wrap', () => {
    expect(() => spectralNormalization({ layer: {} as tfl.layers.Layer })).toThrow(GanError);
    expect(() =>
      spectralNormalization({ layer: tfl.layers.dense({ units: 1 }), powerIterations: 0 }),
    ).toThrow('spectralNormalization: powerIterations must be an integer >= 1, got 0');
    const noKernel = spectralNormalization({ layer: tfl.layers.flatten() });
    expect(() => noKernel.apply(tf.zeros([1, 2, 2]))).toThrow(/Flatten has no kernel to normalise/);
  });
});
