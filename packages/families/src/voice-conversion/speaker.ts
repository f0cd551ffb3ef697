import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { GanError, SeededRandom, tfjsSeed } from '@gankit/core';
import { loadModel, saveModel } from '@gankit/data';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Log } from '../family.js';
import { type SpectrogramScale, segmentBatch, spectrogramImage, type Utterance } from './features.js';

/** The folder of a voice-conversion run that holds its speaker classifier. */
export const SPEAKER_CLASSIFIER_DIR = 'speaker-classifier';

/**
 * A small speaker classifier over normalized spectrogram images [b, melBins, frames, 1]:
 * two stride-2 1-D convs along time with the bins as channels, the mean over time, and two
 * logits (voice A, voice B). Averaging over time makes it take any length, so a whole
 * utterance is classified in one call.
 */
export function speakerClassifier(melBins: number, seed: number): tfl.LayersModel {
  const rng = new SeededRandom(seed);
  const init = () => tfl.initializers.heNormal({ seed: tfjsSeed(rng.seed()) });
  const input = tfl.input({ shape: [melBins, null, 1], name: 'spectrogram' });
  let h = tfl.layers.permute({ dims: [2, 1, 3] }).apply(input) as tfl.SymbolicTensor;
  h = tfl.layers.reshape({ targetShape: [-1, melBins] }).apply(h) as tfl.SymbolicTensor;
  for (const filters of [64, 64]) {
    h = tfl.layers
      .conv1d({
        filters,
        kernelSize: 5,
        strides: 2,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: init(),
      })
      .apply(h) as tfl.SymbolicTensor;
  }
  h = tfl.layers.globalAveragePooling1d({}).apply(h) as tfl.SymbolicTensor;
  const out = tfl.layers.dense({ units: 2, kernelInitializer: init() }).apply(h) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: out, name: 'speaker_classifier' });
}

/** Share of utterances the classifier calls `voice` (0: A, 1: B), one call per whole utterance. */
export async function shareCalled(
  classifier: tfl.LayersModel,
  utterances: readonly Utterance[],
  voice: 0 | 1,
  scale: SpectrogramScale,
): Promise<number> {
  let hits = 0;
  for (const u of utterances) {
    const verdict = tf.tidy(() =>
      tf.argMax(classifier.predict(spectrogramImage(u, scale)) as tf.Tensor2D, 1),
    );
    const [called] = await verdict.data();
    verdict.dispose();
    if (called === voice) hits++;
  }
  return hits / utterances.length;
}

/**
 * The run's speaker classifier: read back from the run folder when an earlier start saved
 * it, otherwise trained on segments of the two voices' training utterances (Adam, cross
 * entropy) and saved there.
 */
export async function runSpeakerClassifier(
  a: readonly Utterance[],
  b: readonly Utterance[],
  options: { melBins: number; segmentFrames: number; steps: number; seed: number; scale: SpectrogramScale },
  runDir: string | undefined,
  log: Log,
): Promise<tfl.LayersModel> {
  const saved = runDir ? path.join(runDir, SPEAKER_CLASSIFIER_DIR) : undefined;
  if (saved && existsSync(path.join(saved, 'model.json')))
    return loadSpeakerClassifier(runDir!, 'voice-conversion');
  const model = speakerClassifier(options.melBins, options.seed + 21);
  const optimizer = tf.train.adam(1e-3);
  const rng = new SeededRandom(options.seed + 22);
  const half = 16;
  for (let step = 0; step < options.steps; step++) {
    const loss = optimizer.minimize(() => {
      const x = tf.concat([
        segmentBatch(a, half, options.segmentFrames, rng, options.scale),
        segmentBatch(b, half, options.segmentFrames, rng, options.scale),
      ]);
      const labels = tf.oneHot(tf.tensor1d([...Array(half).fill(0), ...Array(half).fill(1)], 'int32'), 2);
      const logits = model.apply(x, { training: true }) as tf.Tensor2D;
      // cross entropy written out: tfjs's softmaxCrossEntropy trips the cpu backend's leak check
      return tf.neg(tf.mean(tf.sum(tf.mul(labels, tf.logSoftmax(logits)), 1))) as tf.Scalar;
    }, true);
    if (step === options.steps - 1)
      log(`speaker classifier: ${options.steps} steps, last loss ${(await loss!.data())[0]!.toFixed(4)}`);
    loss?.dispose();
  }
  optimizer.dispose();
  if (saved) await saveModel(model, saved);
  return model;
}

/** Loads the speaker classifier a voice-conversion run saved. */
export async function loadSpeakerClassifier(runDir: string, fn: string): Promise<tfl.LayersModel> {
  const dir = path.join(runDir, SPEAKER_CLASSIFIER_DIR);
  if (!existsSync(path.join(dir, 'model.json'))) {
    throw new GanError(
      'IO_ERROR',
      `${fn}: ${runDir} has no ${SPEAKER_CLASSIFIER_DIR}/model.json; train the run first`,
    );
  }
  return loadModel(dir);
}
