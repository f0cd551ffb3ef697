/**
 * Adds a trained run to the zoo, from the repository root:
 *   node --conditions=@gankit/source --import tsx packages/zoo/scripts/add-to-zoo.ts RUN_DIR NAME \
 *     --command "the exact training command" --wall 1h05m --description "..." \
 *     --data-name "..." --data-source "..." --data-licence "..." [--licence "..."]
 * Stores the generator with float16 weights (tfjs decodes them to float32 on load; the script
 * measures how far the outputs move, in grey levels), copies the run's config, writes the
 * model card with the run's evaluation and golden outputs for a fixed input, and a preview PNG.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import '@tensorflow/tfjs-backend-cpu';
import { loadModel } from '@gankit/data';
import { getFamily, readRunConfig, sampleRun } from '@gankit/families';
import * as tf from '@tensorflow/tfjs-core';
import { goldenInput } from '../src/golden.js';
import type { ModelCard } from '../src/zoo.js';
import { float32ToFloat16 } from './float16.js';

const [runDir, name, ...rest] = process.argv.slice(2);
if (!runDir || !name) throw new Error('usage: add-to-zoo.ts RUN_DIR NAME --command ... --wall ...');
const flag = (f: string, fallback?: string) => {
  const i = rest.indexOf(f);
  if (i >= 0 && rest[i + 1] !== undefined) return rest[i + 1]!;
  if (fallback === undefined) throw new Error(`add-to-zoo: ${f} is required`);
  return fallback;
};

await tf.setBackend('cpu');
const config = await readRunConfig(runDir);
const family = getFamily(config.family);
const out = path.join(import.meta.dirname, '..', 'models', name);
await fs.rm(out, { recursive: true, force: true });
await fs.mkdir(path.join(out, 'generator'), { recursive: true });

// float16 weights: same topology, each float32 weight stored as IEEE half with a quantization note
const modelJson = JSON.parse(await fs.readFile(path.join(runDir, 'generator', 'model.json'), 'utf8'));
const weights = new Float32Array(
  (await fs.readFile(path.join(runDir, 'generator', 'weights.bin'))).buffer.slice(0),
);
const group = modelJson.weightsManifest[0];
let offset = 0;
const halves: Uint16Array[] = [];
for (const spec of group.weights) {
  const size = spec.shape.reduce((a: number, b: number) => a * b, 1);
  if (spec.dtype !== 'float32') throw new Error(`add-to-zoo: ${spec.name} is ${spec.dtype}, not float32`);
  halves.push(float32ToFloat16(weights.subarray(offset, offset + size)));
  spec.quantization = { dtype: 'float16' };
  offset += size;
}
const bin = Buffer.concat(halves.map((h) => Buffer.from(h.buffer, h.byteOffset, h.byteLength)));
group.paths = ['weights.bin'];
await fs.writeFile(path.join(out, 'generator', 'model.json'), JSON.stringify(modelJson));
await fs.writeFile(path.join(out, 'generator', 'weights.bin'), bin);
await fs.copyFile(path.join(runDir, 'config.json'), path.join(out, 'config.json'));

// how far float16 moves the outputs, and the golden values of the stored model
const full = await loadModel(path.join(runDir, 'generator'));
const half = await loadModel(path.join(out, 'generator'));
const input = goldenInput(full, {
  classConditional: family.classConditional ?? false,
  upscales: family.upscales ?? false,
});
const a = full.predict(input.tensors) as tf.Tensor;
const b = half.predict(input.tensors) as tf.Tensor;
const maxChange = (await tf.max(tf.abs(tf.sub(a, b))).data())[0]! * 127.5;
const flat = (await b.data()) as Float32Array;
const indices = Array.from({ length: 32 }, (_, i) => Math.floor(((i + 0.5) * flat.length) / 32));
tf.dispose([a, b, ...input.tensors]);
full.dispose();
half.dispose();

const evaluation = JSON.parse(
  await fs.readFile(path.join(runDir, 'evaluation.json'), 'utf8').catch(() => '{}'),
);
const evalFile = await fs.readFile(path.join(runDir, 'eval.json'), 'utf8').catch(() => undefined);
const card: ModelCard = {
  name,
  family: config.family,
  preset: config.preset,
  description: flag('--description'),
  data: { name: flag('--data-name'), source: flag('--data-source'), licence: flag('--data-licence') },
  command: flag('--command'),
  commit: flag('--commit', execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim()),
  steps: typeof evaluation.step === 'number' ? evaluation.step : config.training.steps,
  wallTime: flag('--wall'),
  machine: flag(
    '--machine',
    '2 vCPU AMD EPYC (the build machine), one thread, wasm + onnxruntime-node native kernels',
  ),
  metrics: { ...evaluation, ...(evalFile ? { eval: JSON.parse(evalFile) } : {}) },
  weights: {
    dtype: 'float16',
    bytes: bin.length,
    sha256: createHash('sha256').update(bin).digest('hex'),
    maxOutputChange: `${maxChange.toFixed(3)} grey levels (float16 against the trained float32 weights, on the golden input)`,
  },
  golden: {
    input: input.description,
    seed: 1,
    indices,
    values: indices.map((i) => Math.round(flat[i]! * 1e6) / 1e6),
  },
  licence: flag('--licence', 'Apache-2.0 (code); the training data licence above applies to what it learned'),
};
await fs.writeFile(path.join(out, 'card.json'), `${JSON.stringify(card, null, 2)}\n`);
if (family.sample)
  await sampleRun(out, { n: 64, seed: 0, out: path.join(out, 'preview.png'), backend: 'cpu' });
console.log(
  `${name}: ${bin.length} bytes of float16 weights, outputs within ${maxChange.toFixed(3)} grey levels of float32`,
);
