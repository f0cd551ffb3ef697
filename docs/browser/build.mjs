// Builds the browser page (docs/browser) into a static folder: the bundle (esbuild: tfjs, the
// gankit packages from their source, the page), index.html and style.css, tfjs' wasm binaries,
// and the zoo models the page loads. Nothing it serves is fetched from elsewhere.
// Usage: node docs/browser/build.mjs [OUT]   (default docs/api/browser, beside TypeDoc's site)
import { copyFile, mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const out = resolve(process.argv[2] ?? join(root, 'docs/api/browser'));

/** The zoo models the page loads: their card and generator (topology and weight shards). */
const MODELS = ['dcgan-fashion', 'cgan-fashion', 'srresnet-x4'];

await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });

const result = await build({
  absWorkingDir: root,
  entryPoints: { main: join(here, 'main.ts') },
  outdir: out,
  bundle: true,
  // the WebGPU backend is a chunk of its own, fetched only where WebGPU runs
  splitting: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2022'],
  minify: true,
  // gankit's packages from their TypeScript source: no package build needed first
  conditions: ['@gankit/source'],
  chunkNames: 'chunks/[name]-[hash]',
  legalComments: 'linked',
  metafile: true,
  logLevel: 'warning',
});

for (const file of ['index.html', 'style.css']) await copyFile(join(here, file), join(out, file));

// tfjs-backend-wasm's binaries (plain, SIMD, threaded SIMD), found where the page's setWasmPaths points
const require = createRequire(join(root, 'package.json'));
const wasmDist = dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
const wasm = (await readdir(wasmDist)).filter((f) => f.endsWith('.wasm'));
if (wasm.length === 0) throw new Error(`build.mjs: no .wasm files in ${wasmDist}`);
for (const f of wasm) await copyFile(join(wasmDist, f), join(out, f));

for (const name of MODELS) {
  const src = join(root, 'packages/zoo/models', name);
  const dst = join(out, 'models', name);
  await mkdir(join(dst, 'generator'), { recursive: true });
  await copyFile(join(src, 'card.json'), join(dst, 'card.json'));
  const modelJson = join(src, 'generator/model.json');
  await copyFile(modelJson, join(dst, 'generator/model.json'));
  const manifest = JSON.parse(await readFile(modelJson, 'utf8')).weightsManifest;
  for (const group of manifest) {
    for (const p of group.paths) await copyFile(join(src, 'generator', p), join(dst, 'generator', p));
  }
}

/** Bytes under a folder. */
async function size(dir) {
  let total = 0;
  for (const e of await readdir(dir, { withFileTypes: true })) {
    total += e.isDirectory() ? await size(join(dir, e.name)) : (await stat(join(dir, e.name))).size;
  }
  return total;
}
const kb = (n) => `${(n / 1024).toFixed(0)} kB`;
const js = Object.entries(result.metafile.outputs)
  .filter(([f]) => f.endsWith('.js'))
  .map(([f, o]) => `${relative(out, resolve(root, f))} ${kb(o.bytes)}`);
console.log(
  `browser page: ${relative(process.cwd(), out) || '.'} (${kb(await size(out))}: ${js.join(', ')}; ` +
    `${wasm.length} wasm binaries; models ${MODELS.join(', ')})`,
);
