import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FASHION_PALETTE, loadImage, saveImageGrid } from '@gankit/data';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { presetConfig, resume, sampleRun, train } from '../index.js';
import { garmentColours, hueOf, normalizedLuminance } from './fidelity.js';
import { INTERPOLATION_STEPS } from './measure.js';

// A text-to-image run end to end at toy size: the text encoder pre-trained and saved, the GAN
// trained with its style encoder, the end-of-run measures, and the three ways of sampling.
const tiny = (steps: number, extra: string[] = []) =>
  presetConfig('ganintcls-fashion', {
    steps,
    backend: 'cpu',
    set: [
      'training.batchSize=8',
      'data.limit=64',
      'model.generatorWidth=8',
      'model.discriminatorWidth=8',
      'model.compressedTextDim=8',
      'model.styleEncoderWidth=8',
      'model.latentDim=16',
      'textEncoder.embeddingDim=16',
      'textEncoder.charEmbeddingDim=8',
      'textEncoder.convFilters=[16]',
      'textEncoder.gruUnits=16',
      'textEncoder.imageEncoderWidth=4',
      'textEncoder.steps=3',
      'output.checkpointEvery=2',
      'output.sampleCount=10',
      'output.evalSamples=32',
      ...extra,
    ],
  });

let tmp: string;
let runDir: string;
let evaluation: Record<string, unknown>;
const lines: string[] = [];
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'gankit-t2i-'));
  runDir = path.join(tmp, 'run');
  evaluation = (await train(tiny(4), { out: runDir, log: (l) => lines.push(l) })).evaluation;
}, 300_000);
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('text-to-image family', () => {
  it('pre-trains the text encoder, saves it and the style encoder, and measures the run', () => {
    expect(existsSync(path.join(runDir, 'text-encoder', 'model.json'))).toBe(true);
    expect(existsSync(path.join(runDir, 'style-encoder', 'model.json'))).toBe(true);
    expect(
      lines.some((l) =>
        /text encoder: pre-trained .* held-out phrasings -> nearest test image: class/.test(l),
      ),
    ).toBe(true);
    const retrieval = evaluation.textEncoderRetrieval as Record<string, number>;
    expect(retrieval.captions).toBe(64);
    const t2i = evaluation.textToImage as {
      heldOutPhrasings: Record<string, { n: number; classAccuracy: number; colourAccuracy: number }>;
      styleTransfer: Record<string, number>;
      interpolation: Record<string, number>;
    };
    const { conditioned, baseline, real } = t2i.heldOutPhrasings;
    expect(conditioned!.n).toBe(32);
    expect(baseline!.n).toBe(32);
    // the judges read real tinted garments right: every colour, most classes
    expect(real!.colourAccuracy).toBe(1);
    expect(real!.classAccuracy).toBeGreaterThan(0.8);
    expect(t2i.styleTransfer.poseDistanceStyle).toBeGreaterThan(0);
    expect(t2i.interpolation.pairs).toBeGreaterThan(0);
  });

  it('draws one row per caption, n samples each, without leaking tensors', async () => {
    const before = tf.memory().numTensors;
    const out = await sampleRun(runDir, {
      n: 3,
      seed: 1,
      texts: ['a red dress', 'A blue sneaker'],
      out: path.join(tmp, 'texts.png'),
      backend: 'cpu',
    });
    expect(tf.memory().numTensors).toBe(before);
    const grid = await loadImage(out);
    // 2 rows of 3 images, 28 px at scale 2 with padding
    expect(grid.width).toBeGreaterThan(3 * 56);
    expect(grid.width).toBeLessThan(4 * 56);
    expect(grid.height).toBeGreaterThan(2 * 56);
    expect(grid.height).toBeLessThan(3 * 56);
  });

  it('walks between two captions in rows of 8 with --interpolate', async () => {
    const out = await sampleRun(runDir, {
      n: 2,
      seed: 1,
      interpolate: ['a red dress', 'a blue sneaker'],
      out: path.join(tmp, 'walk.png'),
      backend: 'cpu',
    });
    const grid = await loadImage(out);
    expect(grid.width).toBeGreaterThan(INTERPOLATION_STEPS * 56);
    expect(grid.width).toBeLessThan((INTERPOLATION_STEPS + 1) * 56);
    expect(grid.height).toBeLessThan(3 * 56);
  });

  it('draws the captions in the style of an image with --style-from, the image first (resized)', async () => {
    const source = path.join(tmp, 'style.png');
    const image = tf.fill([1, 40, 30, 3], 0.5) as tf.Tensor4D;
    await saveImageGrid(image, source, { padding: 0 });
    image.dispose();
    const out = await sampleRun(runDir, {
      seed: 1,
      texts: ['a green shirt', 'a red bag'],
      styleFrom: source,
      out: path.join(tmp, 'style-out.png'),
      backend: 'cpu',
    });
    const grid = await loadImage(out);
    expect(grid.width).toBeGreaterThan(3 * 56);
    expect(grid.width).toBeLessThan(4 * 56);
    expect(grid.height).toBeLessThan(2 * 56);
  });

  it('names what is wrong with a caption, a style image or a flag combination', async () => {
    const sample = (extra: Record<string, unknown>) =>
      sampleRun(runDir, { seed: 1, out: path.join(tmp, 'x.png'), backend: 'cpu', ...extra });
    await expect(sample({ texts: [''] })).rejects.toThrow('sample: a caption is empty');
    await expect(sample({ texts: ['a red dress!'] })).rejects.toThrow(
      'sample: caption "a red dress!" has "!" at position 11; captions use only letters, spaces, hyphens and commas',
    );
    await expect(sample({ texts: ['a'.repeat(49)] })).rejects.toThrow(
      'is 49 characters long; this text encoder reads at most 48',
    );
    await expect(sample({ interpolate: ['a', 'b'], texts: ['c'] })).rejects.toThrow(
      '--interpolate draws its own rows',
    );
    await expect(sample({ classIndex: 1 })).rejects.toThrow('--class applies to class-conditional runs');
    await expect(sample({ styleFrom: path.join(tmp, 'missing.png') })).rejects.toThrow(
      /cannot read .*missing\.png: no such file/,
    );
  });

  it('resumes exactly, reading the saved text encoder instead of pre-training again', async () => {
    const split = path.join(tmp, 'split');
    await train(tiny(2), { out: split });
    const resumed: string[] = [];
    await resume(split, { steps: 2, log: (l) => resumed.push(l) });
    expect(resumed.some((l) => l.startsWith('text encoder: ') && l.includes('(frozen)'))).toBe(true);
    expect(resumed.some((l) => l.includes('pre-trained'))).toBe(false);
    const weights = (dir: string) => fs.readFile(path.join(dir, 'generator', 'weights.bin'));
    expect(Buffer.compare(await weights(split), await weights(runDir))).toBe(0);
  }, 300_000);
});

