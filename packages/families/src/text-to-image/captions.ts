import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { GanError, SeededRandom } from '@gankit/core';
import {
  BatchSampler,
  type BatchSamplerState,
  bundledFashionMnistDir,
  CAPTION_ALPHABET,
  CAPTIONED_FASHION_INDEX,
  type CaptionedFashionSplit,
  FASHION_PALETTE,
  loadCaptionedFashion,
  loadFashionMnist,
  makeCaptionedFashion,
  toTensorBatch,
} from '@gankit/data';
import {
  type CaptionEncoder,
  CharCnnRnnEncoder,
  charCnnRnnEncoder,
  cnnEncoder,
  type EncoderBase,
  loadEncoder,
  saveEncoder,
  Tokenizer,
  trainJointEmbedding,
} from '@gankit/encoders';
import type { BatchSource, TextBatch } from '@gankit/trainers';
import * as tf from '@tensorflow/tfjs-core';
import type { Log } from '../family.js';

/** The folder of a text-to-image run that holds its frozen text encoder. */
export const TEXT_ENCODER_DIR = 'text-encoder';

/** Both splits of the captioned data. */
export interface CaptionedData {
  train: CaptionedFashionSplit;
  test: CaptionedFashionSplit;
  /** Where it came from, for the log. */
  source: string;
}

/**
 * The captioned Fashion-MNIST data of a config: a folder written by `make-captioned-fashion.ts`
 * (it holds `captioned-fashion.json`), or grey Fashion-MNIST (`bundled` or an IDX folder)
 * tinted and captioned in memory with `seed`, exactly as that script does.
 */
export async function loadCaptionedData(
  dir: string,
  seed: number,
  log: Log,
  limit?: number,
): Promise<CaptionedData> {
  if (dir !== 'bundled' && existsSync(path.join(dir, CAPTIONED_FASHION_INDEX))) {
    if (limit !== undefined) {
      throw new GanError(
        'INVALID_CONFIG',
        `data.limit applies to grey Fashion-MNIST tinted on the fly; ${dir} is a made captioned folder (make a smaller one with --limit)`,
      );
    }
    const data = await loadCaptionedFashion(dir);
    log(
      `data: captioned Fashion-MNIST from ${data.dir}: ${data.train.count} training, ${data.test.count} test images`,
    );
    return { train: data.train, test: data.test, source: data.dir };
  }
  const source = dir === 'bundled' ? bundledFashionMnistDir() : dir;
  const [train, test] = await Promise.all(
    (['train', 'test'] as const).map(async (split, k) =>
      makeCaptionedFashion(await loadFashionMnist({ dir: source, split, ...(limit ? { limit } : {}) }), {
        seed: seed + 2 * k,
        split,
      }),
    ),
  );
  log(
    `data: Fashion-MNIST from ${source}, tinted and captioned (seed ${seed}): ${train!.count} training, ${test!.count} test images, ${train!.records[0]?.captions.length ?? 0} captions each`,
  );
  return { train: train!, test: test!, source };
}

/** What GAN-CLS's wrong text differs in: the class and the colour (`class * colours + colour`). */
export function captionIds(split: CaptionedFashionSplit): Int32Array {
  return Int32Array.from(split.records, (r) => {
    const colour = FASHION_PALETTE.findIndex((c) => c.name === r.colour);
    return r.label * FASHION_PALETTE.length + Math.max(0, colour);
  });
}

/** Text encoder section of a text-to-image config. */
export interface TextEncoderSettings {
  /** A saved encoder folder (another run's `text-encoder/`) used instead of pre-training one. */
  from?: string | undefined;
  embeddingDim: number;
  charEmbeddingDim: number;
  convFilters: number[];
  gruUnits: number;
  pooling: 'last' | 'mean';
  maxLength: number;
  /** Width of the image encoder it is pre-trained against (thrown away afterwards). */
  imageEncoderWidth: number;
  steps: number;
  batchSize: number;
  learningRate: number;
}

/**
 * Checks every caption against the encoder's alphabet before it is encoded, so an empty caption or
 * an unknown character is named instead of silently becoming `<unk>`.
 */
export function checkCaptions(fn: string, texts: readonly string[], maxLength: number): void {
  if (texts.length === 0) throw new GanError('INVALID_ARGUMENT', `${fn}: give at least one caption`);
  for (const text of texts) {
    if (typeof text !== 'string' || text.trim() === '') {
      throw new GanError(
        'INVALID_ARGUMENT',
        `${fn}: a caption is empty; write what to draw, e.g. "a red dress"`,
      );
    }
    const chars = [...text.toLowerCase()];
    const bad = chars.findIndex((ch) => !CAPTION_ALPHABET.includes(ch));
    if (bad >= 0) {
      throw new GanError(
        'INVALID_ARGUMENT',
        `${fn}: caption ${JSON.stringify(text)} has ${JSON.stringify(chars[bad])} at position ${bad}; captions use only letters, spaces, hyphens and commas`,
      );
    }
    if (chars.length > maxLength) {
      throw new GanError(
        'INVALID_ARGUMENT',
        `${fn}: caption ${JSON.stringify(text)} is ${chars.length} characters long; this text encoder reads at most ${maxLength}`,
      );
    }
  }
}

