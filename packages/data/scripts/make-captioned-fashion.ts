/**
 * Makes the captioned colour Fashion-MNIST data for the text-to-image family (GAN-CLS / GAN-INT,
 * Reed et al. 2016): every grey garment tinted with a seeded palette colour, its attributes
 * measured, several seeded captions written, with a held-out split of (colour, class) pairs and
 * caption templates (see CAPTIONED_FASHION_SPLIT in src/datasets/captioned-fashion.ts).
 *
 * Usage (from the repository root):
 *   node --conditions=@gankit/source --import tsx packages/data/scripts/make-captioned-fashion.ts OUT_DIR \
 *     [--source bundled|DIR] [--seed N] [--captions N] [--limit N]
 *
 * --source defaults to the Fashion-MNIST subset bundled with @gankit/data ('bundled'); pass
 * /usr/share/datasets/fashion-mnist (Debian: apt-get install dataset-fashion-mnist) for the full set.
 * The same source, seed and options write the same files. Read them back with loadCaptionedFashion(OUT_DIR).
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { makeCaptionedFashion, saveCaptionedFashion } from '../src/datasets/captioned-fashion.js';
import { loadFashionMnist } from '../src/datasets/fashion-mnist.js';

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      source: { type: 'string', default: 'bundled' },
      seed: { type: 'string', default: '2016' },
      captions: { type: 'string', default: '5' },
      limit: { type: 'string' },
    },
  });
  const out = positionals[0];
  if (positionals.length !== 1 || !out) {
    throw new Error(
      'usage: make-captioned-fashion.ts OUT_DIR [--source bundled|DIR] [--seed N] [--captions N] [--limit N]',
    );
  }
  const integer = (name: string, text: string) => {
    const n = Number(text);
    if (!Number.isInteger(n)) throw new Error(`--${name} must be an integer, got ${text}`);
    return n;
  };
  const seed = integer('seed', values.seed);
  const captionsPerImage = integer('captions', values.captions);
  const limit = values.limit === undefined ? {} : { limit: integer('limit', values.limit) };
  // train and test draw from different streams, both fixed by the one seed
  const [train, test] = await Promise.all(
    (['train', 'test'] as const).map(async (split, k) =>
      makeCaptionedFashion(await loadFashionMnist({ dir: values.source, split, ...limit }), {
        seed: seed + 2 * k,
        split,
        captionsPerImage,
      }),
    ),
  );
  await saveCaptionedFashion(resolve(out), { train: train!, test: test!, seed, source: values.source });
  const heldOut = test!.records.filter((r) => r.heldOutCombination).length;
  console.log(
    `captioned Fashion-MNIST (seed ${seed}, source ${values.source}) -> ${resolve(out)}: ` +
      `${train!.count} training images, ${test!.count} test images (${heldOut} of a held-out colour and class), ` +
      `${captionsPerImage} captions each`,
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
