// Every @example in the package's TSDoc, and every ```ts block of its README, runs (inside an async function, so examples may await).
import '@tensorflow/tfjs-backend-cpu';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { join } from 'node:path';
import * as backend from '@gankit/backend';
import * as core from '@gankit/core';
import * as wasm from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  compileExample,
  readmeExamples,
  sourceFiles,
  tsdocExamples,
} from '../../../tooling/tsdoc-examples.js';
import * as pkg from '../src/index.js';

const root = new URL('..', import.meta.url).pathname;

const modules: Record<string, unknown> = {
  '@gankit/data': pkg,
  '@gankit/core': core,
  '@tensorflow/tfjs-core': tf,
  '@tensorflow/tfjs-layers': tfl,
  '@tensorflow/tfjs-backend-wasm': wasm,
  'node:fs': fs,
  'node:fs/promises': fsp,
  'node:os': os,
  'node:path': path,
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
  scratch = await fsp.mkdtemp(join(os.tmpdir(), 'gankit-examples-'));
  process.chdir(scratch);
});
afterEach(async () => {
  // an example may switch backends (setupBackend): the next one starts on cpu again
  await tf.setBackend('cpu');
});
afterAll(async () => {
  process.chdir(cwd);
  await fsp.rm(scratch, { recursive: true, force: true });
});

describe('TSDoc examples', () => {
  it('covers the exported API', () => {
    expect(all.length).toBeGreaterThanOrEqual(25);
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
