import { GanError } from '@gankit/core';
import type * as tf from '@tensorflow/tfjs-core';

/**
 * The first weight holding NaN or infinity in tfjs-encoded weight data, or undefined when
 * all are finite. Reads float32 weights and float16-quantized ones (exponent bits all set);
 * integer and 8-bit weights cannot be non-finite.
 */
export function firstNonFiniteWeight(
  specs: readonly tf.io.WeightsManifestEntry[],
  data: ArrayBuffer,
): { name: string; index: number; value: number } | undefined {
  // a DataView, because float16 weights leave later float32 ones unaligned for a Float32Array
  const view = new DataView(data);
  let offset = 0;
  for (const spec of specs) {
    const n = spec.shape.reduce((a, b) => a * b, 1);
    const q = spec.quantization?.dtype;
    if (q === 'float16') {
      for (let i = 0; i < n; i++) {
        const bits = view.getUint16(offset + 2 * i, true);
        if ((bits & 0x7c00) === 0x7c00) {
          return {
            name: spec.name,
            index: i,
            value: bits & 0x3ff ? Number.NaN : bits & 0x8000 ? -Infinity : Infinity,
          };
        }
      }
      offset += 2 * n;
    } else if (q !== undefined) {
      offset += (q === 'uint8' ? 1 : 2) * n;
    } else if (spec.dtype === 'float32') {
      for (let i = 0; i < n; i++) {
        const value = view.getFloat32(offset + 4 * i, true);
        if (!Number.isFinite(value)) return { name: spec.name, index: i, value };
      }
      offset += 4 * n;
    } else {
      offset += (spec.dtype === 'bool' ? 1 : 4) * n;
    }
  }
  return undefined;
}

/**
 * Throws when encoded weights hold NaN or infinity, naming the weight and the place.
 * @param what - the sentence start, e.g. `saveModel: refusing to write /run/generator`
 * @param code - `NON_FINITE` on save (a diverged network), `INVALID_DATA` on load (a damaged file)
 */
export function assertFiniteWeights(
  what: string,
  code: 'NON_FINITE' | 'INVALID_DATA',
  specs: readonly tf.io.WeightsManifestEntry[],
  data: ArrayBuffer,
): void {
  const bad = firstNonFiniteWeight(specs, data);
  if (bad) {
    throw new GanError(code, `${what}: weight '${bad.name}' holds ${bad.value} at index ${bad.index}`);
  }
}
