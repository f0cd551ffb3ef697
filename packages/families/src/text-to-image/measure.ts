import { SeededRandom } from '@gankit/core';
import { type CaptionedFashionSplit, toTensorBatch } from '@gankit/data';
import type { CaptionEncoder } from '@gankit/encoders';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { Log } from '../family.js';
import { latentBatch, latentDimOf } from '../shared/sampling.js';
import { judgeImages, poseDistance, scoreJudgement, selectJudgement, type TextFidelity } from './fidelity.js';

/** Options of {@link measureTextToImage}. */
export interface MeasureTextToImageOptions {
  /** Seed of the latents. */
  seed: number;
  /** Test images (and their held-out captions) judged: the first this many. Default all. */
  count?: number;
  log: Log;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const line = (f: TextFidelity) =>
  `class ${pct(f.classAccuracy)}, colour ${pct(f.colourAccuracy)}, both ${pct(f.bothAccuracy)}, hue error ${f.hueErrorDegrees.toFixed(1)} deg`;

/** Columns of an interpolation row: the first caption, six steps between, the second caption. @category Families */
export const INTERPOLATION_STEPS = 8;

/**
 * Rows of one latent each whose columns walk from the first caption's embedding to the second's,
 * `(1 - a) t1 + a t2` for a = 0, 1/7, ..., 1. Returns [rows * 8, h, w, c], row by row; caller owns.
 */
export function interpolationGrid(
  generator: tfl.LayersModel,
  ends: tf.Tensor2D,
  rows: number,
  seed: number,
): tf.Tensor4D {
  return tf.tidy(() => {
    const steps = INTERPOLATION_STEPS;
    const alpha = tf.tensor2d(
      Array.from({ length: steps }, (_, k) => k / (steps - 1)),
      [steps, 1],
    );
    const walk = tf.add(tf.mul(tf.slice(ends, 0, 1), tf.sub(1, alpha)), tf.mul(tf.slice(ends, 1, 1), alpha));
    const latentDim = latentDimOf(generator);
    const z = tf.reshape(tf.tile(tf.expandDims(latentBatch(rows, latentDim, seed), 1), [1, steps, 1]), [
      rows * steps,
      latentDim,
    ]);
    return generator.predict([z, tf.tile(walk, [rows, 1])]) as tf.Tensor4D;
  });
}

/** Consecutive-frame differences along interpolation rows between caption pairs: how evenly the walk moves. */
async function interpolationSmoothness(
  generator: tfl.LayersModel,
  pairs: tf.Tensor2D,
  rows: number,
  seed: number,
): Promise<{ meanStep: number; maxStep: number; endToEnd: number }> {
  const steps = INTERPOLATION_STEPS;
  const diffs = tf.tidy(() => {
    const frames: tf.Tensor[] = [];
    for (let p = 0; p < pairs.shape[0] / 2; p++) {
      const images = interpolationGrid(generator, tf.slice(pairs, 2 * p, 2), rows, seed + p);
      frames.push(tf.reshape(images, [rows, steps, -1]));
    }
    const all = tf.concat(frames); // [pairs * rows, steps, pixels]
    const next = tf.slice(all, [0, 1, 0], [-1, steps - 1, -1]);
    const prev = tf.slice(all, [0, 0, 0], [-1, steps - 1, -1]);
    const step = tf.mean(tf.abs(tf.sub(next, prev)), 2); // [pairs * rows, steps - 1]
    const first = tf.squeeze(tf.slice(all, [0, 0, 0], [-1, 1, -1]), [1]);
    const last = tf.squeeze(tf.slice(all, [0, steps - 1, 0], [-1, 1, -1]), [1]);
    return [tf.mean(step), tf.mean(tf.max(step, 1)), tf.mean(tf.mean(tf.abs(tf.sub(last, first)), 1))];
  });
  const [meanStep, maxStep, endToEnd] = await Promise.all(diffs.map(async (d) => (await d.data())[0]!));
  tf.dispose(diffs);
  return { meanStep: meanStep!, maxStep: maxStep!, endToEnd: endToEnd! };
}

/**
 * The text-to-image numbers of a generator on the test split's held-out phrasings (templates no
 * training caption uses, half the images of a held-out colour and class):
 *
 * - `heldOutPhrasings`: one sample per test image from its held-out caption, judged for the
 *   caption's class (classifier on the stretched luminance) and colour (garment chromaticity);
 *   `baseline`: the same samples judged against the captions of a shuffled order, i.e. a
 *   generator that ignores the text (chance at the data's mix); `real`: the real test images
 *   against their own captions (what the judges can reach).
 * - `seenPhrasings`: the same images' captions in a training phrasing (the cost of new wording).
 * - `heldOutCombinations`: the conditioned scores on the captions of held-out (colour, class) pairs.
 * - `interpolation`: rows walking between pairs of held-out captions (8 columns): mean and
 *   largest consecutive-frame change against the end-to-end change (smooth when the largest
 *   step is near the mean and far below the end-to-end).
 * - `styleTransfer` (with S): shape distance of each test image to G(S(x), t) and to G(z, t)
 *   for its own caption t; style transfer keeps the pose when the first is smaller.
 */
export async function measureTextToImage(
  generator: tfl.LayersModel,
  style: tfl.LayersModel | null,
  encoder: CaptionEncoder,
  test: CaptionedFashionSplit,
  options: MeasureTextToImageOptions,
): Promise<Record<string, unknown>> {
  const { seed, log } = options;
  const records = test.records.slice(0, options.count ?? test.records.length);
  const n = records.length;
  if (n === 0) return {};
  const captions = records.map((r) => r.heldOutCaptions[0] ?? r.captions[0]!);
  const labels = records.map((r) => r.label);
  const colours = records.map((r) => r.colour);
  const text = encoder.encodeText(captions);
  const latentDim = latentDimOf(generator);
  const images = tf.tidy(() => generator.predict([latentBatch(n, latentDim, seed), text]) as tf.Tensor4D);
  const real = toTensorBatch(
    test,
    Array.from({ length: n }, (_, i) => i),
  );
  try {
    const judged = await judgeImages(images);
    const conditioned = scoreJudgement(judged, labels, colours);
    const order = new SeededRandom(seed).shuffle(Array.from({ length: n }, (_, i) => i));
    const baseline = scoreJudgement(
      judged,
      order.map((i) => labels[i]!),
      order.map((i) => colours[i]!),
    );
    const realScores = scoreJudgement(await judgeImages(real.images as tf.Tensor4D), labels, colours);
    // the same test images from a caption in a training phrasing: what the held-out wording costs
    const seenText = encoder.encodeText(records.map((r) => r.captions[0]!));
    const seenImages = tf.tidy(
      () => generator.predict([latentBatch(n, latentDim, seed), seenText]) as tf.Tensor4D,
    );
    const seenPhrasings = scoreJudgement(await judgeImages(seenImages), labels, colours);
    tf.dispose([seenText, seenImages]);
    const held = records.flatMap((r, i) => (r.heldOutCombination ? [i] : []));
    const heldOutCombinations = held.length
      ? scoreJudgement(
          selectJudgement(judged, held),
          held.map((i) => labels[i]!),
          held.map((i) => colours[i]!),
        )
      : null;
    log(`held-out phrasings (${n}): ${line(conditioned)}`);
    log(`  training phrasings of the same images: ${line(seenPhrasings)}`);
    log(`  baseline, text ignored: ${line(baseline)}; real images: ${line(realScores)}`);
    if (heldOutCombinations)
      log(`  held-out colour and class pairs (${held.length}): ${line(heldOutCombinations)}`);
    // pairs of held-out captions of different classes and colours for the walks
    const pairs: number[] = [];
    for (let i = 0; i + 1 < n && pairs.length < 16; i += 2) {
      if (labels[i] !== labels[i + 1] && colours[i] !== colours[i + 1]) pairs.push(i, i + 1);
    }
    const ends = tf.tidy(() => tf.gather(text, tf.tensor1d(pairs, 'int32')) as tf.Tensor2D);
    const interpolation = {
      pairs: pairs.length / 2,
      rows: 4,
      ...(await interpolationSmoothness(generator, ends, 4, seed)),
    };
    ends.dispose();
    log(
      `interpolation (${interpolation.pairs} caption pairs x 4 latents, 8 steps): mean step ${interpolation.meanStep.toFixed(3)}, largest ${interpolation.maxStep.toFixed(3)}, end to end ${interpolation.endToEnd.toFixed(3)}`,
    );
    let styleTransfer: Record<string, number> | null = null;
    if (style) {
      const x = real.images as tf.Tensor4D;
      const transferred = tf.tidy(
        () => generator.predict([style.predict(x) as tf.Tensor, text]) as tf.Tensor4D,
      );
      const random = tf.tidy(
        () => generator.predict([latentBatch(n, latentDim, seed + 1), text]) as tf.Tensor4D,
      );
      styleTransfer = {
        images: n,
        poseDistanceStyle: await poseDistance(x, transferred),
        poseDistanceRandom: await poseDistance(x, random),
      };
      tf.dispose([transferred, random]);
      log(
        `style transfer: shape distance to the style image ${styleTransfer.poseDistanceStyle!.toFixed(3)} with z = S(x), ${styleTransfer.poseDistanceRandom!.toFixed(3)} with a random z`,
      );
    }
    return {
      textToImage: {
        heldOutPhrasings: { conditioned, baseline, real: realScores },
        seenPhrasings,
        heldOutCombinations,
        interpolation,
        ...(styleTransfer ? { styleTransfer } : {}),
      },
    };
  } finally {
    tf.dispose([text, images, real.images, real.labels]);
  }
}
