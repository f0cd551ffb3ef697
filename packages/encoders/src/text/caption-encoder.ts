import { formatShape, GanError } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { EncodeOptions, EncoderBase } from '../encoder.js';
import { setModelTrainable } from '../internal/trainable.js';
import type { Tokenizer } from './tokenizer.js';

/**
 * A text encoder for text-conditioned GANs (GAN-CLS, GAN-INT): token ids in, one embedding per
 * caption out. Its tokenizer, vocabulary included, is part of its config, so a saved encoder
 * reads captions exactly as it did in training.
 * @category Encoders
 */
export interface CaptionEncoder extends EncoderBase<tf.Tensor2D> {
  /** The tokenizer that turns captions into ids. */
  readonly tokenizer: Tokenizer;
  /** Size of the embedding each caption maps to. */
  readonly embeddingDim: number;
  /**
   * Encodes token ids. The caller owns the result.
   * @param tokens - int32 [batch, tokenizer.maxLength]
   * @param options - `training` for dropout-like layers
   * @returns float32 [batch, embeddingDim]
   */
  encode(tokens: tf.Tensor2D, options?: EncodeOptions): tf.Tensor2D;
  /**
   * Tokenizes and encodes captions. The caller owns the result.
   * @param texts - captions
   * @param options - `training`
   * @returns float32 [texts.length, embeddingDim]
   */
  encodeText(texts: readonly string[], options?: EncodeOptions): tf.Tensor2D;
}

/**
 * What the caption encoders share: trainability, id checks, tokenizing.
 * @internal
 */
export abstract class CaptionEncoderBase implements CaptionEncoder {
  abstract readonly name: string;
  abstract readonly tokenizer: Tokenizer;
  abstract readonly embeddingDim: number;
  abstract readonly model: tfl.LayersModel;
  abstract getConfig(): Record<string, unknown>;

  /** @returns whether the weights are trainable */
  get trainable(): boolean {
    return this.model.trainable;
  }

  /** @param trainable - true to let gradients update the weights */
  setTrainable(trainable: boolean): void {
    setModelTrainable(this.model, trainable);
  }

  /**
   * @param tokens - int32 ids [batch, tokenizer.maxLength]
   * @param options - `training`
   * @returns [batch, embeddingDim] (the caller owns it)
   * @throws GanError `SHAPE_MISMATCH` for a wrong shape, `INVALID_ARGUMENT` for a non-int32 tensor
   */
  encode(tokens: tf.Tensor2D, options: EncodeOptions = {}): tf.Tensor2D {
    const fn = `${(this.constructor as { className?: string }).className ?? 'CaptionEncoder'}.encode`;
    const len = this.tokenizer.maxLength;
    if (tokens.rank !== 2 || tokens.shape[1] !== len) {
      throw new GanError(
        'SHAPE_MISMATCH',
        `${fn}: tokens must have shape [batch, ${len}], got ${formatShape(tokens.shape)}`,
      );
    }
    if (tokens.dtype !== 'int32') {
      throw new GanError('INVALID_ARGUMENT', `${fn}: tokens must be int32 ids, got ${tokens.dtype}`);
    }
    return this.model.apply(tokens, { training: options.training ?? false }) as tf.Tensor2D;
  }

  /**
   * @param texts - captions
   * @param options - `training`
   * @returns [texts.length, embeddingDim] (the caller owns it)
   * @throws GanError `INVALID_ARGUMENT` for an empty list
   */
  encodeText(texts: readonly string[], options: EncodeOptions = {}): tf.Tensor2D {
    return tf.tidy(() => this.encode(this.tokenizer.encodeBatch(texts), options));
  }

  /** Frees the weights. */
  dispose(): void {
    this.model.dispose();
  }
}
