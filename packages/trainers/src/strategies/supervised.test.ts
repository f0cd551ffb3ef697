import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { pairedSyntheticSource } from '../../test/synthetic.js';
import { Trainer } from '../engine/trainer.js';
import { latentRegularizedStrategy } from './latent-regularized.js';
import type { PairedBatch } from './paired.js';
import { pix2pixStrategy } from './pix2pix.js';
import { srganStrategy } from './srgan.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const init = (seed: number) => tfl.initializers.glorotUniform({ seed });
const sym = (layer: tfl.layers.Layer, x: tfl.SymbolicTensor | tfl.SymbolicTensor[]) =>
  layer.apply(x) as tfl.SymbolicTensor;

function toyNets(seed: number) {
  const z = tfl.input({ shape: [4, 4, 1] });
  const h = sym(
    tfl.layers.conv2d({
      filters: 8,
      kernelSize: 3,
      padding: 'same',
      activation: 'relu',
      kernelInitializer: init(seed),
    }),
    z,
  );
  const up = sym(tfl.layers.upSampling2d({ size: [2, 2] }), h);
  const generator = tfl.model({
    inputs: z,
    outputs: sym(
      tfl.layers.conv2d({ filters: 1, kernelSize: 3, padding: 'same', kernelInitializer: init(seed + 1) }),
      up,
    ),
  });
  const y = tfl.input({ shape: [8, 8, 1] });
  const discriminator = tfl.model({
    inputs: y,
    outputs: sym(
      tfl.layers.dense({ units: 1, kernelInitializer: init(seed + 2) }),
      sym(tfl.layers.flatten(), y),
    ),
  });
  const e = tfl.input({ shape: [8, 8, 1] });
  const eh = sym(
    tfl.layers.conv2d({
      filters: 8,
      kernelSize: 3,
      strides: 2,
      padding: 'same',
      activation: 'relu',
      kernelInitializer: init(seed + 3),
    }),
    e,
  );
  const encoder = tfl.model({
    inputs: e,
    outputs: sym(
      tfl.layers.conv2d({ filters: 1, kernelSize: 3, padding: 'same', kernelInitializer: init(seed + 4) }),
      eh,
    ),
  });
  return { generator, discriminator, encoder };
}

const preview = (): PairedBatch => pairedSyntheticSource([8, 8, 1], 2, 3).next();

/** Spread of E's codes across a batch of different images: mean over positions of the batch std. */
function codeSpread(encoder: tfl.LayersModel, images: tf.Tensor4D): number {
  return tf.tidy(() => {
    const codes = encoder.predict(images) as tf.Tensor;
    const { variance } = tf.moments(codes, 0);
    return tf.mean(tf.sqrt(variance)).dataSync()[0]!;
  });
}

describe('latentRegularizedStrategy', () => {
  it('logs every term, and each total is the weighted sum of its terms', async () => {
    const p = preview();
    const s = latentRegularizedStrategy({
      ...toyNets(1),
      preview: p,
      pixelWeight: 2,
      latentWeight: 0.5,
      lipschitzWeight: 3,
      lipschitzK: 0.25,
      adversarialWeight: 0.1,
    });
    tf.dispose([p.inputs, p.targets]);
    const { lastLosses: l } = await new Trainer({
      strategy: s,
      data: pairedSyntheticSource([8, 8, 1], 2, 4),
      steps: 2,
    }).fit();
    expect(Object.keys(l).sort()).toEqual(
      ['d_loss', 'e_hinge', 'e_latent', 'e_loss', 'g_adv', 'g_latent', 'g_loss', 'g_pixel'].sort(),
    );
    expect(l.e_loss).toBeCloseTo(l.e_latent! + 3 * l.e_hinge!, 5);
    expect(l.g_loss).toBeCloseTo(0.1 * l.g_adv! + 2 * l.g_pixel! + 0.5 * l.g_latent!, 5);
    expect(l.e_hinge).toBeGreaterThan(0);
    s.dispose();
  });

  it('keeps E from collapsing with the Lipschitz hinge; without it E collapses', async () => {
    const probe = pairedSyntheticSource([8, 8, 1], 2, 16).next();
    const run = async (lipschitzWeight: number) => {
      const p = preview();
      const nets = toyNets(3);
      const s = latentRegularizedStrategy({
        ...nets,
        preview: p,
        lipschitzWeight,
        lipschitzK: 1,
        optimizer: { learningRate: 5e-3, beta1: 0.5 },
      });
      tf.dispose([p.inputs, p.targets]);
      const before = codeSpread(nets.encoder, probe.targets);
      await new Trainer({
        strategy: s,
        data: pairedSyntheticSource([8, 8, 1], 2, 8),
        steps: 60,
        seed: 1,
      }).fit();
      const after = codeSpread(nets.encoder, probe.targets);
      s.dispose();
      return after / before;
    };
    const withHinge = await run(10);
    const without = await run(0);
    expect(without).toBeLessThan(0.1);
    expect(withHinge).toBeGreaterThan(0.5);
    tf.dispose([probe.inputs, probe.targets]);
  });

  it("names an encoder whose output is not G's input shape", () => {
    const nets = toyNets(1);
    const y = tfl.input({ shape: [8, 8, 1] });
    const wrong = tfl.model({ inputs: y, outputs: sym(tfl.layers.flatten(), y) });
    const p = preview();
    expect(() => latentRegularizedStrategy({ ...nets, encoder: wrong, preview: p })).toThrow(
      "latentRegularizedStrategy: the encoder's output [64] must have the shape of G's input [4, 4, 1]",
    );
    tf.dispose([p.inputs, p.targets]);
    for (const n of [nets.generator, nets.discriminator, nets.encoder, wrong]) n.dispose();
  });
});

