/**
 * Writes the natural-image crops bundled for the super-resolution presets:
 * `node --import tsx packages/data/scripts/make-sr-crops.ts [source folder]`.
 * Source: Debian's `mate-backgrounds` (GPL-2+; see packages/data/data/sr-crops/README.md).
 * Each photo is downscaled to 512 px wide (so a 128 px crop holds scene-scale detail, not
 * sensor noise) and three seeded 128x128 crops are taken.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { SeededRandom } from '@gankit/core';
import sharp from 'sharp';

const source = process.argv[2] ?? '/usr/share/backgrounds/mate/nature';
const out = path.join(import.meta.dirname, '..', 'data', 'sr-crops');
const SIZE = 128;
const PER_IMAGE = 3;

await fs.mkdir(out, { recursive: true });
const rng = new SeededRandom(2017);
const files = (await fs.readdir(source)).filter((f) => f.endsWith('.jpg')).sort();
for (const file of files) {
  const base = sharp(path.join(source, file)).resize({ width: 512 }).removeAlpha();
  const { data, info } = await base.raw().toBuffer({ resolveWithObject: true });
  for (let k = 0; k < PER_IMAGE; k++) {
    const left = rng.int(info.width - SIZE + 1);
    const top = rng.int(info.height - SIZE + 1);
    const name = `${path.parse(file).name.toLowerCase()}-${k + 1}.png`;
    await sharp(data, { raw: { width: info.width, height: info.height, channels: 3 } })
      .extract({ left, top, width: SIZE, height: SIZE })
      .png({ compressionLevel: 9 })
      .toFile(path.join(out, name));
    console.log(`${name}: ${file} at (${left}, ${top})`);
  }
}
