import { dcganDiscriminator, dcganGenerator } from '../packages/models/src/architectures/dcgan.js';
import { BENCH_SHAPE, type DcganShape } from './flops.js';
import { type TfCore, type TfLayers, tf } from './tf.js';

type Tensor = TfCore.Tensor;
type Variable = TfCore.Variable;

/** A DCGAN with its two Adam optimizers and a fixed batch of "real" images. */
export interface DcganBench {
  g: TfLayers.LayersModel;
  d: TfLayers.LayersModel;
  /** One D update then one G update; resolves once both losses are read back. */
  step(): Promise<{ dLoss: number; gLoss: number }>;
  /** G(z) for a batch of 64 in inference mode, read back. */
  generate(): Promise<void>;
  dispose(): void;
}

// Non-saturating GAN loss on logits: mean(softplus(-l)) for label 1, mean(softplus(l)) for 0,
// in the overflow-safe form max(l,0) - l*y + log1p(exp(-|l|)).
function sigmoidCrossEntropy(logits: Tensor, label: 0 | 1): TfCore.Scalar {
  return tf.tidy(() =>
    tf.mean(tf.add(tf.sub(tf.relu(logits), tf.mul(logits, label)), tf.log1p(tf.exp(tf.neg(tf.abs(logits)))))),
  );
}

function variablesOf(model: TfLayers.LayersModel): Variable[] {
  // LayerVariable.read() returns the tf.Variable itself
  return model.trainableWeights.map((w) => w.read() as Variable);
}

/**
 * Builds the benchmark DCGAN with @gankit/models' architectures: G = dense(100 -> 7*7*128) - BN -
 * ReLU - reshape - convT(128->64, k4 s2) - BN - ReLU - convT(64->1, k4 s2) - tanh; D = conv(1->64,
 * k4 s2) - LReLU(0.2) - conv(64->128, k4 s2) - LReLU(0.2) - flatten - dense(1). Adam(2e-4, 0.5).
 */
export function buildDcganBench(shape: DcganShape = BENCH_SHAPE, seed = 1): DcganBench {
  const g = dcganGenerator({
    imageSize: shape.imageSize,
    channels: shape.channels,
    latentDim: shape.latentDim,
    baseWidth: shape.baseWidth,
    seed,
  });
  const d = dcganDiscriminator({
    imageSize: shape.imageSize,
    channels: shape.channels,
    baseWidth: shape.baseWidth,
    seed: seed + 1,
  });
  const optG = tf.train.adam(2e-4, 0.5);
  const optD = tf.train.adam(2e-4, 0.5);
  const gVars = variablesOf(g);
  const dVars = variablesOf(d);
  const real = tf.randomUniform(
    [shape.batch, shape.imageSize, shape.imageSize, shape.channels],
    -1,
    1,
    'float32',
    seed,
  );
  let noiseSeed = seed * 1000;
  const noise = () => tf.randomNormal([shape.batch, shape.latentDim], 0, 1, 'float32', noiseSeed++);

  async function step() {
    const z = noise();
    // D update: the fake batch is computed outside the tape (G gets no gradient here)
    const fake = tf.tidy(() => g.apply(z, { training: true }) as Tensor);
    const dLoss = optD.minimize(
      () => {
        const realLogits = d.apply(real, { training: true }) as Tensor;
        const fakeLogits = d.apply(fake, { training: true }) as Tensor;
        return tf.add(sigmoidCrossEntropy(realLogits, 1), sigmoidCrossEntropy(fakeLogits, 0));
      },
      true,
      dVars,
    );
    // G update: non-saturating loss, gradients for G's variables only
    const gLoss = optG.minimize(
      () => sigmoidCrossEntropy(d.apply(g.apply(z, { training: true }), { training: true }) as Tensor, 1),
      true,
      gVars,
    );
    if (!dLoss || !gLoss) throw new Error('dcgan step: minimize returned no loss');
    const [dv, gv] = await Promise.all([dLoss.data(), gLoss.data()]);
    tf.dispose([z, fake, dLoss, gLoss]);
    return { dLoss: dv[0] ?? Number.NaN, gLoss: gv[0] ?? Number.NaN };
  }

  async function generate() {
    const z = noise();
    const images = g.predict(z) as Tensor;
    await images.data();
    tf.dispose([z, images]);
  }

  return {
    g,
    d,
    step,
    generate,
    dispose() {
      g.dispose();
      d.dispose();
      optG.dispose();
      optD.dispose();
      real.dispose();
    },
  };
}
