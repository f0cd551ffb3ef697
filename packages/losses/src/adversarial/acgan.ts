import { formatShape, GanError } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';
import { checkOptions, checkRank, checkTensor, weightOption } from '../internal/validate.js';

/**
 * Options of {@link acganDiscriminatorClassLoss}.
 * @category Adversarial losses
 */
export interface AcganOptions {
  /** Weight of the class term on generated images in D's loss. Default 1 (Odena et al.). */
  fakeWeight?: number;
}

function oneHotLabels(
  fn: string,
  name: string,
  labels: tf.Tensor,
  batch: number,
  numClasses: number,
): tf.Tensor2D {
  checkTensor(fn, name, labels);
  if (labels.rank === 1) {
    if (labels.shape[0] !== batch) {
      throw new GanError(
        'SHAPE_MISMATCH',
        `${fn}: ${name} must have shape [batch] or [batch, numClasses] = [${batch}] or [${batch}, ${numClasses}], got ${formatShape(labels.shape)}`,
      );
    }
    return tf.cast(tf.oneHot(tf.cast(labels, 'int32') as tf.Tensor1D, numClasses), 'float32') as tf.Tensor2D;
  }
  if (labels.rank === 2 && labels.shape[0] === batch && labels.shape[1] === numClasses) {
    return tf.cast(labels, 'float32') as tf.Tensor2D;
  }
  throw new GanError(
    'SHAPE_MISMATCH',
    `${fn}: ${name} must have shape [batch] or [batch, numClasses] = [${batch}] or [${batch}, ${numClasses}], got ${formatShape(labels.shape)}`,
  );
}

/**
 * The auxiliary classifier term of ACGAN (Odena et al. 2017, "Conditional Image Synthesis with
 * Auxiliary Classifier GANs", `L_C`): softmax cross-entropy of D's class logits against the labels,
 *
 *   `L_C = -E[log P(C = c | X)]` = mean over the batch of `-log softmax(classLogits)[c]`
 *
 * @param classLogits - D's class logits, shape [batch, numClasses]
 * @param labels - class indices [batch] (int32 or float), or one-hot / soft labels [batch, numClasses]
 * @returns the scalar loss (owned by the caller)
 * @throws GanError `SHAPE_MISMATCH` when the logits are not [batch, numClasses] or the labels do not fit them
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { auxiliaryClassifierLoss } from '@gankit/losses';
 * const loss = auxiliaryClassifierLoss(tf.zeros([2, 4]), tf.tensor1d([0, 3], 'int32')); // ln 4
 * ```
 * @category Adversarial losses
 */
export function auxiliaryClassifierLoss(classLogits: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  const fn = 'auxiliaryClassifierLoss';
  return crossEntropy(fn, 'classLogits', 'labels', classLogits, labels);
}

function crossEntropy(
  fn: string,
  logitsName: string,
  labelsName: string,
  logits: tf.Tensor,
  labels: tf.Tensor,
) {
  checkTensor(fn, logitsName, logits);
  checkRank(fn, logitsName, logits, 2, '[batch, numClasses]');
  const [batch, numClasses] = logits.shape as [number, number];
  return tf.tidy(() => {
    const target = oneHotLabels(fn, labelsName, labels, batch, numClasses);
    return tf.neg(tf.mean(tf.sum(tf.mul(target, tf.logSoftmax(logits)), 1))) as tf.Scalar;
  });
}

/**
 * D's class term in ACGAN (Odena et al. 2017): D learns to classify both real and generated
 * images, so it minimises the cross-entropy on both,
 *
 *   `L_C^D = CE(realClassLogits, realLabels) + w * CE(fakeClassLogits, fakeLabels)`,  `w = 1` by default.
 *
 * Add it to any adversarial discriminator loss (the paper uses the minimax one).
 *
 * @param realClassLogits - D's class logits on real images, [batch, numClasses]
 * @param realLabels - the real images' classes, [batch] or [batch, numClasses]
 * @param fakeClassLogits - D's class logits on generated images, [batch, numClasses]
 * @param fakeLabels - the classes G was asked for, [batch] or [batch, numClasses]
 * @param options - `fakeWeight` w
 * @returns the scalar loss (owned by the caller)
 * @throws GanError `SHAPE_MISMATCH` for logits or labels of the wrong shape
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { acganDiscriminatorClassLoss } from '@gankit/losses';
 * const labels = tf.tensor1d([1, 0], 'int32');
 * const loss = acganDiscriminatorClassLoss(tf.zeros([2, 2]), labels, tf.zeros([2, 2]), labels); // 2 ln 2
 * ```
 * @category Adversarial losses
 */
