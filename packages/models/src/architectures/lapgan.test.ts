import { setupBackend } from '@gankit/backend';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { gaussianUpsample } from '../pyramid/pyramid.js';
import {
  lapganCoarseDiscriminator,
  lapganCoarseGenerator,
  lapganLevelDiscriminator,
  lapganLevelGenerator,
  lapganSampler,
} from './lapgan.js';

beforeAll(async () => {
  await setupBackend({ backend: 'cpu' });
});

const levels = (numClasses?: number) => {
  const c = numClasses === undefined ? {} : { numClasses };
  return [
    lapganCoarseGenerator({ size: 4, channels: 1, latentDim: 6, hidden: [16], name: 'g0', seed: 1, ...c }),
    lapganLevelGenerator({ size: 8, channels: 1, width: 4, name: 'g1', seed: 2, ...c }),
    lapganLevelGenerator({ size: 16, channels: 1, width: 4, name: 'g2', seed: 3, ...c }),
  ];
};

async function roundTrip(model: tfl.LayersModel): Promise<tfl.LayersModel> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return tfl.loadLayersModel(tf.io.fromMemory(artifacts!));
}

describe('LAPGAN networks', () => {
  it('level networks take and give the documented shapes', () => {
    const [g0, g1] = levels(3);
    const d0 = lapganCoarseDiscriminator({ size: 4, channels: 1, hidden: [8], numClasses: 3, name: 'd0' });
    const d1 = lapganLevelDiscriminator({ size: 8, channels: 1, width: 4, numClasses: 3, name: 'd1' });
    expect(g0!.outputs[0]!.shape).toEqual([null, 4, 4, 1]);
    expect(g1!.inputs.map((i) => i.shape)).toEqual([
      [null, 8, 8, 1],
      [null, 8, 8, 1],
      [null, 1],
    ]);
    expect(g1!.outputs[0]!.shape).toEqual([null, 8, 8, 1]);
    expect(d0.outputs[0]!.shape).toEqual([null, 1]);
    expect(d1.inputs).toHaveLength(3);
    expect(d1.outputs[0]!.shape).toEqual([null, 1]);
    for (const m of [g0!, g1!, d0, d1]) m.dispose();
  });

  it('the sampler grows the image coarse to fine: I_k = u(I_{k-1}) + G_k(z_k, u(I_{k-1}))', async () => {
    const gens = levels();
    const sampler = lapganSampler({ generators: gens });
    expect(sampler.inputs[0]!.shape).toEqual([null, 6 + 64 + 256]);
    expect(sampler.outputs[0]!.shape).toEqual([null, 16, 16, 1]);
    const before = tf.memory().numTensors;
    const latent = tf.randomNormal([2, 326], 0, 1, 'float32', 5);
    const [viaSampler, byHand] = tf.tidy(() => {
      const out = sampler.predict(latent) as tf.Tensor4D;
      let image = gens[0]!.predict(tf.slice(latent, [0, 0], [-1, 6])) as tf.Tensor4D;
      let offset = 6;
      for (const [k, s] of [
        [1, 8],
        [2, 16],
      ] as const) {
        const noise = tf.reshape(tf.slice(latent, [0, offset], [-1, s * s]), [2, s, s, 1]);
        offset += s * s;
        const coarse = gaussianUpsample(image);
        image = tf.add(coarse, gens[k]!.predict([noise, coarse]) as tf.Tensor4D);
      }
      return [out, image];
    });
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(viaSampler, byHand))).dataSync()[0]!);
    expect(diff).toBeLessThan(1e-5);
    tf.dispose([viaSampler, byHand, latent]);
    expect(tf.memory().numTensors).toBe(before);
    sampler.dispose();
  });

  it('saves and reloads as one model (custom layers registered), class-conditional and cropped', async () => {
    const sampler = lapganSampler({ generators: levels(3), crop: 2 });
    expect(sampler.outputs[0]!.shape).toEqual([null, 12, 12, 1]);
    const reloaded = await roundTrip(sampler);
    const latent = tf.randomNormal([3, 326], 0, 1, 'float32', 9);
    const labels = tf.tensor2d([0, 1, 2], [3, 1], 'int32');
    const a = sampler.predict([latent, labels]) as tf.Tensor;
    const b = reloaded.predict([latent, labels]) as tf.Tensor;
    expect(Array.from(await b.data())).toEqual(Array.from(await a.data()));
    tf.dispose([latent, labels, a, b]);
    reloaded.dispose();
    sampler.dispose();
  });

  it('refuses levels whose sizes do not double, and bad options, with GanErrors', () => {
    const g0 = lapganCoarseGenerator({ size: 4, channels: 1, hidden: [8], name: 'g0' });
    const g1 = lapganLevelGenerator({ size: 16, channels: 1, width: 4, name: 'g1' });
    expect(() => lapganSampler({ generators: [g0, g1] })).toThrow(
      "lapganSampler: level 1's generator works at 16x16, expected twice level 0's 4x4",
    );
    expect(() => lapganCoarseGenerator({ size: 4, channels: 1, hidden: [], name: 'x' })).toThrow(
      'lapganCoarseGenerator: hidden must list at least one width',
    );
    expect(() => lapganLevelGenerator({ size: 8, channels: 1, numClasses: 1, name: 'x' })).toThrow(
      'lapganLevelGenerator: numClasses must be an integer >= 2, got 1',
    );
    g0.dispose();
    g1.dispose();
  });
});
