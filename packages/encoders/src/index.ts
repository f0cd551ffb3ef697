/**
 * Feature encoders for gankit: the `Encoder` interface every loss and metric accepts; VGG16 and
 * VGG19 feature extractors with Keras weight loading; learned CNN encoders; caption encoders for
 * text-conditioned GANs with joint-embedding pre-training; and a Fashion-MNIST classifier encoder.
 * @packageDocumentation
 */
export type {
  ClassifierEncoderConfig,
  ClassifierEncoderOptions,
  ClassifierTaps,
} from './classifier/classifier-encoder.js';
export {
  ClassifierEncoder,
  classifierEncoder,
  fashionClassifier,
  fashionClassifierDir,
  loadFashionClassifier,
} from './classifier/classifier-encoder.js';
export type { CnnEncoderConfig, CnnEncoderOptions } from './cnn/cnn-encoder.js';
export { CnnEncoder, cnnEncoder } from './cnn/cnn-encoder.js';
export type { EncodeOptions, Encoder, EncoderBase, EncoderInputSpec, EncoderOutput } from './encoder.js';
export { checkEncoderInput, toTaps } from './encoder.js';
export { fashionClassifierFeatures } from './features/fashion-features.js';
export type { FeatureNetwork } from './features/feature-network.js';
export type { InceptionV3Options } from './features/inception.js';
export { loadInceptionV3 } from './features/inception.js';
export type { SavedEncoderMetadata } from './io/save.js';
export { loadEncoder, saveEncoder } from './io/save.js';
export type { LoadWeightsOptions, LoadWeightsReport } from './io/weights.js';
export { loadWeights } from './io/weights.js';
export type { BagOfWordsEncoderConfig, BagOfWordsEncoderOptions } from './text/bag-of-words.js';
export { BagOfWordsEncoder, bagOfWordsEncoder } from './text/bag-of-words.js';
export type { CaptionEncoder } from './text/caption-encoder.js';
export type { CharCnnRnnEncoderConfig, CharCnnRnnEncoderOptions } from './text/char-cnn-rnn.js';
export { CharCnnRnnEncoder, charCnnRnnEncoder } from './text/char-cnn-rnn.js';
export type {
  JointEmbeddingLoss,
  JointEmbeddingLossOptions,
  JointEmbeddingPairs,
  TrainJointEmbeddingOptions,
  TrainJointEmbeddingResult,
} from './text/joint-embedding.js';
export { jointEmbeddingLoss, retrievalAccuracy, trainJointEmbedding } from './text/joint-embedding.js';
export type { TokenizerConfig, TokenizerOptions } from './text/tokenizer.js';
export {
  DEFAULT_CHAR_ALPHABET,
  PAD_ID,
  RESERVED_TOKENS,
  Tokenizer,
  UNKNOWN_ID,
} from './text/tokenizer.js';
export type { VggEncoderConfig, VggEncoderOptions, VggPreprocessing, VggVariant } from './vgg/vgg.js';
export {
  ESRGAN_VGG_TAP,
  IMAGENET_BGR_MEAN,
  loadVgg,
  SRGAN_VGG_TAP,
  VggEncoder,
  vgg16,
  vgg19,
  vggPreprocess,
  vggTapNames,
} from './vgg/vgg.js';
