import { SeededRandom } from '../packages/core/src/random/seeded-random.js';
import { SRGAN_VGG_TAP, vgg19 } from '../packages/encoders/src/index.js';
import {
  srganDiscriminator,
  srresnetGenerator,
} from '../packages/models/src/architectures/super-resolution.js';
import type { PairedBatch, Strategy } from '../packages/trainers/src/index.js';
import { srganStrategy } from '../packages/trainers/src/index.js';
import { type TfCore, tf } from './tf.js';

/** Sizes of the SRGAN benchmark step. */
export interface SrganShape {
  batch: number;
  /** Side of the high-resolution crops. */
  hrSize: number;
  scale: 2 | 4;
  filters: number;
  residualBlocks: number;
}

/** Ledig et al.'s training step: 16 crops of 96x96, x4, 16 residual blocks of 64 filters. */
export const SR_BENCH_SHAPE: SrganShape = {
  batch: 16,
  hrSize: 96,
  scale: 4,
  filters: 64,
  residualBlocks: 16,
};

/** SRGAN's networks and strategy with a fixed batch of crops. */
export interface SrganBench {
  /** One D update then one G update (VGG19 conv5_4 content + 1e-3 adversarial); losses read back. */
  step(): Promise<{ dLoss: number; gLoss: number }>;
  dispose(): void;
}

/**
 * Builds the SRGAN benchmark with gankit's own parts: `srresnetGenerator`, `srganDiscriminator`
 * (flatten head, dense 1024), a frozen VGG19 tapped at conv5_4 (random weights: the cost is the
 * same as with ImageNet's) and `srganStrategy` with Adam(1e-4, 0.9, 0.999).
 */
export function buildSrganBench(shape: SrganShape = SR_BENCH_SHAPE, seed = 1): SrganBench {
  const lrSize = shape.hrSize / shape.scale;
  const generator = srresnetGenerator({
    scale: shape.scale,
    filters: shape.filters,
    residualBlocks: shape.residualBlocks,
    seed,
  });
  const discriminator = srganDiscriminator({ inputSize: shape.hrSize, seed: seed + 1 });
  const vgg = vgg19({ taps: SRGAN_VGG_TAP, seed: seed + 2 });
  const batch: PairedBatch = {
    inputs: tf.randomUniform([shape.batch, lrSize, lrSize, 3], -1, 1, 'float32', seed) as TfCore.Tensor4D,
    targets: tf.randomUniform(
      [shape.batch, shape.hrSize, shape.hrSize, 3],
      -1,
      1,
      'float32',
      seed + 1,
    ) as TfCore.Tensor4D,
  };
  const first = (x: TfCore.Tensor4D) => tf.slice(x, [0, 0, 0, 0], [1, -1, -1, -1]);
  const preview = { inputs: first(batch.inputs), targets: first(batch.targets) };
  const strategy: Strategy<PairedBatch> = srganStrategy({
    generator,
    discriminator,
    content: { kind: 'perceptual', extractor: vgg },
    optimizer: { learningRate: 1e-4, beta1: 0.9, beta2: 0.999 },
    preview,
  });
  tf.dispose([preview.inputs, preview.targets]);
  const rng = new SeededRandom(seed);
  let stepCount = 0;

  async function step() {
    stepCount += 1;
    const losses = strategy.trainStep([batch], { step: stepCount, rng });
    const d = losses.d_loss;
    const g = losses.g_loss;
    if (!d || !g) throw new Error('srgan step: the strategy returned no d_loss or g_loss');
    const [dv, gv] = await Promise.all([d.data(), g.data()]);
    tf.dispose(Object.values(losses));
    return { dLoss: dv[0] ?? Number.NaN, gLoss: gv[0] ?? Number.NaN };
  }

  return {
    step,
    dispose() {
      strategy.dispose();
      vgg.dispose();
      tf.dispose([batch.inputs, batch.targets]);
    },
  };
}
