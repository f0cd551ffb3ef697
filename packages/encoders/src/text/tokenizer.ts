import { checkInteger, GanError, registerSerializable } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';

/** The id of padding; every vocabulary starts with it. @category Encoders */
export const PAD_ID = 0;
/** The id of tokens missing from the vocabulary; every vocabulary has it second. @category Encoders */
export const UNKNOWN_ID = 1;
/** The two reserved vocabulary entries, ids 0 and 1. @category Encoders */
export const RESERVED_TOKENS: readonly [string, string] = ['<pad>', '<unk>'];

/**
 * The characters of Reed et al.'s char-CNN-RNN alphabet (lowercase letters, digits, punctuation
 * and space), the default vocabulary of a character tokenizer.
 * @category Encoders
 */
export const DEFAULT_CHAR_ALPHABET =
  'abcdefghijklmnopqrstuvwxyz0123456789-,;.!?:\'"/\\|_@#$%^&*~`+-=<>()[]{} ';

/**
 * The JSON-safe form of a {@link Tokenizer}: the vocabulary travels with every text encoder's config.
 * @category Encoders
 */
export type TokenizerConfig = {
  /** `char`: one token per character; `word`: runs of letters, digits and apostrophes. */
  level: 'char' | 'word';
  /** Token strings by id; ids 0 and 1 are `<pad>` and `<unk>`. */
  vocabulary: string[];
  /** Lowercase text before tokenizing. */
  lowercase: boolean;
  /** Sequences are padded or cut to this many tokens. */
  maxLength: number;
  /** Where padding goes: `pre` (before the text; best for recurrent encoders) or `post`. */
  padding: 'pre' | 'post';
};

/**
 * Options of {@link Tokenizer.fromTexts}.
 * @category Encoders
 */
export interface TokenizerOptions {
  /** `char` or `word`. Default `word`. */
  level?: 'char' | 'word';
  /** Lowercase first. Default true. */
  lowercase?: boolean;
  /** Sequence length. Default 64 for characters, 16 for words. */
  maxLength?: number;
  /** Padding side. Default `pre`. */
  padding?: 'pre' | 'post';
  /** Keep at most this many tokens (the most frequent; ties by first appearance), besides the two reserved ones. */
  maxVocabulary?: number;
  /** Drop tokens seen fewer times. Default 1. */
  minCount?: number;
}

/**
 * Turns captions into fixed-length int32 id sequences, with a vocabulary that is saved with the
 * model that uses it. Id 0 is padding and id 1 an unknown token. Registered as `gankit>Tokenizer`.
 * @example
 * ```ts
 * import { Tokenizer } from '@gankit/encoders';
 * const tok = Tokenizer.fromTexts(['a red bird', 'a blue bird'], { level: 'word', maxLength: 4 });
 * console.log(tok.encode('a red fish')); // [0, 2, 4, 1]: pre-padded, 'fish' unknown
 * ```
 * @category Encoders
 */
export class Tokenizer {
  /** Registered as `gankit>Tokenizer`. */
  static readonly className = 'Tokenizer';
  private readonly config: TokenizerConfig;
  private readonly ids: Map<string, number>;

  /**
   * @param config - level, vocabulary (with `<pad>` and `<unk>` first), lowercase, maxLength, padding
   * @throws GanError `INVALID_CONFIG` when the vocabulary lacks the reserved entries or repeats a token
   */
  constructor(config: TokenizerConfig) {
    const fn = 'Tokenizer';
    if (config.level !== 'char' && config.level !== 'word') {
      throw new GanError(
        'INVALID_CONFIG',
        `${fn}: level must be 'char' or 'word', got '${String(config.level)}'`,
      );
    }
    if (config.padding !== 'pre' && config.padding !== 'post') {
      throw new GanError(
        'INVALID_CONFIG',
        `${fn}: padding must be 'pre' or 'post', got '${String(config.padding)}'`,
      );
    }
    checkInteger(fn, 'maxLength', config.maxLength);
    const v = config.vocabulary;
    if (!Array.isArray(v) || v[PAD_ID] !== RESERVED_TOKENS[0] || v[UNKNOWN_ID] !== RESERVED_TOKENS[1]) {
      throw new GanError(
        'INVALID_CONFIG',
        `${fn}: vocabulary must start with '${RESERVED_TOKENS[0]}', '${RESERVED_TOKENS[1]}', got ${JSON.stringify(
          Array.isArray(v) ? v.slice(0, 2) : v,
        )}`,
      );
    }
    this.ids = new Map(v.map((t, i) => [t, i]));
    if (this.ids.size !== v.length) {
      throw new GanError('INVALID_CONFIG', `${fn}: vocabulary repeats a token`);
    }
    this.config = { ...config, vocabulary: [...v] };
  }

