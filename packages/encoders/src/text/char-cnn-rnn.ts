import { checkInteger, GanError, registerSerializable, SeededRandom, tfjsSeed } from '@gankit/core';
import * as tfl from '@tensorflow/tfjs-layers';
import { CaptionEncoderBase } from './caption-encoder.js';
import { Tokenizer, type TokenizerConfig } from './tokenizer.js';

/**
 * Options of {@link charCnnRnnEncoder}.
 * @category Encoders
 */
export interface CharCnnRnnEncoderOptions {
  /** A character tokenizer or its config. Default {@link Tokenizer.characters} (70 characters, 64 long). */
  tokenizer?: Tokenizer | TokenizerConfig;
  /** Size of the character embedding. Default 32. */
  charEmbeddingDim?: number;
  /** Filters of each 1-D conv (each followed by ReLU and max pooling by 2). Default [64, 64]. */
  convFilters?: readonly number[];
  /** Kernel width of the 1-D convs. Default 4. */
  kernelSize?: number;
  /** Units of the GRU that reads the conv features. Default 64. */
  gruUnits?: number;
  /** Size of the caption embedding (the linear projection of the pooled GRU states). Default 128. */
  embeddingDim?: number;
  /**
   * What the projection reads: `last`, the GRU's last state (default), or `mean`, its states
   * averaged over the sequence, as Reed et al. 2016 average the hidden units over time (less
   * tied to word order, so new phrasings of known words embed closer to the known ones).
   */
  pooling?: 'last' | 'mean';
  /** Seed of the initial weights. Default 0. */
  seed?: number;
  /** Name of the underlying model. Default `char_cnn_rnn`. */
  name?: string;
}

/** The config snapshot of a {@link CharCnnRnnEncoder}, vocabulary included. @category Encoders */
export type CharCnnRnnEncoderConfig = {
  tokenizer: TokenizerConfig;
  charEmbeddingDim: number;
  convFilters: number[];
  kernelSize: number;
  gruUnits: number;
  embeddingDim: number;
  pooling: 'last' | 'mean';
  seed: number;
  name: string;
};

/**
 * A character-level caption encoder after Reed et al. 2016's char-CNN-RNN: character embedding,
 * 1-D convolutions with ReLU and max pooling, a GRU over the pooled sequence, and a linear
 * projection of its last state (or, with `pooling: 'mean'`, of its states' average) to the caption
 * embedding. Captions are pre-padded so the GRU ends on real characters. Registered as
 * `gankit>CharCnnRnnEncoder`.
 * @example
 * ```ts
 * import { CharCnnRnnEncoder, Tokenizer } from '@gankit/encoders';
 * const enc = new CharCnnRnnEncoder({ tokenizer: Tokenizer.characters({ maxLength: 32 }), embeddingDim: 16 });
 * console.log(enc.encodeText(['a small red bird', 'a blue flower']).shape); // [2, 16]
 * ```
 * @category Encoders
 */
export class CharCnnRnnEncoder extends CaptionEncoderBase {
  /** Registered as `gankit>CharCnnRnnEncoder`. */
  static readonly className = 'CharCnnRnnEncoder';
  readonly name: string;
  readonly tokenizer: Tokenizer;
  readonly embeddingDim: number;
  readonly model: tfl.LayersModel;
  private readonly config: CharCnnRnnEncoderConfig;

