// bench/tf.ts for the bundled GPU benchmark (bench/pack-gpu.mjs): the same exports, with tfjs
// imported statically so the bundler includes it once.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

export { tf, tfl };

/** Version strings of the tfjs packages bundled. */
export function tfjsVersions(): Record<string, string> {
  return { 'tfjs-core': tf.version_core, 'tfjs-layers': tfl.version_layers };
}

export type * as TfCore from '@tensorflow/tfjs-core';
export type * as TfLayers from '@tensorflow/tfjs-layers';
