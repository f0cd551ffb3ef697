// Shared by this folder's tests: set up the webgpu backend (any adapter, software included) or
// say why not. Where no adapter exists the tests skip with that reason, except under CI
// (CI=true, which .ci/run sets after installing Mesa): there a missing adapter fails them.
// Not part of the API.

import '@tensorflow/tfjs-backend-cpu';
import { GanError } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';
import { type BackendReport, setupBackend } from '../setup.js';

/** The webgpu backend's report, or why there is none. */
export type WebgpuForTests = { ok: true; report: BackendReport } | { ok: false; reason: string };

/**
 * Sets up the webgpu backend on whatever adapter exists (software included) and leaves the
 * cpu backend active. Under CI a missing adapter throws, so that CI cannot skip these tests.
 */
export async function webgpuForTests(): Promise<WebgpuForTests> {
  let result: WebgpuForTests;
  try {
    result = { ok: true, report: await setupBackend({ backend: 'webgpu' }) };
  } catch (e) {
    if (!(e instanceof GanError) || e.code !== 'BACKEND_UNAVAILABLE') throw e;
    if (process.env.CI) {
      throw new Error(
        `CI must run the webgpu tests, but: ${e.message} (.ci/run installs the Mesa packages that give an adapter)`,
      );
    }
    result = { ok: false, reason: e.message };
  }
  await tf.setBackend('cpu');
  return result;
}

/** Values read back with `await data()` (dataSync throws on webgpu in Node). */
export async function readAll(tensors: readonly tf.Tensor[]): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (const t of tensors) out.push(Float32Array.from(await t.data()));
  return out;
}

/** max |got - want| / max |want| (plain max |got - want| where want is all zeros). */
export function relativeError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  if (got.length !== want.length) return Number.POSITIVE_INFINITY;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    diff = Math.max(diff, Math.abs(got[i]! - want[i]!));
    scale = Math.max(scale, Math.abs(want[i]!));
  }
  if (Number.isNaN(diff)) return Number.POSITIVE_INFINITY;
  return scale === 0 ? diff : diff / scale;
}