describe('text-to-image judges', () => {
  it('finds every palette colour of a tinted garment (grey and white as one)', async () => {
    // a garment with shading 40..255 on a black background, tinted with each palette colour
    const shade = Array.from({ length: 28 * 28 }, (_, p) => (p % 28 > 6 && p % 28 < 22 ? 40 + (p % 216) : 0));
    const images = tf.tensor4d(
      FASHION_PALETTE.flatMap((c) => shade.flatMap((g) => c.rgb.map((v) => (v * g) / 255 / 127.5 - 1))),
      [FASHION_PALETTE.length, 28, 28, 3],
    );
    const found = await garmentColours(images);
    images.dispose();
    expect(found.map((f) => f.colour)).toEqual(
      FASHION_PALETTE.map((c) => (c.name === 'grey' || c.name === 'white' ? 'grey/white' : c.name)),
    );
  });

  it('computes hue as in HSV (red 0, green 120, blue 240; grey none)', () => {
    expect(hueOf([255, 0, 0])).toBe(0);
    expect(hueOf([0, 255, 0])).toBe(120);
    expect(hueOf([0, 0, 255])).toBe(240);
    expect(hueOf([255, 140, 0])).toBeCloseTo(32.94, 2);
    expect(hueOf([100, 100, 100])).toBeNull();
  });

  it('undoes a tint: the stretched luminance of a tinted garment is its stretched grey', async () => {
    const grey = [0, 51, 102, 204];
    const rgb = [40, 100, 255];
    const luma = (0.299 * rgb[0]! + 0.587 * rgb[1]! + 0.114 * rgb[2]!) / 255;
    const image = tf.tensor4d(
      grey.flatMap((g) => rgb.map((v) => (v * g) / 255 / 127.5 - 1)),
      [1, 2, 2, 3],
    );
    const out = normalizedLuminance(image);
    // by hand: luminance g * luma / 255, divided by the brightest (204 * luma / 255), to [-1, 1]
    const expected = grey.map((g) => ((g * luma) / (204 * luma)) * 2 - 1);
    for (const [i, v] of Array.from(await out.data()).entries()) expect(v).toBeCloseTo(expected[i]!, 5);
    tf.dispose([image, out]);
  });
});