  /**
   * @param options - see {@link CharCnnRnnEncoderOptions}
   * @throws GanError `INVALID_ARGUMENT` for non-positive sizes or a sequence too short for the pooling
   */
  constructor(options: CharCnnRnnEncoderOptions = {}) {
    super();
    const fn = 'charCnnRnnEncoder';
    const tokenizer =
      options.tokenizer instanceof Tokenizer
        ? options.tokenizer
        : options.tokenizer
          ? new Tokenizer(options.tokenizer)
          : Tokenizer.characters();
    const convFilters = [...(options.convFilters ?? [64, 64])];
    convFilters.forEach((f, i) => {
      checkInteger(fn, `convFilters[${i}]`, f);
    });
    this.config = {
      tokenizer: tokenizer.getConfig(),
      charEmbeddingDim: checkInteger(fn, 'charEmbeddingDim', options.charEmbeddingDim ?? 32),
      convFilters,
      kernelSize: checkInteger(fn, 'kernelSize', options.kernelSize ?? 4),
      gruUnits: checkInteger(fn, 'gruUnits', options.gruUnits ?? 64),
      embeddingDim: checkInteger(fn, 'embeddingDim', options.embeddingDim ?? 128),
      pooling: options.pooling ?? 'last',
      seed: options.seed ?? 0,
      name: options.name ?? 'char_cnn_rnn',
    };
    if (this.config.pooling !== 'last' && this.config.pooling !== 'mean') {
      throw new GanError(
        'INVALID_ARGUMENT',
        `${fn}: pooling must be 'last' or 'mean', got ${JSON.stringify(this.config.pooling)}`,
      );
    }
    if (tokenizer.maxLength < 2 ** convFilters.length) {
      throw new GanError(
        'INVALID_ARGUMENT',
        `${fn}: tokenizer.maxLength must be >= ${2 ** convFilters.length} for ${convFilters.length} pooling steps, got ${tokenizer.maxLength}`,
      );
    }
    this.tokenizer = tokenizer;
    this.name = this.config.name;
    this.embeddingDim = this.config.embeddingDim;
    this.model = build(this.config, tokenizer);
  }

  /** @returns the JSON-safe config, vocabulary included */
  getConfig(): CharCnnRnnEncoderConfig {
    return structuredClone(this.config);
  }

  /**
   * @param config - a snapshot from {@link CharCnnRnnEncoder.getConfig}
   * @returns a new encoder with freshly initialised weights
   */
  static fromConfig(config: CharCnnRnnEncoderConfig): CharCnnRnnEncoder {
    return new CharCnnRnnEncoder(config);
  }
}
registerSerializable(CharCnnRnnEncoder);

function build(c: CharCnnRnnEncoderConfig, tokenizer: Tokenizer): tfl.LayersModel {
  const rng = new SeededRandom(c.seed);
  const glorot = () => tfl.initializers.glorotUniform({ seed: rng.seed() });
  const input = tfl.input({ shape: [tokenizer.maxLength], dtype: 'int32', name: `${c.name}_tokens` });
  let x = tfl.layers
    .embedding({
      inputDim: tokenizer.vocabularySize,
      outputDim: c.charEmbeddingDim,
      embeddingsInitializer: tfl.initializers.randomUniform({
        minval: -0.05,
        maxval: 0.05,
        seed: tfjsSeed(rng.seed()),
      }),
      name: `${c.name}_embedding`,
    })
    .apply(input) as tfl.SymbolicTensor;
  c.convFilters.forEach((filters, i) => {
    x = tfl.layers
      .conv1d({
        filters,
        kernelSize: c.kernelSize,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: glorot(),
        name: `${c.name}_conv${i + 1}`,
      })
      .apply(x) as tfl.SymbolicTensor;
    x = tfl.layers
      .maxPooling1d({ poolSize: 2, name: `${c.name}_pool${i + 1}` })
      .apply(x) as tfl.SymbolicTensor;
  });
  x = tfl.layers
    .gru({
      units: c.gruUnits,
      kernelInitializer: glorot(),
      recurrentInitializer: glorot(),
      returnSequences: c.pooling === 'mean',
      name: `${c.name}_gru`,
    })
    .apply(x) as tfl.SymbolicTensor;
  if (c.pooling === 'mean') {
    x = tfl.layers.globalAveragePooling1d({ name: `${c.name}_mean` }).apply(x) as tfl.SymbolicTensor;
  }
  const out = tfl.layers
    .dense({ units: c.embeddingDim, kernelInitializer: glorot(), name: `${c.name}_projection` })
    .apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: out, name: c.name });
}

/**
 * Creates a {@link CharCnnRnnEncoder}, the character-level caption encoder of GAN-CLS.
 * @param options - tokenizer, layer sizes, seed
 * @returns the encoder
 * @throws GanError `INVALID_ARGUMENT` for bad sizes
 * @example
 * ```ts
 * import { charCnnRnnEncoder } from '@gankit/encoders';
 * const text = charCnnRnnEncoder({ embeddingDim: 128 });
 * const e = text.encodeText(['this bird is red with a short beak']);
 * console.log(e.shape); // [1, 128]
 * ```
 * @category Encoders
 */
export function charCnnRnnEncoder(options: CharCnnRnnEncoderOptions = {}): CharCnnRnnEncoder {
  return new CharCnnRnnEncoder(options);
}
