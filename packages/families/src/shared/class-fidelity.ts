import { loadFashionClassifier } from '@gankit/encoders';
import { classFidelity } from '@gankit/metrics';
import { gridLabels } from '@gankit/trainers';
import type * as tf from '@tensorflow/tfjs-core';
import type { Log } from '../family.js';

/** Samples per class judged by the shipped classifier at the end of a conditional run. */
export const FIDELITY_PER_CLASS = 100;

/**
 * Class fidelity of conditional samples laid out one block of rows per class (`gridLabels`),
 * judged by the shipped Fashion-MNIST classifier; logs a line and disposes `images`.
 */
export async function classFidelityOf(images: tf.Tensor4D, numClasses: number, log: Log) {
  const classifier = await loadFashionClassifier();
  try {
    const r = await classFidelity(classifier, images, gridLabels(images.shape[0], numClasses), {
      numClasses,
    });
    log(
      `class fidelity: ${(100 * r.accuracy).toFixed(1)}% of samples classified as their requested class (per class: ${r.perClass.map((a) => (100 * a).toFixed(0)).join(' ')})`,
    );
    return { classFidelity: r };
  } finally {
    images.dispose();
    classifier.dispose();
  }
}
