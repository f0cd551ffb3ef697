/**
 * Builds the super-resolution training corpus from Debian's freely licensed wallpaper photos:
 *   apt-get install mate-backgrounds lomiri-wallpapers plasma-workspace-wallpapers
 *   node --conditions=@gankit/source --import tsx packages/data/scripts/make-sr-corpus.ts [--out DIR] [--crops N]
 * Each photo is downscaled so its longer side is 1024 px (Lanczos: what remains is scene
 * detail, not sensor noise or JPEG blocks), then N seeded 128x128 crops are taken (40 by
 * default); flat crops (mean luma gradient under 6 grey levels) are redrawn, so sky, bokeh and
 * smooth renders do not dominate the corpus. `SOURCES.md` in the output lists every photo with its package and
 * licence. scikit-image's photos, which `gankit eval` scores on, are never read.
 */
import { existsSync, promises as fs, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { SeededRandom } from '@gankit/core';
import sharp from 'sharp';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const out = path.resolve(flag('--out', '.cache/sr-corpus'));
const cropsPerPhoto = Number(flag('--crops', '40'));
const SIZE = 128;
const LONG_SIDE = 1024;
/** Mean |dx| + |dy| of the luma, in grey levels, below which a crop is redrawn. */
const MIN_GRADIENT = 6;

/** Photographs (not illustrations) in the wallpaper packages, with where their licence is stated. */
interface Source {
  pkg: string;
  files: () => string[];
  licence: (file: string) => string;
}

/** The `License:` of the DEP-5 paragraph whose `Files:` names `name`, else of `Files: *`. */
function dep5Licence(pkg: string, name: string): string {
  const text = readFileSync(`/usr/share/doc/${pkg}/copyright`, 'utf8');
  let fallback = 'see copyright file';
  for (const para of text.split(/\n\s*\n/)) {
    const files = para.match(/^Files:\s*(.+(?:\n\s+.+)*)/m)?.[1]?.split(/\s+/) ?? [];
    const licence = para.match(/^License:\s*(.+)$/m)?.[1]?.trim();
    if (!licence) continue;
    if (files.some((f) => f === name || f.endsWith(`/${name}`))) return licence;
    if (files.includes('*')) fallback = licence;
  }
  return fallback;
}

const list = (dir: string, pattern: RegExp) =>
  existsSync(dir)
    ? readdirSync(dir)
        .sort()
        .filter((f) => pattern.test(f))
        .map((f) => path.join(dir, f))
    : [];

const SOURCES: Source[] = [
  {
    pkg: 'mate-backgrounds',
    files: () => list('/usr/share/backgrounds/mate/nature', /\.jpg$/),
    licence: (f) => dep5Licence('mate-backgrounds', `nature/${path.basename(f)}`),
  },
  {
    pkg: 'lomiri-wallpapers',
    files: () => list('/usr/share/backgrounds', /_by_.*\.jpg$/),
    licence: (f) => dep5Licence('lomiri-wallpapers', path.basename(f)),
  },
  {
    // KDE's wallpapers: the JPEG ones are photographs, the PNG ones renders; the largest size of each
    pkg: 'plasma-workspace-wallpapers',
    files: () =>
      list('/usr/share/wallpapers', /./).flatMap((theme) => {
        const jpgs = list(path.join(theme, 'contents', 'images'), /^\d+x\d+\.jpg$/);
        const area = (f: string) =>
          path
            .basename(f)
            .split(/[x.]/)
            .slice(0, 2)
            .map(Number)
            .reduce((a, b) => a * b, 1);
        return jpgs.sort((a, b) => area(b) - area(a)).slice(0, 1);
      }),
    licence: () => dep5Licence('plasma-workspace-wallpapers', '*'),
  },
];

await fs.rm(out, { recursive: true, force: true });
await fs.mkdir(out, { recursive: true });
const rng = new SeededRandom(2017);
const rows: string[] = [];
let total = 0;
for (const source of SOURCES) {
  for (const file of source.files()) {
    const name = path
      .basename(file)
      .toLowerCase()
      .replace(/\.jpg$/, '')
      .replace(/[^a-z0-9]+/g, '-');
    const id = source.pkg === 'plasma-workspace-wallpapers' ? file.split('/')[4]!.toLowerCase() : name;
    const meta = await sharp(file).metadata();
    const scale = LONG_SIDE / Math.max(meta.width!, meta.height!);
    const resized = sharp(file)
      .resize({ width: Math.round(meta.width! * Math.min(1, scale)), kernel: 'lanczos3' })
      .removeAlpha();
    const { data, info } = await resized.raw().toBuffer({ resolveWithObject: true });
    let kept = 0;
    for (let tries = 0; kept < cropsPerPhoto && tries < cropsPerPhoto * 8; tries++) {
      const left = rng.int(info.width - SIZE + 1);
      const top = rng.int(info.height - SIZE + 1);
      // mean absolute luma gradient: smooth gradients, bokeh and sky teach an upscaler nothing
      let energy = 0;
      const luma = (x: number, y: number) => {
        const i = (y * info.width + x) * 3;
        return 0.299 * data[i]! + 0.587 * data[i + 1]! + 0.114 * data[i + 2]!;
      };
      for (let y = top; y < top + SIZE - 1; y++)
        for (let x = left; x < left + SIZE - 1; x++) {
          const c = luma(x, y);
          energy += Math.abs(luma(x + 1, y) - c) + Math.abs(luma(x, y + 1) - c);
        }
      if (energy / (SIZE - 1) ** 2 < MIN_GRADIENT) continue;
      await sharp(data, { raw: { width: info.width, height: info.height, channels: 3 } })
        .extract({ left, top, width: SIZE, height: SIZE })
        .png({ compressionLevel: 6 })
        .toFile(path.join(out, `${id}-${String(kept + 1).padStart(2, '0')}.png`));
      kept++;
    }
    total += kept;
    rows.push(`| ${id} | ${file} | ${source.pkg} | ${source.licence(file)} | ${kept} |`);
    console.log(`${id}: ${kept} crops from ${file} (${info.width}x${info.height})`);
  }
}
await fs.writeFile(
  path.join(out, 'SOURCES.md'),
  `# Super-resolution training corpus\n\n${total} crops of ${SIZE}x${SIZE} from ${rows.length} photos, made by packages/data/scripts/make-sr-corpus.ts (seed 2017). Crops keep the licence of their photo.\n\n| id | photo | package | licence | crops |\n| --- | --- | --- | --- | --- |\n${rows.join('\n')}\n`,
);
console.log(`${total} crops from ${rows.length} photos in ${out}`);
