import '@tensorflow/tfjs-backend-cpu';
import { GanError, SeededRandom } from '@gankit/core';
import { type CnnEncoderOptions, cnnEncoder, type Encoder } from '@gankit/encoders';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { pairedSyntheticSource } from '../../test/synthetic.js';
import type { Strategy } from '../engine/types.js';
import { type LatentRegularizedStrategyOptions, latentRegularizedStrategy } from './latent-regularized.js';
import type { PairedBatch } from './paired.js';
import { pairedNets } from './test-helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** E of the toy networks' shapes: 8x8x1 images -> 4x4x1 codes (G's input), seeded. */
const encoderOptions: CnnEncoderOptions = {
  inputShape: [8, 8, 1],
  targetShape: [4, 4, 1],
  baseWidth: 2,
  seed: 5,
};

type Extra = Omit<LatentRegularizedStrategyOptions, 'generator' | 'discriminator' | 'encoder' | 'preview'>;

/** The strategy on the seeded toy G and D with the given E; the preview and unused networks are freed. */
function build(
  encoder: LatentRegularizedStrategyOptions['encoder'],
  extra: Extra = {},
): Strategy<PairedBatch> {
  const nets = pairedNets(1);
  for (const n of [nets.encoder, nets.patch, nets.translator]) n.dispose();
  const preview = pairedSyntheticSource([8, 8, 1], 2, 2).next();
  try {
    return latentRegularizedStrategy({
      generator: nets.generator,
      discriminator: nets.discriminator,
      encoder,
      preview,
      ...extra,
    });
  } catch (e) {
    nets.generator.dispose();
    nets.discriminator.dispose();
    throw e;
  } finally {
    tf.dispose([preview.inputs, preview.targets]);
  }
}

/**
 * Runs `steps` seeded steps on the same synthetic batches.
 * @returns each step's losses as numbers, and the live tensor count after each step
 */
async function train(s: Strategy<PairedBatch>, steps: number) {
  const data = pairedSyntheticSource([8, 8, 1], 2, 4);
  const losses: Record<string, number>[] = [];
  const tensors: number[] = [];
  for (let step = 1; step <= steps; step++) {
    const batch = data.next();
    const out = s.trainStep([batch], { step, rng: new SeededRandom(step) });
    const values: Record<string, number> = {};
    for (const [name, t] of Object.entries(out)) values[name] = (await t.data())[0]!;
    losses.push(values);
    tf.dispose([...Object.values(out), batch.inputs, batch.targets]);
    tensors.push(tf.memory().numTensors);
  }
  return { losses, tensors };
}

const weightsOf = async (model: tfl.LayersModel) =>
  Promise.all(model.getWeights().map(async (w) => Array.from(await w.data())));

/** A minimal {@link Encoder} around a model, as a third-party encoder would be. */
function modelEncoder(
  model: tfl.LayersModel,
  trainable: boolean,
  encode: Encoder['encode'] = (x, o = {}) => model.apply(x, { training: o.training ?? false }) as tf.Tensor,
): Encoder {
  return {
    name: model.name,
    model,
    trainable,
    inputSpec: { range: [-1, 1], channels: 1, minSize: 8, size: [8, 8] },
    setTrainable: () => {},
    encode,
    getConfig: () => ({}),
    dispose: () => model.dispose(),
  };
}

describe('latentRegularizedStrategy with an Encoder', () => {
  it('trains seeded steps with finite losses and no leaks, with the same numbers as its bare model', async () => {
    const viaEncoder = build(cnnEncoder(encoderOptions));
    const viaModel = build(cnnEncoder(encoderOptions).model);
    // step 1 creates the optimizers' slots; step 2 must leave the tensor count as it was
    const a = await train(viaEncoder, 2);
    const b = await train(viaModel, 2);
    expect(a.tensors[1]).toBe(a.tensors[0]);
    expect(b.tensors[1]).toBe(b.tensors[0]);
    expect(Object.keys(a.losses[0]!).sort()).toEqual(
      ['d_loss', 'e_hinge', 'e_latent', 'e_loss', 'g_adv', 'g_latent', 'g_loss', 'g_pixel'].sort(),
    );
    for (const v of a.losses.flatMap((l) => Object.values(l))) expect(Number.isFinite(v)).toBe(true);
    expect(a.losses).toEqual(b.losses);
    expect(Object.keys(viaEncoder.optimizers).sort()).toEqual(['discriminator', 'encoder', 'generator']);
    for (const name of ['generator', 'discriminator', 'encoder']) {
      expect(await weightsOf(viaEncoder.networks[name]!)).toEqual(await weightsOf(viaModel.networks[name]!));
    }
    viaEncoder.dispose();
    viaModel.dispose();
  });

  it.each([
    [
      'a frozen cnnEncoder',
      () => {
        const e = cnnEncoder(encoderOptions);
        e.setTrainable(false);
        return { encoder: e as LatentRegularizedStrategyOptions['encoder'], model: e.model };
      },
    ],
    [
      'a frozen bare LayersModel',
      () => {
        const model = cnnEncoder(encoderOptions).model;
        model.trainable = false;
        return { encoder: model as LatentRegularizedStrategyOptions['encoder'], model };
      },
    ],
  ])("never updates %s, while G learns through E's codes", async (_name, make) => {
    const { encoder, model } = make();
    // only the latent term drives G, so G moves only if its gradient flows through E
    const s = build(encoder, { pixelWeight: 0, adversarialWeight: 0, latentWeight: 1 });
    expect(s.networks.encoder).toBe(model); // still checkpointed
    expect(Object.keys(s.optimizers).sort()).toEqual(['discriminator', 'generator']);
    const eBefore = await weightsOf(model);
    const gBefore = await weightsOf(s.networks.generator!);
    const { losses, tensors } = await train(s, 2);
    expect(tensors[1]).toBe(tensors[0]);
    expect(await weightsOf(model)).toEqual(eBefore);
    expect(await weightsOf(s.networks.generator!)).not.toEqual(gBefore);
    const last = losses[1]!;
    expect(Object.keys(last).sort()).toEqual(
      ['d_loss', 'e_hinge', 'e_latent', 'g_adv', 'g_latent', 'g_loss', 'g_pixel'].sort(),
    );
    for (const v of Object.values(last)) expect(Number.isFinite(v)).toBe(true);
    // E's terms are diagnostics taken from the codes of G's step
    expect(last.e_latent).toBe(last.g_latent);
    expect(last.g_loss).toBeCloseTo(last.g_latent!, 6);
    s.dispose();
  });

  it('runs a frozen encoder in inference mode: its batch-norm statistics stay put', async () => {
    const x = tfl.input({ shape: [8, 8, 1] });
    const conv = tfl.layers
      .conv2d({ filters: 1, kernelSize: 3, strides: 2, padding: 'same', kernelInitializer: 'ones' })
      .apply(x) as tfl.SymbolicTensor;
    const model = tfl.model({
      inputs: x,
      outputs: tfl.layers.batchNormalization({ momentum: 0.5 }).apply(conv) as tfl.SymbolicTensor,
    });
    model.trainable = false;
    const s = build(modelEncoder(model, false));
    const before = await weightsOf(model); // kernel, bias, gamma, beta, moving mean and variance
    await train(s, 1);
    expect(await weightsOf(model)).toEqual(before);
    s.dispose();
  });

  it('refuses an encoder that returns a record of taps, naming the option', () => {
    const x = tfl.input({ shape: [8, 8, 1] });
    const code = tfl.layers.averagePooling2d({ poolSize: 2 }).apply(x) as tfl.SymbolicTensor;
    const deep = tfl.layers
      .conv2d({ filters: 2, kernelSize: 3, padding: 'same' })
      .apply(code) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: x, outputs: [code, deep] });
    const taps = modelEncoder(model, true, (images, o = {}) => {
      const [features, block2] = model.apply(images, { training: o.training ?? false }) as tf.Tensor[];
      return { features: features!, block2: block2! };
    });
    const before = tf.memory().numTensors;
    let error: unknown;
    try {
      build(taps);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(GanError);
    expect((error as GanError).code).toBe('INVALID_ARGUMENT');
    expect((error as GanError).message).toBe(
      "latentRegularizedStrategy: encoder must return one tensor (E's code, with the shape of G's input), got a record of taps {features, block2}",
    );
    expect(tf.memory().numTensors).toBe(before);

    // an encoder whose training mode alone returns taps passes the construction probe, not a step
    const sneaky = modelEncoder(model, true, (images, o = {}) =>
      o.training ? taps.encode(images, o) : (model.apply(images) as tf.Tensor[])[0]!,
    );
    const s = build(sneaky);
    const batch = pairedSyntheticSource([8, 8, 1], 2, 4).next();
    expect(() => s.trainStep([batch], { step: 1, rng: new SeededRandom(1) })).toThrow(
      "latentRegularizedStrategy: encoder must return one tensor (E's code, with the shape of G's input), got a record of taps {features, block2}",
    );
    tf.dispose([batch.inputs, batch.targets]);
    s.dispose();
  });
});
