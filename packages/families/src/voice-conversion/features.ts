import { SeededRandom, type SeededRandomState } from '@gankit/core';
import { griffinLim, type MelOptions, melToMagnitude } from '@gankit/data';
import type { BatchSource, UnpairedBatch } from '@gankit/trainers';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { Utterance } from './corpus.js';

export type { Utterance } from './corpus.js';

/**
 * How log-mel values map to the networks' [-1, 1]: `floor` (the log of the spectrogram's
 * smallest magnitude, silence) to -1 and `ceiling` to 1, linearly, clipped.
 */
export interface SpectrogramScale {
  melBins: number;
  floor: number;
  ceiling: number;
}

/** Natural-log mel values [..] to the networks' range. */
export const normalize = (logMel: tf.Tensor, s: SpectrogramScale) =>
  tf.clipByValue(tf.sub(tf.mul(tf.sub(logMel, s.floor), 2 / (s.ceiling - s.floor)), 1), -1, 1);

/** The networks' range back to natural-log mel values. */
export const denormalize = (x: tf.Tensor, s: SpectrogramScale) =>
  tf.add(tf.mul(tf.add(x, 1), (s.ceiling - s.floor) / 2), s.floor);

/** An utterance as one normalized spectrogram image [1, melBins, frames, 1]. */
export function spectrogramImage(u: Utterance, s: SpectrogramScale): tf.Tensor4D {
  return tf.tidy(() => normalize(tf.tensor4d(u.logMel, [1, s.melBins, u.frames, 1]), s) as tf.Tensor4D);
}

/**
 * `n` segments of `frames` frames, each from an utterance and an offset drawn with `rng`
 * (an utterance shorter than a segment is padded with silence), as images [n, melBins, frames, 1].
 */
export function segmentBatch(
  utterances: readonly Utterance[],
  n: number,
  frames: number,
  rng: SeededRandom,
  s: SpectrogramScale,
): tf.Tensor4D {
  const data = new Float32Array(n * s.melBins * frames).fill(s.floor);
  for (let k = 0; k < n; k++) {
    const u = utterances[rng.int(utterances.length)]!;
    const offset = u.frames > frames ? rng.int(u.frames - frames + 1) : 0;
    const take = Math.min(frames, u.frames);
    for (let m = 0; m < s.melBins; m++) {
      const from = m * u.frames + offset;
      data.set(u.logMel.subarray(from, from + take), (k * s.melBins + m) * frames);
    }
  }
  return tf.tidy(() => normalize(tf.tensor4d(data, [n, s.melBins, frames, 1]), s) as tf.Tensor4D);
}

/** Unpaired batches of segments of the two voices, each drawn with its own seeded generator. */
export function segmentSource(
  a: readonly Utterance[],
  b: readonly Utterance[],
  batchSize: number,
  frames: number,
  seed: number,
  s: SpectrogramScale,
): BatchSource<UnpairedBatch> {
  const rngA = new SeededRandom(seed);
  const rngB = new SeededRandom(seed + 1);
  return {
    next: () => ({
      a: segmentBatch(a, batchSize, frames, rngA, s),
      b: segmentBatch(b, batchSize, frames, rngB, s),
    }),
    getState: () => ({ a: rngA.getState(), b: rngB.getState() }),
    setState: (state) => {
      const { a: sa, b: sb } = state as { a: SeededRandomState; b: SeededRandomState };
      rngA.setState(sa);
      rngB.setState(sb);
    },
  };
}

/**
 * Converts a whole utterance: its spectrogram through the translator (frames padded with
 * silence to a multiple of 4, the translator's stride, then cut back), the log-mel back to
 * magnitudes and a waveform by Griffin-Lim. Returns the converted log-mel [melBins, frames]
 * and the samples.
 */
export async function convertUtterance(
  translator: tfl.LayersModel,
  u: Utterance,
  s: SpectrogramScale,
  mel: MelOptions,
  iterations: number,
): Promise<{ logMel: Float32Array; samples: Float32Array }> {
  const padded = Math.ceil(u.frames / 4) * 4;
  const logMel = tf.tidy(() => {
    let x = spectrogramImage(u, s);
    if (padded > u.frames)
      x = tf.pad(
        x,
        [
          [0, 0],
          [0, 0],
          [0, padded - u.frames],
          [0, 0],
        ],
        -1,
      );
    const y = translator.predict(x) as tf.Tensor4D;
    return tf.reshape(denormalize(tf.slice(y, [0, 0, 0, 0], [1, s.melBins, u.frames, 1]), s), [
      s.melBins,
      u.frames,
    ]);
  });
  const samples = tf.tidy(() => {
    const magnitude = melToMagnitude(tf.transpose(logMel) as tf.Tensor2D, mel);
    return griffinLim(magnitude, {
      fftSize: mel.fftSize,
      hopSize: mel.hopSize,
      length: u.samples.length,
      iterations,
    });
  });
  const out = {
    logMel: (await logMel.data()) as Float32Array,
    samples: (await samples.data()) as Float32Array,
  };
  tf.dispose([logMel, samples]);
  return out;
}
