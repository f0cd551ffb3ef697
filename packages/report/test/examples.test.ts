// Every @example in the package's TSDoc, and every ```ts block of its README, runs (inside an async function, so examples may await).
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { join } from 'node:path';
import { format } from 'node:util';
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
  '@gankit/report': pkg,
  'node:fs': fs,
  'node:fs/promises': fsp,
  'node:os': os,
  'node:path': path,
};
const all = [
  ...sourceFiles(join(root, 'src')).flatMap((f) => tsdocExamples(f, root)),
  ...readmeExamples(join(root, 'README.md'), root),
];

// examples write run folders relative to the working directory: run them in a scratch one
const cwd = process.cwd();
let scratch: string;
beforeAll(async () => {
  scratch = await fsp.mkdtemp(join(os.tmpdir(), 'gankit-report-examples-'));
  process.chdir(scratch);
});
afterAll(async () => {
  process.chdir(cwd);
  await fsp.rm(scratch, { recursive: true, force: true });
});

describe('TSDoc examples', () => {
  it('covers the exported API', () => {
    // every exported function has one: parseStepLog, readRunRecord, the two builders, the two writers
    expect(all.length).toBeGreaterThanOrEqual(7);
  });

  it.each(all.map((e) => [e.name, e.code] as const))('%s', async (_name, code) => {
    const run = compileExample(code, modules, true);
    const log = console.log;
    const printed: unknown[][] = [];
    console.log = (...args: unknown[]) => printed.push(args);
    try {
      await run();
    } finally {
      console.log = log;
    }
    // each example prints what its trailing comment promises
    const promised = [...code.matchAll(/console\.log\(.*\); \/\/ (.*)$/gm)].map((m) => m[1]);
    expect(printed.map((args) => format(...args))).toEqual(promised);
  });
});
