import { checkInteger, registerSerializable, SeededRandom, tfjsSeed } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { CaptionEncoderBase } from './caption-encoder.js';
import { PAD_ID, Tokenizer, type TokenizerConfig } from './tokenizer.js';

/**
 * Averages token embeddings over the tokens that are not padding: inputs
 * `[embeddings [batch, len, dim], ids [batch, len]]`, output `[batch, dim]` (zeros for an all-padding row).
 * Registered with tfjs as `gankit>MaskedMeanPooling1D`.
 * @internal
 */
export class MaskedMeanPooling1D extends tfl.layers.Layer {
  /** The tfjs serialization class name. */
  static readonly className = 'MaskedMeanPooling1D';

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    return [s[0] ?? null, s[2] ?? null];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [emb, ids] = inputs as [tf.Tensor3D, tf.Tensor2D];
      const mask = tf.cast(tf.notEqual(ids, PAD_ID), 'float32');
      const sum = tf.sum(tf.mul(emb, tf.expandDims(mask, 2)), 1);
      const count = tf.maximum(tf.sum(mask, 1, true), 1);
      return tf.div(sum, count);
    });
  }
}
tf.serialization.registerClass(MaskedMeanPooling1D, 'gankit', 'MaskedMeanPooling1D');

/**
 * Options of {@link bagOfWordsEncoder}.
 * @category Encoders
 */
export interface BagOfWordsEncoderOptions {
  /** A word tokenizer (build one with {@link Tokenizer.fromTexts}) or its config. */
  tokenizer: Tokenizer | TokenizerConfig;
  /** Size of the word embeddings. Default 64. */
  wordEmbeddingDim?: number;
  /** Units of an optional hidden ReLU layer after the average; 0 for none. Default 0. */
  hiddenUnits?: number;
  /** Size of the caption embedding (a linear projection of the average). Default 128. */
  embeddingDim?: number;
  /** Seed of the initial weights. Default 0. */
  seed?: number;
  /** Name of the underlying model. Default `bag_of_words`. */
  name?: string;
}

/** The config snapshot of a {@link BagOfWordsEncoder}, vocabulary included. @category Encoders */
export type BagOfWordsEncoderConfig = {
  tokenizer: TokenizerConfig;
  wordEmbeddingDim: number;
  hiddenUnits: number;
  embeddingDim: number;
  seed: number;
  name: string;
};

/**
 * A word-level bag-of-embeddings caption encoder: word embeddings averaged over the caption's
 * words (padding excluded), an optional hidden ReLU layer, and a linear projection to the caption
 * embedding. Word order is ignored; fast and a strong baseline for short captions.
 * Registered as `gankit>BagOfWordsEncoder`.
 * @example
 * ```ts
 * import { BagOfWordsEncoder, Tokenizer } from '@gankit/encoders';
 * const enc = new BagOfWordsEncoder({ tokenizer: Tokenizer.fromTexts(['red bird', 'blue bird']), hiddenUnits: 32 });
 * console.log(enc.encodeText(['bird red']).shape); // [1, 128]
 * ```
 * @category Encoders
 */
export class BagOfWordsEncoder extends CaptionEncoderBase {
  /** Registered as `gankit>BagOfWordsEncoder`. */
  static readonly className = 'BagOfWordsEncoder';
  readonly name: string;
  readonly tokenizer: Tokenizer;
  readonly embeddingDim: number;
  readonly model: tfl.LayersModel;
  private readonly config: BagOfWordsEncoderConfig;

  /**
   * @param options - see {@link BagOfWordsEncoderOptions}
   * @throws GanError `INVALID_ARGUMENT` for non-positive sizes
   * @throws GanError `INVALID_CONFIG` for a bad tokenizer config
   */
  constructor(options: BagOfWordsEncoderOptions) {
    super();
    const fn = 'bagOfWordsEncoder';
    const tokenizer =
      options.tokenizer instanceof Tokenizer ? options.tokenizer : new Tokenizer(options.tokenizer);
    this.config = {
      tokenizer: tokenizer.getConfig(),
      wordEmbeddingDim: checkInteger(fn, 'wordEmbeddingDim', options.wordEmbeddingDim ?? 64),
      hiddenUnits: checkInteger(fn, 'hiddenUnits', options.hiddenUnits ?? 0, 0),
      embeddingDim: checkInteger(fn, 'embeddingDim', options.embeddingDim ?? 128),
      seed: options.seed ?? 0,
      name: options.name ?? 'bag_of_words',
    };
    this.tokenizer = tokenizer;
    this.name = this.config.name;
    this.embeddingDim = this.config.embeddingDim;
    this.model = build(this.config, tokenizer);
  }

  /** @returns the JSON-safe config, vocabulary included */
  getConfig(): BagOfWordsEncoderConfig {
    return structuredClone(this.config);
  }

  /**
   * @param config - a snapshot from {@link BagOfWordsEncoder.getConfig}
   * @returns a new encoder with freshly initialised weights
   */
  static fromConfig(config: BagOfWordsEncoderConfig): BagOfWordsEncoder {
    return new BagOfWordsEncoder(config);
  }
}
registerSerializable(BagOfWordsEncoder);

function build(c: BagOfWordsEncoderConfig, tokenizer: Tokenizer): tfl.LayersModel {
  const rng = new SeededRandom(c.seed);
  const glorot = () => tfl.initializers.glorotUniform({ seed: tfjsSeed(rng.seed()) });
  const input = tfl.input({ shape: [tokenizer.maxLength], dtype: 'int32', name: `${c.name}_tokens` });
  const emb = tfl.layers
    .embedding({
      inputDim: tokenizer.vocabularySize,
      outputDim: c.wordEmbeddingDim,
      embeddingsInitializer: tfl.initializers.randomNormal({ stddev: 0.1, seed: tfjsSeed(rng.seed()) }),
      name: `${c.name}_embedding`,
    })
    .apply(input) as tfl.SymbolicTensor;
  let x = new MaskedMeanPooling1D({ name: `${c.name}_mean` }).apply([emb, input]) as tfl.SymbolicTensor;
  if (c.hiddenUnits > 0) {
    x = tfl.layers
      .dense({
        units: c.hiddenUnits,
        activation: 'relu',
        kernelInitializer: glorot(),
        name: `${c.name}_hidden`,
      })
      .apply(x) as tfl.SymbolicTensor;
  }
  const out = tfl.layers
    .dense({ units: c.embeddingDim, kernelInitializer: glorot(), name: `${c.name}_projection` })
    .apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: out, name: c.name });
}

/**
 * Creates a {@link BagOfWordsEncoder}, a word-level caption encoder.
 * @param options - tokenizer (required: the vocabulary comes from your captions), sizes, seed
 * @returns the encoder
 * @throws GanError `INVALID_ARGUMENT` for bad sizes
 * @example
 * ```ts
 * import { bagOfWordsEncoder, Tokenizer } from '@gankit/encoders';
 * const captions = ['a red bird on a branch', 'a small blue bird'];
 * const text = bagOfWordsEncoder({ tokenizer: Tokenizer.fromTexts(captions), embeddingDim: 32 });
 * console.log(text.encodeText(captions).shape); // [2, 32]
 * ```
 * @category Encoders
 */
export function bagOfWordsEncoder(options: BagOfWordsEncoderOptions): BagOfWordsEncoder {
  return new BagOfWordsEncoder(options);
}
