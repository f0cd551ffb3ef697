import '@tensorflow/tfjs-backend-cpu';
import { join } from 'node:path';
import * as core from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  compileExample,
  readmeExamples,
  sourceFiles,
  tsdocExamples,
} from '../../../tooling/tsdoc-examples.js';
import * as losses from '../src/index.js';

// Every @example in the package's TSDoc, and every ```ts block of its README, runs.

const root = new URL('..', import.meta.url).pathname;

const modules: Record<string, unknown> = {
  '@gankit/losses': losses,
  '@gankit/core': core,
  '@tensorflow/tfjs-core': tf,
  '@tensorflow/tfjs-layers': tfl,
};

const all = [
  ...sourceFiles(join(root, 'src')).flatMap((f) => tsdocExamples(f, root)),
  ...readmeExamples(join(root, 'README.md'), root),
];

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('TSDoc examples', () => {
  it('covers every exported loss', () => {
    expect(all.length).toBeGreaterThanOrEqual(44);
  });

  it.each(all.map((e) => [e.name, e.code] as const))('%s', (_name, code) => {
    const run = compileExample(code, modules);
    tf.tidy(() => {
      run();
    });
  });
});
