// Every @example in the package's TSDoc runs (inside an async function, so examples may await).
import '@tensorflow/tfjs-backend-cpu';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as core from '@gankit/core';
import { registerTrainingKernels } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import * as encoders from '../src/index.js';

const root = new URL('..', import.meta.url).pathname;
const sources = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') && !/\.test(-d)?\.ts$/.test(path) ? [path] : [];
  });

function examples(file: string): { name: string; code: string }[] {
  const text = readFileSync(file, 'utf8');
  const found: { name: string; code: string }[] = [];
  for (const comment of text.match(/\/\*\*[\s\S]*?\*\//g) ?? []) {
    const lines = comment.split('\n').map((l) => l.replace(/^\s*\*? ?/, ''));
    const start = lines.findIndex((l) => l.startsWith('@example'));
    if (start < 0) continue;
    const open = lines.findIndex((l, i) => i > start && l.startsWith('```'));
    const close = lines.findIndex((l, i) => i > open && l.startsWith('```'));
    const after = text
      .slice(text.indexOf(comment) + comment.length)
      .match(/(?:function|class|const)\s+(\w+)/);
    found.push({
      name: `${relative(root, file)}: ${after?.[1] ?? '?'}`,
      code: lines.slice(open + 1, close).join('\n'),
    });
  }
  return found;
}

const modules: Record<string, unknown> = {
  '@gankit/encoders': encoders,
  '@gankit/core': core,
  '@tensorflow/tfjs-core': tf,
  '@tensorflow/tfjs-layers': tfl,
};
const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (
  ...args: string[]
) => (...args: unknown[]) => Promise<void>;

const all = sources(join(root, 'src')).flatMap(examples);

beforeAll(async () => {
  await tf.setBackend('cpu');
  registerTrainingKernels('cpu');
});

describe('TSDoc examples', () => {
  it('covers the exported API', () => {
    expect(all.length).toBeGreaterThanOrEqual(26);
  });

  it.each(all.map((e) => [e.name, e.code] as const))('%s', async (_name, code) => {
    const js = ts.transpileModule(code, {
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        esModuleInterop: true,
      },
    }).outputText;
    const require = (id: string) => {
      if (!(id in modules)) throw new Error(`example imports ${id}`);
      return modules[id];
    };
    const log = console.log;
    console.log = () => {};
    try {
      await new AsyncFunction('require', 'exports', 'module', js)(require, {}, { exports: {} });
    } finally {
      console.log = log;
    }
  });
});
