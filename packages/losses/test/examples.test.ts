import '@tensorflow/tfjs-backend-cpu';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as core from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import * as losses from '../src/index.js';

// Every @example in the package's TSDoc (and in the spectral-norm layer it owns in core) runs.

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
  '@gankit/losses': losses,
  '@gankit/core': core,
  '@tensorflow/tfjs-core': tf,
  '@tensorflow/tfjs-layers': tfl,
};

const all = [...sources(join(root, 'src')), join(root, '../core/src/layers/spectral-norm.ts')].flatMap(
  examples,
);

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('TSDoc examples', () => {
  it('covers every exported loss', () => {
    expect(all.length).toBeGreaterThanOrEqual(44);
  });

  it.each(all.map((e) => [e.name, e.code] as const))('%s', (_name, code) => {
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
    tf.tidy(() => {
      new Function('require', 'exports', 'module', js)(require, {}, { exports: {} });
    });
  });
});