export function acganDiscriminatorClassLoss(
  realClassLogits: tf.Tensor,
  realLabels: tf.Tensor,
  fakeClassLogits: tf.Tensor,
  fakeLabels: tf.Tensor,
  options?: AcganOptions,
): tf.Scalar {
  const fn = 'acganDiscriminatorClassLoss';
  const w = weightOption(fn, 'fakeWeight', checkOptions(fn, options).fakeWeight, 1);
  return tf.tidy(() =>
    tf.add(
      crossEntropy(fn, 'realClassLogits', 'realLabels', realClassLogits, realLabels),
      tf.mul(w, crossEntropy(fn, 'fakeClassLogits', 'fakeLabels', fakeClassLogits, fakeLabels)),
    ),
  );
}

/**
 * G's class term in ACGAN (Odena et al. 2017): G wants its images classified as the classes it
 * was asked for, `L_C^G = CE(fakeClassLogits, fakeLabels)`. Add it to the generator's adversarial loss.
 *
 * @param fakeClassLogits - D's class logits on generated images, [batch, numClasses]
 * @param fakeLabels - the classes G was asked for, [batch] or [batch, numClasses]
 * @returns the scalar loss (owned by the caller)
 * @throws GanError `SHAPE_MISMATCH` for logits or labels of the wrong shape
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { acganGeneratorClassLoss } from '@gankit/losses';
 * const loss = acganGeneratorClassLoss(tf.zeros([2, 2]), tf.tensor1d([1, 0], 'int32')); // ln 2
 * ```
 * @category Adversarial losses
 */
export function acganGeneratorClassLoss(fakeClassLogits: tf.Tensor, fakeLabels: tf.Tensor): tf.Scalar {
  return crossEntropy(
    'acganGeneratorClassLoss',
    'fakeClassLogits',
    'fakeLabels',
    fakeClassLogits,
    fakeLabels,
  );
}

/**
 * ACGAN's class terms as a pair, the way the registry hands them out (`getLoss('acgan')`).
 * @category Adversarial losses
 */
export interface AuxiliaryClassifierLosses {
  /** D's class term: CE on real plus weighted CE on generated images. */
  discriminator(
    realClassLogits: tf.Tensor,
    realLabels: tf.Tensor,
    fakeClassLogits: tf.Tensor,
    fakeLabels: tf.Tensor,
  ): tf.Scalar;
  /** G's class term: CE on generated images. */
  generator(fakeClassLogits: tf.Tensor, fakeLabels: tf.Tensor): tf.Scalar;
}

/**
 * ACGAN's class terms with options bound.
 * @param options - `fakeWeight` of D's term on generated images
 * @returns the discriminator and generator class terms
 * @throws GanError `INVALID_ARGUMENT` for a negative weight
 * @example
 * ```ts
 * import { acganLosses } from '@gankit/losses';
 * const { discriminator, generator } = acganLosses({ fakeWeight: 0.5 });
 * ```
 * @category Adversarial losses
 */
export function acganLosses(options?: AcganOptions): AuxiliaryClassifierLosses {
  const fakeWeight = weightOption(
    'acganLosses',
    'fakeWeight',
    checkOptions('acganLosses', options).fakeWeight,
    1,
  );
  return {
    discriminator: (rl, rlab, fl, flab) => acganDiscriminatorClassLoss(rl, rlab, fl, flab, { fakeWeight }),
    generator: acganGeneratorClassLoss,
  };
}
