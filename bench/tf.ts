import { createRequire } from 'node:module';
import type * as TfCore from '@tensorflow/tfjs-core';
import type * as TfLayers from '@tensorflow/tfjs-layers';

// bench/ has no dependencies of its own: tfjs comes from @gankit/backend's install, through the
// same files its source imports, so there is one tfjs engine in the process.
const coreRequire = createRequire(new URL('../packages/backend/package.json', import.meta.url));

/** tfjs-core, as @gankit/backend resolves it. */
export const tf = coreRequire('@tensorflow/tfjs-core') as typeof TfCore;
/** tfjs-layers, as @gankit/backend resolves it (also registers every op's gradient). */
export const tfl = coreRequire('@tensorflow/tfjs-layers') as typeof TfLayers;

/** Version strings of the tfjs packages in use. */
export function tfjsVersions(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pkg of ['tfjs-core', 'tfjs-layers', 'tfjs-backend-wasm', 'tfjs-backend-cpu']) {
    try {
      out[pkg] = (coreRequire(`@tensorflow/${pkg}/package.json`) as { version: string }).version;
    } catch {
      out[pkg] = 'not installed';
    }
  }
  return out;
}

export type { TfCore, TfLayers };
