import '@tensorflow/tfjs-backend-cpu';
import { GanError, SeededRandom } from '@gankit/core';
import { type ContentLoss, l1Loss, l2Loss, resolveLoss } from '@gankit/losses';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { pairedSyntheticSource } from '../../test/synthetic.js';
import { type SrganStrategyOptions, srganStrategy } from './srgan.js';
import { pairedNets } from './test-helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/**
 * One seeded SRGAN step (D on, no pre-training) on the toy networks of seed 2 with the given
 * content term; checks that no tensors leak.
 * @returns the step's losses as numbers
 */
async function oneStep(content: SrganStrategyOptions['content']): Promise<Record<string, number>> {
  const nets = pairedNets(2);
  for (const n of [nets.encoder, nets.patch, nets.translator]) n.dispose();
  const data = pairedSyntheticSource([8, 8, 1], 2, 4);
  const preview = data.next();
  const s = srganStrategy({
    generator: nets.generator,
    discriminator: nets.discriminator,
    ...(content === undefined ? {} : { content }),
    preview,
  });
  const batch = data.next();
  const before = tf.memory().numTensors;
  const out = s.trainStep([batch], { step: 1, rng: new SeededRandom(0) });
  const values: Record<string, number> = {};
  for (const [name, t] of Object.entries(out)) values[name] = (await t.data())[0]!;
  tf.dispose(Object.values(out));
  // what remains is the optimizers' new slots (Adam: two moments per variable)
  const slots = Object.values(s.networks).reduce((n, m) => n + 2 * m.trainableWeights.length, 0);
  expect(tf.memory().numTensors - before).toBe(slots);
  tf.dispose([preview.inputs, preview.targets, batch.inputs, batch.targets]);
  s.dispose();
  return values;
}

describe('srganStrategy content term', () => {
  it("gives identical numbers for 'l2', the deprecated 'mse' and the default", async () => {
    const l2 = await oneStep('l2');
    expect(Object.keys(l2).sort()).toEqual(['d_loss', 'g_adv', 'g_content', 'g_loss']);
    for (const v of Object.values(l2)) expect(Number.isFinite(v)).toBe(true);
    expect(await oneStep('mse')).toEqual(l2);
    expect(await oneStep(undefined)).toEqual(l2);
    expect(await oneStep('l1')).not.toEqual(l2);
  });

  it('takes a content loss function (prediction, target) => tf.Scalar', async () => {
    expect(await oneStep(l1Loss)).toEqual(await oneStep('l1'));
    expect(await oneStep(resolveLoss('l2', 'content'))).toEqual(await oneStep('l2'));
    const doubled: ContentLoss = (prediction, target) => tf.mul(2, l2Loss(prediction, target));
    const l2 = await oneStep('l2');
    const custom = await oneStep(doubled);
    expect(custom.g_content).toBeCloseTo(2 * l2.g_content!, 6);
    expect(custom.d_loss).toBe(l2.d_loss); // D's step comes first and does not see the content term
  });

  it('names a content loss function that returns no scalar, and an unknown content term', () => {
    const nets = pairedNets(2);
    for (const n of [nets.encoder, nets.patch, nets.translator, nets.discriminator]) n.dispose();
    const data = pairedSyntheticSource([8, 8, 1], 2, 4);
    const preview = data.next();
    const s = srganStrategy({
      generator: nets.generator,
      content: (prediction, target) => tf.abs(tf.sub(prediction, target)) as tf.Scalar,
      preview,
    });
    const batch = data.next();
    expect(() => s.trainStep([batch], { step: 1, rng: new SeededRandom(0) })).toThrow(
      new GanError(
        'SHAPE_MISMATCH',
        'srganStrategy: the content loss function must return a scalar, got shape [4, 8, 8, 1]',
      ),
    );
    expect(() => srganStrategy({ generator: nets.generator, content: 'vgg' as never, preview })).toThrow(
      `srganStrategy: content must be 'l1', 'l2', a content loss function (prediction, target) => tf.Scalar or { kind: 'perceptual', extractor }, got "vgg"`,
    );
    tf.dispose([preview.inputs, preview.targets, batch.inputs, batch.targets]);
    s.dispose();
  });
});
