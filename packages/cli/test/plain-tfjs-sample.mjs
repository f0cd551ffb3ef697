// Loads a gankit generator with nothing but plain @tensorflow/tfjs and prints the images it
// makes for a seed, as JSON. Used by the CLI tests to show the saved model.json is standard.
// Usage: node plain-tfjs-sample.mjs <generator-dir> <n> <seed>
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';

const [dir, n, seed] = process.argv.slice(2);
await tf.setBackend('cpu');
const modelJson = JSON.parse(await readFile(path.join(dir, 'model.json'), 'utf8'));
const weights = await readFile(path.join(dir, modelJson.weightsManifest[0].paths[0]));
const model = await tf.loadLayersModel(
  tf.io.fromMemory({
    modelTopology: modelJson.modelTopology,
    weightSpecs: modelJson.weightsManifest[0].weights,
    weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
  }),
);
const latentDim = model.inputs[0].shape[1];
const images = model.predict(tf.randomNormal([Number(n), latentDim], 0, 1, 'float32', Number(seed)));
process.stdout.write(JSON.stringify({ shape: images.shape, values: Array.from(await images.data()) }));