/** Retrieval numbers of a text encoder on held-out phrasings of the test images. */
export interface RetrievalReport {
  /** Captions asked. */
  captions: number;
  /** Share whose nearest test image (cosine, in the joint space) has the caption's class. */
  classMatch: number;
  /** ... the caption's colour. */
  colourMatch: number;
  /** ... both. */
  bothMatch: number;
  /** Reed et al.'s top-1 retrieval of the exact image (ambiguous here: many images fit one caption). */
  exactTop1: number;
}

async function retrieval(
  textEncoder: CaptionEncoder,
  imageEncoder: ReturnType<typeof cnnEncoder>,
  test: CaptionedFashionSplit,
): Promise<RetrievalReport> {
  const captions = test.records.map((r) => r.heldOutCaptions[0] ?? r.captions[0]!);
  const best = tf.tidy(() => {
    const unit = (x: tf.Tensor) => tf.div(x, tf.add(tf.norm(x, 2, 1, true), 1e-8));
    const { images, labels } = toTensorBatch(test);
    labels.dispose();
    const v = unit(imageEncoder.encode(images) as tf.Tensor);
    const t = unit(textEncoder.encodeText(captions));
    return tf.argMax(tf.matMul(t, v, false, true), 1);
  });
  const nearest = await best.data();
  best.dispose();
  let cls = 0;
  let colour = 0;
  let both = 0;
  let exact = 0;
  nearest.forEach((j, i) => {
    const a = test.records[i]!;
    const b = test.records[j]!;
    cls += a.label === b.label ? 1 : 0;
    colour += a.colour === b.colour ? 1 : 0;
    both += a.label === b.label && a.colour === b.colour ? 1 : 0;
    exact += i === j ? 1 : 0;
  });
  const n = captions.length;
  return {
    captions: n,
    classMatch: cls / n,
    colourMatch: colour / n,
    bothMatch: both / n,
    exactTop1: exact / n,
  };
}

/** A frozen caption encoder and what is known of its pre-training. */
export interface FrozenTextEncoder {
  encoder: CharCnnRnnEncoder;
  /** Retrieval on the held-out phrasings (null when loaded from a folder). */
  retrieval: RetrievalReport | null;
}

/**
 * The run's frozen char-CNN-RNN: loaded from `<runDir>/text-encoder` (a resumed run) or from
 * `settings.from`, otherwise pre-trained now with Reed et al.'s joint embedding (symmetric
 * contrastive loss) against a small CNN on every (image, caption) pair of the training split;
 * its attribute retrieval on the test split's held-out phrasings is logged.
 */
