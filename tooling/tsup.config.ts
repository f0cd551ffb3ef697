import { defineConfig, type Options } from 'tsup';

/**
 * The one tsup configuration every package builds with: ESM + CJS + .d.ts from
 * `src/index.ts` (plus any extra entries), dependencies and peers left external.
 */
export function gankitTsupConfig(extra: Partial<Options> = {}) {
  return defineConfig({
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    platform: 'node',
    splitting: false,
    treeshake: true,
    // import.meta.url in the CJS build (package-relative data files, createRequire)
    shims: true,
    ...extra,
  });
}
