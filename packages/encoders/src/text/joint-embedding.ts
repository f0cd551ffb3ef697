import { checkInteger, checkNumber, formatShape, GanError } from '@gankit/core';
import { BatchSampler } from '@gankit/data';
import * as tf from '@tensorflow/tfjs-core';
import type { Encoder, EncoderOutput } from '../encoder.js';
import type { CaptionEncoder } from './caption-encoder.js';

/**
 * The loss that ties caption and image embeddings together:
 * - `contrastive`: symmetric InfoNCE over the batch (as in CLIP): with `s_ij = cos(t_i, v_j) / temperature`,
 *   the mean of the cross-entropies of picking image i for caption i and caption i for image i;
 * - `hinge`: Reed et al. 2016's structured joint embedding in its batch form: for every wrong pair,
 *   `max(0, margin + s_ij - s_ii) + max(0, margin + s_ji - s_ii)` with `s` the cosine similarity,
 *   averaged over pairs.
 * @category Encoders
 */
export type JointEmbeddingLoss = 'contrastive' | 'hinge';

/**
 * Options of {@link jointEmbeddingLoss}.
 * @category Encoders
 */
export interface JointEmbeddingLossOptions {
  /** Which loss. Default `contrastive`. */
  loss?: JointEmbeddingLoss;
  /** Softmax temperature of `contrastive`. Default 0.1. */
  temperature?: number;
  /** Margin of `hinge`. Default 0.2. */
  margin?: number;
}

/**
 * The joint-embedding loss of a batch of matching (caption, image) embeddings: row i of both is
 * a matching pair, every other combination a mismatch. Embeddings are L2-normalised first.
 * @param text - [batch, d] caption embeddings
 * @param image - [batch, d] image embeddings
 * @param options - loss, temperature, margin
 * @returns the scalar loss (the caller owns it)
 * @throws GanError `SHAPE_MISMATCH` when the two are not both [batch, d] with the same batch and d
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { jointEmbeddingLoss } from '@gankit/encoders';
 * const t = tf.eye(4);
 * console.log((await jointEmbeddingLoss(t, t, { loss: 'hinge' }).data())[0]); // 0: every pair beats the margin
 * ```
 * @category Encoders
 */
