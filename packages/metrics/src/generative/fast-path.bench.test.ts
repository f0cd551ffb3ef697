// Timings of the float32 path at the size of a training run's evaluation: 10,000 real and 10,000
// generated 128-d features. Minutes on a small machine, so only with GANKIT_BENCH set:
//   GANKIT_BENCH=1 pnpm vitest run --project metrics packages/metrics/src/generative/fast-path.bench
import '@tensorflow/tfjs-backend-cpu';
import { disableNativeKernels, nativeKernelStatus, setupBackend } from '@gankit/backend';
import { SeededRandom } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { FlatFeatures } from './features.js';
import { type KernelInceptionDistance, kid } from './kid.js';
import {
  densityCoverage,
  type ManifoldMetrics,
  manifoldMetrics,
  precisionRecall,
} from './precision-recall.js';

function normal(seed: number, n: number, d: number, shift = 0, scale = 1): FlatFeatures {
  const r = new SeededRandom(seed);
  const data = new Float64Array(n * d);
  for (let i = 0; i < data.length; i++) data[i] = shift + scale * r.normal();
  return { data, dim: d };
}

const n = 10_000;
const d = 128;
let real: FlatFeatures;
let fake: FlatFeatures;
const kidOptions = { subsets: 50, subsetSize: 1000, seed: 2020 };
const minutes = 30 * 60_000;

async function timed<T>(what: string, run: () => Promise<T>): Promise<T> {
  const t = performance.now();
  const result = await run();
  console.log(`${what}: ${((performance.now() - t) / 1000).toFixed(2)} s`);
  return result;
}

let exactManifold: ManifoldMetrics | undefined;
let exactKid: KernelInceptionDistance | undefined;

function compare(label: string, m: ManifoldMetrics, k: KernelInceptionDistance): void {
  if (exactManifold === undefined || exactKid === undefined) return;
  const diffs = Object.fromEntries(
    (['precision', 'recall', 'density', 'coverage'] as const).map((key) => [
      key,
      Math.abs(m[key] - exactManifold![key]),
    ]),
  );
  const kidRelative = Math.abs(k.mean - exactKid.mean) / Math.abs(exactKid.mean);
  console.log(`${label} against float64:`, { ...diffs, kidRelative });
  for (const v of Object.values(diffs)) expect(v).toBeLessThanOrEqual(2e-3);
  expect(kidRelative).toBeLessThanOrEqual(1e-4);
}

describe.skipIf(!process.env.GANKIT_BENCH)(`${n} + ${n} vectors at d = ${d}`, () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
    real = normal(21, n, d);
    fake = normal(22, n, d, 0.02, 1.04);
  });

  it(
    'float64 path (what `exact` unset takes on tfjs cpu)',
    async () => {
      exactManifold = await timed('float64 manifoldMetrics (k = 3 and 5)', () =>
        manifoldMetrics(real, fake, { exact: true }),
      );
      await timed('float64 precisionRecall + densityCoverage, separately', async () => {
        await precisionRecall(real, fake, { exact: true });
        await densityCoverage(real, fake, { exact: true });
      });
      exactKid = await timed('float64 kid (50 subsets of 1000)', () =>
        kid(real, fake, { ...kidOptions, exact: true }),
      );
      console.log({ exactManifold, exactKid });
    },
    minutes,
  );

  it(
    'float32 path on tfjs cpu (exact: false)',
    async () => {
      const before = tf.memory().numTensors;
      const m = await timed('cpu float32 manifoldMetrics', () =>
        manifoldMetrics(real, fake, { exact: false }),
      );
      const k = await timed('cpu float32 kid', () => kid(real, fake, { ...kidOptions, exact: false }));
      expect(tf.memory().numTensors).toBe(before);
      compare('cpu float32', m, k);
    },
    minutes,
  );

  it(
    'float32 path on wasm, through setupBackend (native kernels when onnxruntime-node is installed)',
    async () => {
      const report = await setupBackend({ backend: 'wasm' });
      console.log(report.details.join('\n'));
      const before = tf.memory().numTensors;
      const label = nativeKernelStatus('wasm') ? 'wasm + native kernels' : 'wasm (XNNPACK)';
      const m = await timed(`${label} manifoldMetrics (exact unset)`, () => manifoldMetrics(real, fake));
      const k = await timed(`${label} kid (exact unset)`, () => kid(real, fake, kidOptions));
      expect(tf.memory().numTensors).toBe(before);
      compare(label, m, k);
      if (nativeKernelStatus('wasm')) {
        disableNativeKernels('wasm');
        const m2 = await timed('wasm (XNNPACK, 1 thread) manifoldMetrics', () => manifoldMetrics(real, fake));
        const k2 = await timed('wasm (XNNPACK, 1 thread) kid', () => kid(real, fake, kidOptions));
        expect(tf.memory().numTensors).toBe(before);
        compare('wasm (XNNPACK)', m2, k2);
      }
    },
    minutes,
  );
});
