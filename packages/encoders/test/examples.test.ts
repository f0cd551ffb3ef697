// Every @example in the package's TSDoc, and every ```ts block of its README, runs (inside an async function, so examples may await).
import '@tensorflow/tfjs-backend-cpu';
import { join } from 'node:path';
import { registerTrainingKernels } from '@gankit/backend';
import * as core from '@gankit/core';
import * as data from '@gankit/data';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  compileExample,
  readmeExamples,
  sourceFiles,
  tsdocExamples,
} from '../../../tooling/tsdoc-examples.js';
import * as encoders from '../src/index.js';

const root = new URL('..', import.meta.url).pathname;

const modules: Record<string, unknown> = {
  '@gankit/encoders': encoders,
  '@gankit/core': core,
  '@gankit/data': data,
  '@tensorflow/tfjs-core': tf,
  '@tensorflow/tfjs-layers': tfl,
};
const all = [
  ...sourceFiles(join(root, 'src')).flatMap((f) => tsdocExamples(f, root)),
  ...readmeExamples(join(root, 'README.md'), root),
];

beforeAll(async () => {
  await tf.setBackend('cpu');
  registerTrainingKernels('cpu');
});

describe('TSDoc examples', () => {
  it('covers the exported API', () => {
    expect(all.length).toBeGreaterThanOrEqual(26);
  });

  it.each(all.map((e) => [e.name, e.code] as const))('%s', async (_name, code) => {
    const run = compileExample(code, modules, true);
    const log = console.log;
    console.log = () => {};
    try {
      await run();
    } finally {
      console.log = log;
    }
  });
});