export function jointEmbeddingLoss(
  text: tf.Tensor,
  image: tf.Tensor,
  options: JointEmbeddingLossOptions = {},
): tf.Scalar {
  const fn = 'jointEmbeddingLoss';
  if (
    text.rank !== 2 ||
    image.rank !== 2 ||
    text.shape[0] !== image.shape[0] ||
    text.shape[1] !== image.shape[1]
  ) {
    throw new GanError(
      'SHAPE_MISMATCH',
      `${fn}: text and image embeddings must both be [batch, d] with equal batch and d, got text ${formatShape(
        text.shape,
      )} and image ${formatShape(image.shape)}`,
    );
  }
  const loss = options.loss ?? 'contrastive';
  return tf.tidy(() => {
    const n = text.shape[0]!;
    const sim = tf.matMul(l2Normalise(text), l2Normalise(image), false, true); // [n, n]: s_ij = t_i . v_j
    if (loss === 'contrastive') {
      const temperature = checkNumber(fn, 'temperature', options.temperature ?? 0.1, {
        min: 0,
        exclusiveMin: true,
      });
      const logits = tf.div(sim, temperature);
      // cross-entropy with the diagonal as targets, both ways: -mean(log softmax(logits)_ii)
      const eye = tf.eye(n);
      const textToImage = tf.sum(tf.mul(tf.logSoftmax(logits, 1), eye));
      const imageToText = tf.sum(tf.mul(tf.logSoftmax(tf.transpose(logits), 1), eye));
      return tf.div(tf.add(textToImage, imageToText), -2 * n) as tf.Scalar;
    }
    if (loss === 'hinge') {
      const margin = checkNumber(fn, 'margin', options.margin ?? 0.2, { min: 0 });
      if (n < 2) return tf.scalar(0);
      const diag = tf.reshape(tf.sum(tf.mul(sim, tf.eye(n)), 1), [n, 1]);
      const offDiag = tf.sub(1, tf.eye(n));
      const rows = tf.relu(tf.add(tf.sub(sim, diag), margin)); // caption i vs wrong images j
      const cols = tf.relu(tf.add(tf.sub(sim, tf.transpose(diag)), margin)); // image j vs wrong captions i
      const total = tf.sum(tf.mul(tf.add(rows, cols), offDiag));
      return tf.div(total, n * (n - 1)) as tf.Scalar;
    }
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: loss must be 'contrastive' or 'hinge', got '${String(loss)}'`,
    );
  });
}

function l2Normalise(x: tf.Tensor): tf.Tensor {
  return tf.div(x, tf.add(tf.norm(x, 'euclidean', 1, true), 1e-8));
}

/**
 * Retrieval accuracy of matching embeddings: the fraction of captions whose most similar image
 * (cosine) is their own, and the other way round, averaged. Chance is 1 / batch.
 * @param text - [n, d] caption embeddings
 * @param image - [n, d] image embeddings, row i matching caption i
 * @returns top-1 accuracy in [0, 1]
 * @throws GanError `SHAPE_MISMATCH` as {@link jointEmbeddingLoss}
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { retrievalAccuracy } from '@gankit/encoders';
 * console.log(await retrievalAccuracy(tf.eye(3), tf.eye(3))); // 1
 * ```
 * @category Encoders
 */
export async function retrievalAccuracy(text: tf.Tensor, image: tf.Tensor): Promise<number> {
  if (
    text.rank !== 2 ||
    image.rank !== 2 ||
    text.shape[0] !== image.shape[0] ||
    text.shape[1] !== image.shape[1]
  ) {
    throw new GanError(
      'SHAPE_MISMATCH',
      `retrievalAccuracy: text and image embeddings must both be [n, d] with equal n and d, got text ${formatShape(
        text.shape,
      )} and image ${formatShape(image.shape)}`,
    );
  }
  const [t2i, i2t] = tf.tidy(() => {
    const sim = tf.matMul(l2Normalise(text), l2Normalise(image), false, true);
    return [tf.argMax(sim, 1), tf.argMax(sim, 0)];
  });
  // await data(): the synchronous read throws on GPU backends in Node
  const [a, b] = await Promise.all([t2i!.data(), i2t!.data()]);
  tf.dispose([t2i!, i2t!]);
  let hits = 0;
  for (let i = 0; i < a.length; i++) hits += (a[i] === i ? 1 : 0) + (b[i] === i ? 1 : 0);
  return hits / (2 * a.length);
}

/**
 * Matching (image, caption) pairs for {@link trainJointEmbedding}: image i goes with caption i.
 * @category Encoders
 */
export interface JointEmbeddingPairs {
  /** [n, h, w, c] images in the image encoder's range. Read, not disposed. */
  images: tf.Tensor4D;
  /** n captions. */
  texts: readonly string[];
}

/**
 * Options of {@link trainJointEmbedding}.
 * @category Encoders
 */
export interface TrainJointEmbeddingOptions extends JointEmbeddingLossOptions {
  /** The caption encoder to train. */
  textEncoder: CaptionEncoder;
  /** The image encoder; trained too unless frozen (`setTrainable(false)`). Its output must be [batch, d]. */
  imageEncoder: Encoder;
  /** The matching pairs. */
  pairs: JointEmbeddingPairs;
  /** Optimizer steps. */
  steps: number;
  /** Pairs per step (the negatives of each pair are the rest of its batch). Default 32. */
  batchSize?: number;
  /** Adam learning rate. Default 1e-3. */
  learningRate?: number;
  /** When the image encoder returns named taps, the one to use. */
  imageTap?: string;
  /** Seed of the batch order. Default 0. */
  seed?: number;
  /** Called after every step with the step number (from 1) and the loss. */
  onStep?: (step: number, loss: number) => void;
}

/**
 * What {@link trainJointEmbedding} returns.
 * @category Encoders
 */
export interface TrainJointEmbeddingResult {
  /** The loss of every step. */
  losses: number[];
}

/**
 * Pre-trains a caption encoder jointly with an image encoder on matching pairs, so that a
 * caption's embedding lies close to its image's and far from the others' (Reed et al. 2016's
 * joint embedding, with the symmetric contrastive loss by default). The text embedding of
 * GAN-CLS comes from a caption encoder trained like this; after training, freeze it with
 * `setTrainable(false)` for GAN training. Both encoders' weights are updated in place with Adam.
 *
 * @param options - encoders, pairs, steps, batchSize, learningRate, loss, seed
 * @returns the per-step losses
 * @throws GanError `INVALID_ARGUMENT` for bad counts or mismatched pairs
 * @throws GanError `SHAPE_MISMATCH` when the two encoders' embeddings differ in size
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { bagOfWordsEncoder, cnnEncoder, Tokenizer, trainJointEmbedding } from '@gankit/encoders';
 * const texts = ['dark', 'light', 'dark', 'light'];
 * const images = tf.stack(texts.map((t) => tf.fill([8, 8, 1], t === 'dark' ? -1 : 1))) as tf.Tensor4D;
 * const textEncoder = bagOfWordsEncoder({ tokenizer: Tokenizer.fromTexts(texts), embeddingDim: 8 });
 * const imageEncoder = cnnEncoder({ inputShape: [8, 8, 1], targetShape: [8], baseWidth: 4 });
 * const { losses } = await trainJointEmbedding({ textEncoder, imageEncoder, pairs: { images, texts }, steps: 5, batchSize: 4 });
 * console.log(losses.length); // 5
 * ```
 * @category Encoders
 */
export async function trainJointEmbedding(
  options: TrainJointEmbeddingOptions,
): Promise<TrainJointEmbeddingResult> {
  const fn = 'trainJointEmbedding';
  const { textEncoder, imageEncoder, pairs } = options;
  const steps = checkInteger(fn, 'steps', options.steps);
  const n = pairs.images.shape[0];
  if (pairs.texts.length !== n) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: pairs must hold as many captions as images, got ${pairs.texts.length} captions and ${n} images`,
    );
  }
  if (n < 2) throw new GanError('INVALID_ARGUMENT', `${fn}: pairs must hold at least 2 pairs, got ${n}`);
  const batchSize = Math.min(checkInteger(fn, 'batchSize', options.batchSize ?? 32, 2), n);
  const learningRate = checkNumber(fn, 'learningRate', options.learningRate ?? 1e-3, {
    min: 0,
    exclusiveMin: true,
  });
  const pick = (out: EncoderOutput): tf.Tensor => {
    if (out instanceof tf.Tensor) return out;
    const key = options.imageTap ?? Object.keys(out)[0]!;
    const t = out[key];
    if (!t) {
      throw new GanError(
        'INVALID_ARGUMENT',
        `${fn}: imageTap '${key}' is not an output of ${imageEncoder.name}; it returns ${Object.keys(out).join(', ')}`,
      );
    }
    return t;
  };
  const vars = [...textEncoder.model.trainableWeights, ...imageEncoder.model.trainableWeights].map(
    (w) => w.read() as tf.Variable,
  );
  if (vars.length === 0) {
    throw new GanError('INVALID_ARGUMENT', `${fn}: both encoders are frozen; nothing to train`);
  }
  const optimizer = tf.train.adam(learningRate);
  const sampler = new BatchSampler({ size: n, batchSize, seed: options.seed ?? 0, dropLast: true });
  const losses: number[] = [];
  try {
    for (let step = 1; step <= steps; step++) {
      const indices = sampler.next();
      const texts = Array.from(indices, (i) => pairs.texts[i]!);
      const idx = tf.tensor1d(Int32Array.from(indices), 'int32');
      const tokens = textEncoder.tokenizer.encodeBatch(texts);
      const images = tf.gather(pairs.images, idx) as tf.Tensor4D;
      const lossTensor = optimizer.minimize(
        () => {
          const t = textEncoder.encode(tokens, { training: true });
          const v = pick(imageEncoder.encode(images, { training: true }));
          if (v.rank !== 2 || v.shape[1] !== t.shape[1]) {
            throw new GanError(
              'SHAPE_MISMATCH',
              `${fn}: the image encoder must return [batch, ${t.shape[1]}] to match the caption embedding, got ${formatShape(v.shape)}`,
            );
          }
          return jointEmbeddingLoss(t, v, options);
        },
        true,
        vars,
      );
      const value = (await lossTensor!.data())[0]!;
      tf.dispose([lossTensor!, idx, tokens, images]);
      losses.push(value);
      options.onStep?.(step, value);
    }
  } finally {
    optimizer.dispose();
  }
  return { losses };
}
