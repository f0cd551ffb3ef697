// Every @example in the package's TSDoc, and every ```ts block of its README, runs (inside an async function, so examples may await).
import '@tensorflow/tfjs-backend-cpu';
import * as nodeFs from 'node:fs';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import * as backend from '@gankit/backend';
import * as core from '@gankit/core';
import * as data from '@gankit/data';
import * as losses from '@gankit/losses';
import * as models from '@gankit/models';
import * as trainers from '@gankit/trainers';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  compileExample,
  readmeExamples,
  sourceFiles,
  tsdocExamples,
} from '../../../tooling/tsdoc-examples.js';
import * as pkg from '../src/index.js';

const root = new URL('..', import.meta.url).pathname;

const modules: Record<string, unknown> = {
  '@gankit/families': pkg,
  'node:fs': nodeFs,
  '@gankit/trainers': trainers,
  '@gankit/backend': backend,
  '@gankit/core': core,
  '@gankit/data': data,
  '@gankit/models': models,
  '@gankit/losses': losses,
  '@tensorflow/tfjs-core': tf,
  '@tensorflow/tfjs-layers': tfl,
};
const all = [
  ...sourceFiles(join(root, 'src')).flatMap((f) => tsdocExamples(f, root)),
  ...readmeExamples(join(root, 'README.md'), root),
];

// examples that write files do so relative to the working directory: run them in a scratch one
const cwd = process.cwd();
let scratch: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  backend.registerTrainingKernels('cpu');
  scratch = await fs.mkdtemp(join(os.tmpdir(), 'gankit-examples-'));
  process.chdir(scratch);
});
afterAll(async () => {
  process.chdir(cwd);
  await fs.rm(scratch, { recursive: true, force: true });
});

describe('TSDoc examples', () => {
  it('covers the exported API', () => {
    expect(all.length).toBeGreaterThanOrEqual(5);
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
