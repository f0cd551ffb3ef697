/**
 * Makes the Fashion-MNIST subset bundled with @gankit/data (packages/data/data/fashion-mnist-subset):
 * a seeded, class-stratified pick of 200 training and 50 test images per class from the full
 * dataset, written in the original IDX layout and file names, gzipped, plus a README.
 *
 * Usage (from the repository root):
 *   node --conditions=@gankit/source --import tsx packages/data/scripts/make-fashion-subset.ts [--source DIR] [--out DIR] [--seed N]
 *
 * --source defaults to /usr/share/datasets/fashion-mnist (Debian: apt-get install dataset-fashion-mnist).
 */
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_FASHION_MNIST_DIR } from '../src/datasets/fashion-mnist.js';
import {
  FASHION_SUBSET_PER_CLASS,
  FASHION_SUBSET_SEED,
  makeFashionSubset,
} from '../src/datasets/fashion-subset.js';
import { writeIdx } from '../src/datasets/idx.js';

const here = dirname(fileURLToPath(import.meta.url));

const FILES = {
  train: { images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte' },
  test: { images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte' },
} as const;

async function sha256(path: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      source: { type: 'string', default: DEFAULT_FASHION_MNIST_DIR },
      out: { type: 'string', default: resolve(here, '../data/fashion-mnist-subset') },
      seed: { type: 'string', default: String(FASHION_SUBSET_SEED) },
    },
  });
  const source = resolve(values.source);
  const out = resolve(values.out);
  const seed = Number(values.seed);
  if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, got ${values.seed}`);
  const lines: string[] = [];
  for (const split of ['train', 'test'] as const) {
    const { subset, fullCount } = await makeFashionSubset(source, split, seed);
    const perClass = FASHION_SUBSET_PER_CLASS[split];
    const imagesPath = join(out, `${FILES[split].images}.gz`);
    const labelsPath = join(out, `${FILES[split].labels}.gz`);
    await writeIdx(imagesPath, {
      dtype: 'uint8',
      shape: [subset.count, subset.height, subset.width],
      data: subset.images,
    });
    await writeIdx(labelsPath, {
      dtype: 'uint8',
      shape: [subset.count],
      data: Uint8Array.from(subset.labels),
    });
    lines.push(
      `| ${split} | ${fullCount} | ${subset.count} (${perClass} per class) | ` +
        `\`${FILES[split].images}.gz\` ${(await sha256(imagesPath)).slice(0, 16)}…, ` +
        `\`${FILES[split].labels}.gz\` ${(await sha256(labelsPath)).slice(0, 16)}… |`,
    );
    console.log(`${split}: ${subset.count} of ${fullCount} images -> ${relative(process.cwd(), out)}`);
  }
  await writeFile(join(out, 'README.md'), readme(seed, lines));
}

function readme(seed: number, table: string[]): string {
  return `# Fashion-MNIST subset

A small, class-balanced subset of **Fashion-MNIST** shipped with \`@gankit/data\` for tests and the
out-of-the-box demo. Load it with \`loadFashionMnist({ dir: 'bundled' })\` (or
\`dir: bundledFashionMnistDir()\`).

## Source and license

Fashion-MNIST, by Han Xiao, Kashif Rasul and Roland Vollgraf, Zalando Research
(<https://github.com/zalandoresearch/fashion-mnist>; paper: arXiv:1708.07747), released under the
**MIT License**, Copyright (c) 2017 Zalando SE. The images here are unmodified copies of
images from that dataset, as packaged by Debian (\`dataset-fashion-mnist\`, upstream git
snapshot 2020-05-23, files in \`/usr/share/datasets/fashion-mnist\`). The license text is at the end
of this file.

SPDX-License-Identifier: MIT

## Contents

Same layout and file names as the original (IDX format, gzip-compressed): 28x28 grayscale
images (uint8, 0 = background), labels 0..9:
0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat, 5 Sandal, 6 Shirt, 7 Sneaker, 8 Bag, 9 Ankle boot.

| split | images in the full set | images here | files (sha256 prefix) |
| --- | --- | --- | --- |
${table.join('\n')}

## How it was made

\`node --conditions=@gankit/source --import tsx packages/data/scripts/make-fashion-subset.ts\` (seed ${seed}) takes, for every
class, a seeded random choice of ${FASHION_SUBSET_PER_CLASS.train} training and
${FASHION_SUBSET_PER_CLASS.test} test images (\`stratifiedIndices\` with seed ${seed} for train and ${seed + 1} for test), shuffles the
chosen images together (so any prefix is roughly balanced), and writes them gzipped with
\`writeIdx\`. Running the script again on the same source files reproduces these files exactly.

## License of the data (MIT)

Copyright (c) 2017 Zalando SE, https://tech.zalando.com

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
`;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
