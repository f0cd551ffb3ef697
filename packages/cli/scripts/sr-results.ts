/**
 * Builds the super-resolution comparison of docs/super-resolution.md from trained runs:
 *   node --conditions=@gankit/source --import tsx packages/cli/scripts/sr-results.ts OUT_DIR name=runDir...
 * Scores every run as `gankit eval` does (scikit-image's sample photos, PSNR/SSIM on Y with a
 * border of `scale` pixels cut; all runs must share one scale), prints a markdown table, and writes OUT_DIR/sr-crops-x{scale}.png: the same
 * crop of each photo as bicubic, each run's output, and the ground truth, side by side.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { setupBackend } from '@gankit/backend';
import { loadImage, loadModel, type RawImage, resizeBicubic, saveImage, tiledUpscale } from '@gankit/data';
import { evaluateRun, SKIMAGE_EVAL_IMAGES, type SrEvalRow } from '@gankit/families';

const [outDir, ...specs] = process.argv.slice(2);
if (!outDir || specs.length === 0) throw new Error('usage: sr-results.ts OUT_DIR name=runDir ...');
const runs = specs.map((s) => {
  // the last '=' splits, so names may hold one ("mu2=0.1")
  const at = s.lastIndexOf('=');
  return { name: s.slice(0, at), dir: s.slice(at + 1) };
});

const scales = runs.map(
  (r) =>
    (JSON.parse(readFileSync(path.join(r.dir, 'config.json'), 'utf8')) as { data: { scale: number } }).data
      .scale,
);
const scale = scales[0]!;
if (scales.some((s) => s !== scale)) throw new Error(`runs of different scales: ${scales.join(', ')}`);
const results: { name: string; dir: string; rows: SrEvalRow[] }[] = [];
for (const run of runs)
  results.push({ ...run, rows: (await evaluateRun(run.dir, { backend: 'wasm' })).rows as SrEvalRow[] });
const rows = results[0]!.rows;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const header = ['image', 'bicubic', ...results.map((r) => r.name)];
console.log(`| ${header.join(' | ')} |`);
console.log(`| ${header.map(() => '---').join(' | ')} |`);
rows.forEach((row, i) => {
  const cells = [row.bicubic, ...results.map((r) => r.rows[i]!.model)].map(
    (s) => `${s.psnr.toFixed(2)} / ${s.ssim.toFixed(4)}`,
  );
  console.log(`| ${row.image} | ${cells.join(' | ')} |`);
});
const means = [
  `${mean(rows.map((r) => r.bicubic.psnr)).toFixed(2)} / ${mean(rows.map((r) => r.bicubic.ssim)).toFixed(4)}`,
  ...results.map(
    (r) =>
      `${mean(r.rows.map((x) => x.model.psnr)).toFixed(2)} / ${mean(r.rows.map((x) => x.model.ssim)).toFixed(4)}`,
  ),
];
console.log(`| **mean** | ${means.map((m) => `**${m}**`).join(' | ')} |`);

// side-by-side crops: one 96x96 HR crop from the centre of each photo
await setupBackend({ backend: 'wasm' });
const SIZE = 96;
const columns = 2 + runs.length;
const photos = SKIMAGE_EVAL_IMAGES.slice(0, 3).map(
  (n) => `/usr/lib/python3/dist-packages/skimage/data/${n}.png`,
);
const sheet = new Uint8Array(photos.length * SIZE * columns * SIZE * 3).fill(255);
const put = (img: RawImage, row: number, col: number, x0: number, y0: number) => {
  for (let y = 0; y < SIZE; y++)
    for (let x = 0; x < SIZE; x++)
      for (let c = 0; c < 3; c++)
        sheet[((row * SIZE + y) * columns * SIZE + col * SIZE + x) * 3 + c] =
          img.data[((y0 + y) * img.width + x0 + x) * 3 + c]!;
};
const models = await Promise.all(runs.map((r) => loadModel(path.join(r.dir, 'generator'))));
for (const [row, file] of photos.entries()) {
  const full = await loadImage(file, { channels: 3 });
  const w = full.width - (full.width % scale);
  const h = full.height - (full.height % scale);
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++)
    data.set(full.data.subarray(y * full.width * 3, (y * full.width + w) * 3), y * w * 3);
  const hr = { data, width: w, height: h, channels: 3 };
  const lr = await resizeBicubic(hr, w / scale, h / scale);
  const x0 = Math.floor((w / 2 - SIZE / 2) / scale) * scale;
  const y0 = Math.floor((h / 2 - SIZE / 2) / scale) * scale;
  put(await resizeBicubic(lr, w, h), row, 0, x0, y0);
  for (const [i, g] of models.entries())
    put(await tiledUpscale(g, lr, { tile: 64, overlap: 16 }), row, 1 + i, x0, y0);
  put(hr, row, columns - 1, x0, y0);
}
for (const g of models) g.dispose();
const out = path.join(outDir, `sr-crops-x${scale}.png`);
await saveImage({ data: sheet, width: columns * SIZE, height: photos.length * SIZE, channels: 3 }, out);
console.log(`\ncrops (bicubic | ${runs.map((r) => r.name).join(' | ')} | ground truth): ${out}`);
