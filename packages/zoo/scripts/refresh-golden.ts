/**
 * Recomputes a zoo card's golden outputs from its stored weights, as the zoo's tests read them
 * (cpu backend, `loadZooModel`): `node --conditions=@gankit/source --import tsx packages/zoo/scripts/refresh-golden.ts NAME`.
 */
import '@tensorflow/tfjs-backend-cpu';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { getFamily } from '@gankit/families';
import * as tf from '@tensorflow/tfjs-core';
import { goldenInput } from '../src/golden.js';
import { loadZooModel, zooModelCard, zooModelDir } from '../src/index.js';

const name = process.argv[2]!;
await tf.setBackend('cpu');
const card = zooModelCard(name);
const family = getFamily(card.family);
const g = await loadZooModel(name);
const input = goldenInput(g, {
  classConditional: family.classConditional ?? false,
  upscales: family.upscales ?? false,
});
const flat = await (g.predict(input.tensors) as tf.Tensor).data();
card.golden = {
  ...card.golden,
  input: input.description,
  values: card.golden.indices.map((i) => Math.round(flat[i]! * 1e6) / 1e6),
};
await fs.writeFile(path.join(zooModelDir(name), 'card.json'), `${JSON.stringify(card, null, 2)}\n`);
console.log(`${name}: golden values refreshed`);
