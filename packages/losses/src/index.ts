/**
 * Adversarial losses, regularizers and content terms for GANs, as plain typed functions on
 * tfjs tensors.
 * @packageDocumentation
 */
export {
  minimaxDiscriminatorLoss,
  minimaxGeneratorLoss,
  nonSaturatingGeneratorLoss,
} from './adversarial/minimax.js';
export type { AdversarialLoss, AdversarialLossName } from './adversarial/registry.js';
export {
  getAdversarialLoss,
  listAdversarialLosses,
  registerAdversarialLoss,
} from './adversarial/registry.js';
