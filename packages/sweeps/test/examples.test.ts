// Every @example in the package's TSDoc, and every ```ts block of its README, runs (inside an
// async function, so examples may await). Those that train write to runs/ in a scratch folder.
import '@tensorflow/tfjs-backend-cpu';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import * as core from '@gankit/core';
import * as families from '@gankit/families';
import * as tf from '@tensorflow/tfjs-core';
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
  '@gankit/sweeps': pkg,
  '@gankit/families': families,
  '@gankit/core': core,
};
const all = [
  ...sourceFiles(join(root, 'src')).flatMap((f) => tsdocExamples(f, root)),
  ...readmeExamples(join(root, 'README.md'), root),
];

const cwd = process.cwd();
let scratch: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  scratch = await fs.mkdtemp(join(os.tmpdir(), 'gankit-sweeps-examples-'));
  process.chdir(scratch);
});
afterAll(async () => {
  process.chdir(cwd);
  await fs.rm(scratch, { recursive: true, force: true });
});

describe('TSDoc examples', () => {
  it('covers the exported API', () => {
    expect(all.length).toBeGreaterThanOrEqual(8);
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
