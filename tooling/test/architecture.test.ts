import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

// The package graph of DESIGN.md: dependencies flow one way, no package reaches into a
// sibling's files, and each package pulls in only what its job needs.
const root = new URL('../../', import.meta.url).pathname;
const packagesDir = join(root, 'packages');

interface Manifest {
  name: string;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  devDependencies?: Record<string, string>;
}
const manifests = new Map<string, Manifest>(
  readdirSync(packagesDir).map((dir) => {
    const m = JSON.parse(readFileSync(join(packagesDir, dir, 'package.json'), 'utf8')) as Manifest;
    return [m.name, m];
  }),
);

/** What installing `name` brings: dependencies and required peers, transitively within the repo. */
function installs(name: string, seen = new Set<string>()): Set<string> {
  const m = manifests.get(name);
  if (!m || seen.has(name)) return seen;
  seen.add(name);
  const required = [
    ...Object.keys(m.dependencies ?? {}),
    ...Object.keys(m.peerDependencies ?? {}).filter((p) => !m.peerDependenciesMeta?.[p]?.optional),
  ];
  for (const dep of required) {
    seen.add(dep);
    installs(dep, seen);
  }
  return seen;
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? sources(p) : /\.ts$/.test(e.name) ? [p] : [];
  });
}

describe('the package graph', () => {
  it('has no cycles, counting dev dependencies', () => {
    const edges = (name: string) =>
      Object.keys({
        ...manifests.get(name)?.dependencies,
        ...manifests.get(name)?.peerDependencies,
        ...manifests.get(name)?.devDependencies,
      }).filter((d) => manifests.has(d));
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (name: string, trail: string[]): void => {
      if (state.get(name) === 'done') return;
      if (state.get(name) === 'visiting') throw new Error(`cycle: ${[...trail, name].join(' -> ')}`);
      state.set(name, 'visiting');
      for (const d of edges(name)) visit(d, [...trail, name]);
      state.set(name, 'done');
    };
    for (const name of manifests.keys()) visit(name, []);
  });

  it('keeps each package to its job', () => {
    const gan = ['@gankit/models', '@gankit/losses', '@gankit/trainers', '@gankit/families', '@gankit/data'];
    expect([...installs('@gankit/core')]).toEqual(['@gankit/core']);
    const backend = installs('@gankit/backend');
    for (const p of [...gan, 'sharp']) expect(backend.has(p), `@gankit/backend pulls ${p}`).toBe(false);
    const models = installs('@gankit/models');
    for (const p of ['sharp', 'onnxruntime-node', '@gankit/backend', '@gankit/data'])
      expect(models.has(p), `@gankit/models pulls ${p}`).toBe(false);
    for (const p of ['@gankit/losses', '@gankit/metrics'])
      expect(installs(p).has('sharp'), `${p} pulls sharp`).toBe(false);
    // reports read files: no tensors, no image codec, no GAN code
    const report = installs('@gankit/report');
    for (const p of [...gan, 'sharp', '@tensorflow/tfjs-core', '@gankit/backend'])
      expect(report.has(p), `@gankit/report pulls ${p}`).toBe(false);
  });

  it('imports siblings only through their package names', () => {
    const hits = [...manifests.keys()].flatMap((name) => {
      const dir = join(packagesDir, name.replace('@gankit/', ''), 'src');
      return sources(dir).flatMap((file) =>
        readFileSync(file, 'utf8')
          .split('\n')
          .filter(
            (line) => /from '(\.\.\/){2,}[a-z-]+\/src\//.test(line) || /@gankit\/[a-z-]+\/src\//.test(line),
          )
          .map((line) => `${file}: ${line.trim()}`),
      );
    });
    expect(hits).toEqual([]);
  });

  it('keeps family names out of the CLI', () => {
    const cli = sources(join(packagesDir, 'cli', 'src')).filter((f) => !f.endsWith('.test.ts'));
    const hits = cli.flatMap((f) =>
      readFileSync(f, 'utf8')
        .split('\n')
        .filter((l) => /family ===|'(gan|dcgan|cgan|srresnet|srgan|lsrgan|pix2pix)'/.test(l))
        .map((l) => `${f}: ${l.trim()}`),
    );
    expect(hits).toEqual([]);
  });
});

describe('browser bundles', () => {
  // esbuild with platform 'browser' fails on any Node built-in that reaches the bundle
  const bundle = (contents: string) =>
    build({
      stdin: { contents, resolveDir: join(packagesDir, 'families'), loader: 'ts' },
      bundle: true,
      write: false,
      platform: 'browser',
      format: 'esm',
      conditions: ['@gankit/source'],
      logLevel: 'silent',
    });

  it('builds the models package for a page', async () => {
    const result = await bundle(
      "import { dcganGenerator, srresnetGenerator } from '@gankit/models'; console.log(dcganGenerator, srresnetGenerator);",
    );
    expect(result.errors).toEqual([]);
    const code = result.outputFiles[0]!.text;
    expect(code).toContain('SpectralNormalization');
    expect(code).not.toMatch(/onnxruntime|from "sharp"|node:fs/);
  });

  it("builds the backend's pure-JS training kernels for a page", async () => {
    const result = await bundle(
      "import { registerTrainingKernels } from '@gankit/backend/kernels'; console.log(registerTrainingKernels);",
    );
    expect(result.errors).toEqual([]);
    expect(result.outputFiles[0]!.text).not.toMatch(/onnxruntime|node:fs|worker_threads/);
  });

  it("builds the trainers' strategies and training step for a page", async () => {
    const result = await bundle(
      "import { adversarialStrategy, trainingStep } from '@gankit/trainers/browser'; console.log(adversarialStrategy, trainingStep);",
    );
    expect(result.errors).toEqual([]);
    expect(result.outputFiles[0]!.text).not.toMatch(/onnxruntime|from "sharp"|node:fs|node:path/);
  });
});
