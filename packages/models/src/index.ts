/**
 * Generator and discriminator architectures (MLP, DCGAN, conditional, text-conditional with a
 * style encoder, SRResNet/SRGAN, U-Net/PatchGAN, LAPGAN's levels), the custom layers they use
 * (spectral normalization, pixel shuffle, resize, seeded dropout) and Laplacian-pyramid
 * operators. Pure tfjs-layers: runs in Node and in the browser.
 * @packageDocumentation
 */

export type {
  ConditionalDiscriminatorOptions,
  ConditionalGeneratorOptions,
} from './architectures/conditional.js';
export { conditionalDiscriminator, conditionalGenerator } from './architectures/conditional.js';
export type { DcganDiscriminatorOptions, DcganGeneratorOptions } from './architectures/dcgan.js';
export { dcganDiscriminator, dcganGenerator } from './architectures/dcgan.js';
export type { PatchganDiscriminatorOptions, UnetGeneratorOptions } from './architectures/image-to-image.js';
export { patchganDiscriminator, unetGenerator } from './architectures/image-to-image.js';
export type {
  LapganCoarseDiscriminatorOptions,
  LapganCoarseGeneratorOptions,
  LapganConvOptions,
  LapganLevelOptions,
  LapganSamplerOptions,
} from './architectures/lapgan.js';
export {
  lapganCoarseDiscriminator,
  lapganCoarseGenerator,
  lapganLevelDiscriminator,
  lapganLevelGenerator,
  lapganSampler,
} from './architectures/lapgan.js';
export type { MlpDiscriminatorOptions, MlpGeneratorOptions } from './architectures/mlp.js';
export { mlpDiscriminator, mlpGenerator } from './architectures/mlp.js';
export type { SpectrogramTranslatorOptions } from './architectures/speech.js';
export { spectrogramTranslator } from './architectures/speech.js';
export type {
  SrganDiscriminatorOptions,
  SrresnetGeneratorOptions,
} from './architectures/super-resolution.js';
export { srganDiscriminator, srresnetGenerator } from './architectures/super-resolution.js';
export type {
  StyleEncoderOptions,
  TextConditionalDiscriminatorOptions,
  TextConditionalGeneratorOptions,
} from './architectures/text-conditional.js';
export {
  styleEncoder,
  textConditionalDiscriminator,
  textConditionalGenerator,
} from './architectures/text-conditional.js';
export type { PixelShuffleOptions } from './layers/pixel-shuffle.js';
export { PixelShuffle, pixelShuffle } from './layers/pixel-shuffle.js';
export type { Resize2DOptions } from './layers/resize2d.js';
export { Resize2D, resize2d } from './layers/resize2d.js';
export type { SeededDropoutOptions } from './layers/seeded-dropout.js';
export { reseedDropout, SeededDropout, seededDropout } from './layers/seeded-dropout.js';
export type { SpectralNormalizationOptions } from './layers/spectral-norm.js';
export { SpectralNormalization, spectralNormalization } from './layers/spectral-norm.js';
export { LatentSlice, PyramidUpsample } from './pyramid/layers.js';
export {
  gaussianDownsample,
  gaussianUpsample,
  laplacianPyramid,
  PYRAMID_KERNEL,
  reconstructPyramid,
} from './pyramid/pyramid.js';