export async function frozenTextEncoder(
  settings: TextEncoderSettings,
  data: CaptionedData,
  seed: number,
  runDir: string | undefined,
  log: Log,
): Promise<FrozenTextEncoder> {
  const saved =
    runDir && existsSync(path.join(runDir, TEXT_ENCODER_DIR, 'model.json'))
      ? path.join(runDir, TEXT_ENCODER_DIR)
      : settings.from;
  if (saved) {
    const encoder = await loadRunTextEncoder(saved, 'text-to-image');
    if (encoder.embeddingDim !== settings.embeddingDim) {
      throw new GanError(
        'SHAPE_MISMATCH',
        `text-to-image: the text encoder in ${saved} embeds to ${encoder.embeddingDim} values, but textEncoder.embeddingDim is ${settings.embeddingDim}`,
      );
    }
    log(`text encoder: ${saved} (frozen)`);
    return { encoder, retrieval: null };
  }
  const encoder = charCnnRnnEncoder({
    tokenizer: Tokenizer.characters({ alphabet: CAPTION_ALPHABET, maxLength: settings.maxLength }),
    embeddingDim: settings.embeddingDim,
    charEmbeddingDim: settings.charEmbeddingDim,
    convFilters: settings.convFilters,
    gruUnits: settings.gruUnits,
    pooling: settings.pooling,
    seed: seed + 11,
  });
  const imageEncoder = cnnEncoder({
    inputShape: [data.train.height, data.train.width, data.train.channels],
    targetShape: [settings.embeddingDim],
    baseWidth: settings.imageEncoderWidth,
    seed: seed + 12,
  });
  const { train } = data;
  const perImage = Math.min(...train.records.map((r) => r.captions.length));
  // every caption of every image is a pair; the image tensor is gathered per batch by the trainer
  const texts = Array.from({ length: perImage }, (_, k) => train.records.map((r) => r.captions[k]!)).flat();
  const { images, labels } = toTensorBatch(
    train,
    Array.from({ length: train.count * perImage }, (_, i) => i % train.count),
  );
  labels.dispose();
  const started = Date.now();
  try {
    const every = Math.max(1, Math.floor(settings.steps / 5));
    await trainJointEmbedding({
      textEncoder: encoder,
      imageEncoder,
      pairs: { images: images as tf.Tensor4D, texts },
      steps: settings.steps,
      batchSize: settings.batchSize,
      learningRate: settings.learningRate,
      seed: seed + 13,
      onStep: (step, loss) => {
        if (step % every === 0 || step === settings.steps) {
          log(`text encoder: joint embedding step ${step}/${settings.steps}, loss ${loss.toFixed(3)}`);
        }
      },
    });
    const report = await retrieval(encoder, imageEncoder, data.test);
    log(
      `text encoder: pre-trained in ${((Date.now() - started) / 1000).toFixed(0)} s; held-out phrasings -> nearest test image: class ${pct(report.classMatch)}, colour ${pct(report.colourMatch)}, both ${pct(report.bothMatch)} (exact image ${pct(report.exactTop1)})`,
    );
    encoder.setTrainable(false);
    return { encoder, retrieval: report };
  } finally {
    images.dispose();
    imageEncoder.model.dispose();
  }
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** Writes a run's text encoder where sampling and resume find it (skipped when already there). */
export async function saveRunTextEncoder(encoder: CaptionEncoder, runDir: string): Promise<void> {
  const dir = path.join(runDir, TEXT_ENCODER_DIR);
  if (!existsSync(path.join(dir, 'model.json'))) await saveEncoder(encoder as CharCnnRnnEncoder, dir);
}

/** Loads a saved caption encoder (frozen). */
export async function loadRunTextEncoder(dir: string, fn: string): Promise<CharCnnRnnEncoder> {
  let encoder: EncoderBase;
  try {
    encoder = await loadEncoder(dir);
  } catch (e) {
    throw new GanError(
      'INVALID_DATA',
      `${fn}: the text encoder in ${dir} cannot be loaded: ${(e as Error).message}`,
      {
        cause: e,
      },
    );
  }
  if (!(encoder instanceof CharCnnRnnEncoder)) {
    encoder.model.dispose();
    throw new GanError('INVALID_DATA', `${fn}: ${dir} holds a ${encoder.name}, not a caption encoder`);
  }
  encoder.setTrainable(false);
  return encoder;
}

/** Embeddings of every training caption, [images * captionsPerImage, textDim], row `k * count + i`. */
export function embedTrainingCaptions(encoder: CaptionEncoder, split: CaptionedFashionSplit): tf.Tensor2D {
  const perImage = Math.min(...split.records.map((r) => r.captions.length));
  const texts = Array.from({ length: perImage }, (_, k) => split.records.map((r) => r.captions[k]!)).flat();
  // captions repeat ("a red dress"): each distinct one is encoded once
  const distinct = [...new Set(texts)];
  const row = new Map(distinct.map((t, i) => [t, i]));
  const chunks: tf.Tensor2D[] = [];
  for (let i = 0; i < distinct.length; i += 1000)
    chunks.push(encoder.encodeText(distinct.slice(i, i + 1000)));
  const all = tf.tidy(() =>
    tf.gather(
      tf.concat(chunks),
      tf.tensor1d(
        Int32Array.from(texts, (t) => row.get(t)!),
        'int32',
      ),
    ),
  ) as tf.Tensor2D;
  tf.dispose(chunks);
  return all;
}

interface CaptionSourceState {
  sampler: BatchSamplerState;
  drawn: number;
}

/**
 * Batches of (image, one of its captions' embeddings, class-and-colour id): images shuffled per
 * epoch, the caption drawn per image from a stream fixed by the seed and the batch's number, so
 * a resumed run draws the same batches. Owns `embeddings` (dispose with `dispose`).
 */
export function captionBatchSource(
  split: CaptionedFashionSplit,
  embeddings: tf.Tensor2D,
  batchSize: number,
  seed: number,
): BatchSource<TextBatch> & { dispose(): void } {
  const sampler = new BatchSampler({ size: split.count, batchSize, seed, dropLast: true });
  const perImage = embeddings.shape[0] / split.count;
  const ids = captionIds(split);
  let drawn = 0;
  return {
    next() {
      const indices = sampler.next();
      const rng = new SeededRandom(seed * 7919 + drawn);
      drawn++;
      const rows = Int32Array.from(indices, (i) => rng.int(perImage) * split.count + i);
      const { images, labels } = toTensorBatch(split, indices);
      labels.dispose();
      return tf.tidy(() => ({
        images,
        embeddings: tf.gather(embeddings, tf.tensor1d(rows, 'int32')) as tf.Tensor2D,
        labels: tf.tensor1d(
          Int32Array.from(indices, (i) => ids[i]!),
          'int32',
        ),
      }));
    },
    getState: (): CaptionSourceState => ({ sampler: sampler.getState(), drawn }),
    setState(state: unknown) {
      const s = state as CaptionSourceState;
      sampler.setState(s.sampler);
      drawn = s.drawn;
    },
    dispose: () => embeddings.dispose(),
  };
}