describe('srganStrategy', () => {
  it('pre-trains G on MSE alone, then adds D and the adversarial term', async () => {
    const p = preview();
    const { generator, discriminator, encoder } = toyNets(2);
    encoder.dispose();
    const s = srganStrategy({ generator, discriminator, pretrainSteps: 2, preview: p });
    tf.dispose([p.inputs, p.targets]);
    const seen: string[][] = [];
    await new Trainer({
      strategy: s,
      data: pairedSyntheticSource([8, 8, 1], 2, 4),
      steps: 3,
      callbacks: [{ name: 'keys', onStepEnd: (_c, losses) => void seen.push(Object.keys(losses).sort()) }],
    }).fit();
    expect(seen[0]).toEqual(['g_content', 'g_loss']);
    expect(seen[1]).toEqual(['g_content', 'g_loss']);
    expect(seen[2]).toEqual(['d_loss', 'g_adv', 'g_content', 'g_loss']);
    s.dispose();
  });
});

describe('pix2pixStrategy', () => {
  it("halves D's loss and adds lambda * L1 to G's, as Isola et al.", async () => {
    const a = tfl.input({ shape: [8, 8, 1] });
    const b = tfl.input({ shape: [8, 8, 1] });
    const generator = tfl.model({
      inputs: a,
      outputs: sym(
        tfl.layers.conv2d({ filters: 1, kernelSize: 3, padding: 'same', kernelInitializer: init(5) }),
        a,
      ),
    });
    const discriminator = tfl.model({
      inputs: [a, b],
      outputs: sym(
        tfl.layers.conv2d({
          filters: 1,
          kernelSize: 4,
          strides: 2,
          padding: 'same',
          kernelInitializer: init(6),
        }),
        sym(tfl.layers.concatenate(), [a, b]),
      ),
    });
    const data = pairedSyntheticSource([8, 8, 1], 1, 4);
    const batch = data.next();
    // the expected D loss, computed before the step changes anything
    const expectedD = tf.tidy(() => {
      const real = discriminator.predict([batch.inputs, batch.targets]) as tf.Tensor;
      const fake = discriminator.predict([
        batch.inputs,
        generator.predict(batch.inputs) as tf.Tensor,
      ]) as tf.Tensor;
      return (
        0.5 * (tf.mean(tf.softplus(tf.neg(real))).dataSync()[0]! + tf.mean(tf.softplus(fake)).dataSync()[0]!)
      );
    });
    const s = pix2pixStrategy({ generator, discriminator, l1Weight: 7, preview: batch });
    const losses = s.trainStep([batch], { step: 1, rng: new (await import('@gankit/core')).SeededRandom(0) });
    const v = Object.fromEntries(Object.entries(losses).map(([k, t]) => [k, t.dataSync()[0]!]));
    expect(v.d_loss).toBeCloseTo(expectedD, 5);
    expect(v.g_loss).toBeCloseTo(v.g_adv! + 7 * v.g_l1!, 5);
    tf.dispose([...Object.values(losses), batch.inputs, batch.targets]);
    s.dispose();
  });
});