  /**
   * Builds a tokenizer whose vocabulary holds the tokens of `texts`, most frequent first.
   * @param texts - the training captions
   * @param options - level, lowercase, maxLength, padding, maxVocabulary, minCount
   * @returns the tokenizer
   * @throws GanError `INVALID_ARGUMENT` for a non-positive maxLength or maxVocabulary
   */
  static fromTexts(texts: readonly string[], options: TokenizerOptions = {}): Tokenizer {
    const level = options.level ?? 'word';
    const lowercase = options.lowercase ?? true;
    const counts = new Map<string, number>();
    for (const text of texts) {
      for (const t of splitTokens(level, lowercase ? text.toLowerCase() : text))
        counts.set(t, (counts.get(t) ?? 0) + 1);
    }
    const minCount = options.minCount ?? 1;
    let tokens = [...counts.entries()]
      .filter(([t, n]) => n >= minCount && !RESERVED_TOKENS.includes(t))
      .sort((a, b) => b[1] - a[1]) // stable: ties keep first appearance
      .map(([t]) => t);
    if (options.maxVocabulary !== undefined) {
      tokens = tokens.slice(0, checkInteger('Tokenizer.fromTexts', 'maxVocabulary', options.maxVocabulary));
    }
    return new Tokenizer({
      level,
      lowercase,
      maxLength: options.maxLength ?? (level === 'char' ? 64 : 16),
      padding: options.padding ?? 'pre',
      vocabulary: [...RESERVED_TOKENS, ...tokens],
    });
  }

  /**
   * A character tokenizer over a fixed alphabet (default {@link DEFAULT_CHAR_ALPHABET}).
   * @param options - `alphabet`, `maxLength` (default 64), `lowercase` (default true), `padding` (default `pre`)
   * @returns the tokenizer
   */
  static characters(
    options: { alphabet?: string; maxLength?: number; lowercase?: boolean; padding?: 'pre' | 'post' } = {},
  ): Tokenizer {
    const chars = [...new Set(Array.from(options.alphabet ?? DEFAULT_CHAR_ALPHABET))];
    return new Tokenizer({
      level: 'char',
      lowercase: options.lowercase ?? true,
      maxLength: options.maxLength ?? 64,
      padding: options.padding ?? 'pre',
      vocabulary: [...RESERVED_TOKENS, ...chars],
    });
  }

  /** @returns the number of ids, reserved ones included */
  get vocabularySize(): number {
    return this.config.vocabulary.length;
  }

  /** @returns the sequence length */
  get maxLength(): number {
    return this.config.maxLength;
  }

  /**
   * @param text - a caption
   * @returns its tokens (lowercased if configured), before mapping to ids
   */
  tokens(text: string): string[] {
    return splitTokens(this.config.level, this.config.lowercase ? text.toLowerCase() : text);
  }

  /**
   * @param text - a caption
   * @returns exactly `maxLength` ids: the first tokens, padded with 0 on the configured side
   */
  encode(text: string): number[] {
    const ids = this.tokens(text)
      .slice(0, this.config.maxLength)
      .map((t) => this.ids.get(t) ?? UNKNOWN_ID);
    const pad = new Array<number>(this.config.maxLength - ids.length).fill(PAD_ID);
    return this.config.padding === 'pre' ? [...pad, ...ids] : [...ids, ...pad];
  }

  /**
   * @param texts - captions
   * @returns int32 ids [texts.length, maxLength] (the caller owns it)
   * @throws GanError `INVALID_ARGUMENT` for an empty list
   */
  encodeBatch(texts: readonly string[]): tf.Tensor2D {
    if (texts.length === 0)
      throw new GanError('INVALID_ARGUMENT', 'Tokenizer.encodeBatch: texts must not be empty');
    const ids = new Int32Array(texts.length * this.config.maxLength);
    texts.forEach((t, i) => {
      ids.set(this.encode(t), i * this.config.maxLength);
    });
    return tf.tensor2d(ids, [texts.length, this.config.maxLength], 'int32');
  }

  /**
   * @param ids - token ids
   * @returns the text they stand for, padding dropped (words joined by spaces)
   */
  decode(ids: readonly number[]): string {
    const parts = ids.filter((i) => i !== PAD_ID).map((i) => this.config.vocabulary[i] ?? RESERVED_TOKENS[1]);
    return parts.join(this.config.level === 'word' ? ' ' : '');
  }

  /** @returns the JSON-safe config, vocabulary included */
  getConfig(): TokenizerConfig {
    return structuredClone(this.config);
  }

  /**
   * @param config - a snapshot from {@link Tokenizer.getConfig}
   * @returns the same tokenizer
   */
  static fromConfig(config: TokenizerConfig): Tokenizer {
    return new Tokenizer(config);
  }
}
registerSerializable(Tokenizer);

function splitTokens(level: 'char' | 'word', text: string): string[] {
  if (level === 'char') return Array.from(text);
  return text.match(/[\p{L}\p{N}']+/gu) ?? [];
}
