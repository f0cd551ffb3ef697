// Packs the GPU benchmark for a machine with a GPU and PyTorch but no Node, no npm and no
// network: one bundled script (tfjs, gankit's sources, tfjs-backend-webgpu), the `webgpu`
// package with its prebuilt dawn.node, the PyTorch script, this Node binary (xz-compressed), and
// the Vulkan loader .deb files when apt can download them. docs/benchmarks.md shows how to run it.
//
// Usage: node bench/pack-gpu.mjs [OUT_DIR] (default .gpu-bench; about 45 MB)
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = resolve(process.argv[2] ?? join(root, '.gpu-bench'));
const coreRequire = createRequire(join(root, 'packages/backend/package.json'));
// esbuild comes with tsup (pnpm keeps it beside tsup's real path)
const { build } = createRequire(realpathSync(join(root, 'node_modules/tsup/package.json')))('esbuild');

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

// bench/tf.ts finds tfjs through @gankit/backend's install at run time; in the bundle it is static
const staticTf = {
  name: 'static-tf',
  setup(b) {
    b.onResolve({ filter: /^\.\/tf\.js$/ }, (a) =>
      a.importer.startsWith(join(root, 'bench')) ? { path: join(root, 'bench/tf-static.ts') } : undefined,
    );
  },
};
await build({
  entryPoints: [join(root, 'bench/gpu.ts')],
  outfile: join(out, 'bench.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  conditions: ['@gankit/source'],
  nodePaths: [join(root, 'packages/backend/node_modules')],
  // the native and wasm backends are not used on the GPU machine; sharp (images) neither
  external: [
    'webgpu',
    '@tensorflow/tfjs-node',
    '@tensorflow/tfjs-node-gpu',
    '@tensorflow/tfjs-backend-wasm',
    'sharp',
  ],
  banner: {
    js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
  plugins: [staticTf],
  logLevel: 'warning',
});
cpSync(join(root, 'bench/pytorch_gpu_steps.py'), join(out, 'pytorch_gpu_steps.py'));

// the webgpu package: its ESM entry and the linux-x64 dawn.node
const webgpuDir = dirname(coreRequire.resolve('webgpu/package.json'));
const dst = join(out, 'node_modules/webgpu');
mkdirSync(join(dst, 'dist/linux-x64'), { recursive: true });
for (const f of ['index.js', 'package.json', 'LICENSE.md']) {
  if (existsSync(join(webgpuDir, f))) cpSync(join(webgpuDir, f), join(dst, f));
}
cpSync(join(webgpuDir, 'dist/linux-x64'), join(dst, 'dist/linux-x64'), { recursive: true });

// Node itself, compressed (the device machines have none)
execFileSync('sh', ['-c', `xz -T0 -6 -c "${process.execPath}" > "${join(out, 'node.xz')}"`]);

// the Vulkan loader (and GL dispatch) as .deb files, unpacked there with dpkg -x
try {
  execFileSync('apt-get', ['download', 'libvulkan1'], { cwd: out, stdio: 'ignore' });
} catch {
  console.log('apt-get download libvulkan1 failed: add the Vulkan loader .deb yourself');
}

writeFileSync(
  join(out, 'run.sh'),
  `#!/bin/sh
# On the GPU machine, from the repository root: sh .gpu-bench/run.sh [bench:gpu options]
set -e
here=$(dirname "$0")
for f in "$here"/*.deb; do [ -e "$f" ] && dpkg -x "$f" /; done
ldconfig 2>/dev/null || true
[ -x "$here/node" ] || { xz -dc "$here/node.xz" > "$here/node"; chmod +x "$here/node"; }
# NVIDIA's Vulkan ICD where the driver is mounted under /usr/local/nvidia
if [ -z "$VK_DRIVER_FILES" ] && [ -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ]; then
  export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
fi
exec "$here/node" "$here/bench.mjs" "$@"
`,
);
const size = (p) =>
  statSync(p).isDirectory() ? readdirSync(p).reduce((s, f) => s + size(join(p, f)), 0) : statSync(p).size;
console.log(`packed ${out}: ${(size(out) / 2 ** 20).toFixed(1)} MB`);
