/**
 * Feature encoders for gankit: the `Encoder` interface every loss and metric accepts, and
 * learned CNN encoders.
 * @packageDocumentation
 */
export type { CnnEncoderConfig, CnnEncoderOptions } from './cnn/cnn-encoder.js';
export { CnnEncoder, cnnEncoder } from './cnn/cnn-encoder.js';
export type { Encoder, EncoderInputSpec } from './encoder.js';
