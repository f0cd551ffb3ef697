import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GanError } from '@gankit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CAPTION_ALPHABET,
  CAPTION_TEMPLATES,
  CAPTIONED_FASHION_INDEX,
  CAPTIONED_FASHION_SPLIT,
  captionsFor,
  colourizeFashion,
  encodeCaption,
  FASHION_CLASS_SYNONYMS,
  FASHION_PALETTE,
  isHeldOutCombination,
  loadCaptionedFashion,
  makeCaptionedFashion,
  measureGarment,
  saveCaptionedFashion,
  TRAINING_CAPTION_TEMPLATES,
} from './captioned-fashion.js';
import { type FashionMnistDataset, loadFashionMnist } from './fashion-mnist.js';

let grey: FashionMnistDataset;
let greyTest: FashionMnistDataset;
let tmp: string;
beforeAll(async () => {
  grey = await loadFashionMnist({ dir: 'bundled' });
  greyTest = await loadFashionMnist({ dir: 'bundled', split: 'test' });
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'gankit-captioned-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

/** HSV hue in degrees and chroma (max - min) of an RGB triple, by the textbook formula. */
function hueOf(r: number, g: number, b: number): { hue: number; chroma: number } {
  const max = Math.max(r, g, b);
  const chroma = max - Math.min(r, g, b);
  if (chroma === 0) return { hue: 0, chroma };
  let h: number;
  if (max === r) h = ((g - b) / chroma) % 6;
  else if (max === g) h = (b - r) / chroma + 2;
  else h = (r - g) / chroma + 4;
  return { hue: (h * 60 + 360) % 360, chroma };
}
const hueDistance = (a: number, b: number) => Math.min(Math.abs(a - b), 360 - Math.abs(a - b));

/** A hand-made 28x28 RGB image: `value(x, y)` per pixel as [r, g, b]. */
function handMade(value: (x: number, y: number) => [number, number, number]): Uint8Array {
  const out = new Uint8Array(28 * 28 * 3);
  for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) out.set(value(x, y), 3 * (y * 28 + x));
  return out;
}

/**
 * Reads the (colour, class) a caption names back from its words, with the synonym tables:
 * tokens are split on spaces and commas (hyphenated words stay whole), multi-word class names
 * matched as token runs.
 */
function parseCaption(caption: string): { colours: string[]; labels: number[] } {
  const tokens = caption.split(/[ ,]+/).filter(Boolean);
  const colours = FASHION_PALETTE.filter((c) => c.synonyms.some((s) => tokens.includes(s))).map(
    (c) => c.name,
  );
  const text = ` ${tokens.join(' ')} `;
  const labels = FASHION_CLASS_SYNONYMS.flatMap((words, label) =>
    words.some((w) => text.includes(` ${w} `)) ? [label] : [],
  );
  return { colours, labels };
}

describe('colourizeFashion', () => {
  it('is deterministic per seed and differs between seeds', () => {
    const images = grey.images.subarray(0, 50 * 784);
    const labels = grey.labels.subarray(0, 50);
    const a = colourizeFashion(images, labels, { seed: 5 });
    const b = colourizeFashion(images, labels, { seed: 5 });
    const c = colourizeFashion(images, labels, { seed: 6 });
    expect(Buffer.from(a.images).equals(Buffer.from(b.images))).toBe(true);
    expect(a.attributes).toEqual(b.attributes);
    expect(c.attributes.map((x) => x.colour)).not.toEqual(a.attributes.map((x) => x.colour));
    // every palette colour is drawn over the bundled set
    const all = colourizeFashion(grey.images, grey.labels, { seed: 5 });
    expect(new Set(all.attributes.map((x) => x.colour))).toEqual(new Set(FASHION_PALETTE.map((p) => p.name)));
  });

  it("tints every garment pixel with its palette colour's hue and keeps the background black", () => {
    const n = 300;
    const { images, attributes } = colourizeFashion(
      grey.images.subarray(0, n * 784),
      grey.labels.subarray(0, n),
      {
        seed: 1,
      },
    );
    let checked = 0;
    for (let i = 0; i < n; i++) {
      const colour = FASHION_PALETTE.find((p) => p.name === attributes[i]!.colour)!;
      const target = hueOf(...colour.rgb);
      for (let p = 0; p < 784; p++) {
        const g = grey.images[i * 784 + p]!;
        const [r, gg, b] = images.subarray(3 * (i * 784 + p), 3 * (i * 784 + p) + 3);
        if (g === 0) {
          expect([r, gg, b]).toEqual([0, 0, 0]);
          continue;
        }
        const { hue, chroma } = hueOf(r!, gg!, b!);
        if (target.chroma === 0) {
          // grey and white stay achromatic
          expect(chroma).toBe(0);
        } else if (chroma >= 40) {
          // rounding each channel to a byte moves the hue by well under 3 degrees at this chroma
          expect(hueDistance(hue, target.hue)).toBeLessThan(3);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(20_000);
  });

  it('never draws a held-out (colour, class) pair for training; the test split has them at testShare', () => {
    const train = colourizeFashion(grey.images, grey.labels, { seed: 3 });
    expect(train.attributes.filter((a, i) => isHeldOutCombination(a.colour, grey.labels[i]!))).toEqual([]);
    const test = colourizeFashion(greyTest.images, greyTest.labels, { seed: 3, split: 'test' });
    const eligible = test.attributes.filter((_, i) =>
      CAPTIONED_FASHION_SPLIT.combinations.some((c) => c.label === greyTest.labels[i]),
    ).length;
    const held = test.attributes.filter((a, i) => isHeldOutCombination(a.colour, greyTest.labels[i]!)).length;
    // 8 of 10 classes have a held-out colour; about half of their 400 test images get it
    expect(eligible).toBe(400);
    expect(held / eligible).toBeGreaterThan(0.4);
    expect(held / eligible).toBeLessThan(0.6);
  });
});

describe('measureGarment', () => {
  it('reads size, texture and brightness off hand-made images', () => {
    const square = measureGarment(
      handMade((x, y) => (x >= 10 && x < 16 && y >= 10 && y < 16 ? [200, 200, 200] : [0, 0, 0])),
    );
    expect(square).toMatchObject({ size: 'small', texture: 'plain', brightness: 'light' });
    expect(square.coverage).toBeCloseTo(36 / 784, 10);
    expect(square.roughness).toBe(0);
    expect(square.luminance).toBeCloseTo(200 / 255, 10);

    const full = measureGarment(handMade(() => [200, 200, 200]));
    expect(full).toMatchObject({ size: 'large', texture: 'plain', coverage: 1, roughness: 0 });

    // a checkerboard of 255 and 128: every interior pixel is 5 of one value and 4 of the other
    // around it, |255 - (5 * 255 + 4 * 128) / 9| = 508 / 9 / 255, over a mean luma of 191.5 / 255
    const checker = measureGarment(handMade((x, y) => ((x + y) % 2 ? [128, 128, 128] : [255, 255, 255])));
    expect(checker.texture).toBe('textured');
    expect(checker.roughness).toBeCloseTo(508 / 9 / 191.5, 6);

    const navy = measureGarment(handMade(() => [20, 30, 130]));
    expect(navy.brightness).toBe('dark');
    expect(navy.luminance).toBeCloseTo((0.299 * 20 + 0.587 * 30 + 0.114 * 130) / 255, 10);

    expect(measureGarment(new Uint8Array(28 * 28 * 3))).toEqual({
      brightness: 'dark',
      size: 'small',
      texture: 'plain',
      luminance: 0,
      coverage: 0,
      roughness: 0,
    });
  });

  it('gives the same size and texture to a garment whatever its tint', () => {
    const n = 40;
    const images = grey.images.subarray(0, n * 784);
    const labels = grey.labels.subarray(0, n);
    const a = colourizeFashion(images, labels, { seed: 1 });
    const b = colourizeFashion(images, labels, { seed: 2 });
    for (let i = 0; i < n; i++) {
      // rounding to bytes moves a faint pixel across the mask cut now and then: allow 2%
      expect(Math.abs(a.attributes[i]!.coverage - b.attributes[i]!.coverage)).toBeLessThan(0.02);
      expect(Math.abs(a.attributes[i]!.roughness - b.attributes[i]!.roughness)).toBeLessThan(0.02);
    }
  });

  it('names the argument that is wrong', () => {
    expect(() => measureGarment(new Uint8Array(10))).toThrow(
      'measureGarment: rgb must hold [28, 28, 3] = 2352 bytes, got 10',
    );
  });
});

describe('captionsFor', () => {
  const attributes = { colour: 'navy', brightness: 'dark', size: 'small', texture: 'plain' } as const;

  it('is deterministic per seed and writes distinct phrasings with synonyms', () => {
    const a = captionsFor(attributes, 9, { seed: 4, count: 6 });
    expect(captionsFor(attributes, 9, { seed: 4, count: 6 })).toEqual(a);
    expect(captionsFor(attributes, 9, { seed: 5, count: 6 })).not.toEqual(a);
    expect(new Set(a).size).toBe(6);
    for (const caption of a) {
      expect(parseCaption(caption)).toEqual({ colours: ['navy'], labels: [9] });
    }
    const many = captionsFor(attributes, 9, { seed: 1, count: 60 }).join(' | ');
    for (const word of ['dark-blue', 'navy', 'ankle boot', 'bootie', 'small', 'plain'])
      expect(many).toContain(word);
    expect(
      captionsFor({ ...attributes, colour: 'red' }, 3, { seed: 1, count: 1, templates: ['colour-class'] })[0],
    ).toMatch(/^a (red|crimson|scarlet) (dress|frock|gown)$/);
    // articles follow the next word
    const orange = captionsFor({ ...attributes, colour: 'orange' }, 8, {
      seed: 1,
      count: 8,
      templates: ['colour-class'],
    });
    expect(orange.every((c) => /^(an orange|a tangerine) /.test(c))).toBe(true);
    expect(orange.some((c) => c.startsWith('an '))).toBe(true);
  });

  it('validates labels, colours, attributes and templates, listing the valid names', () => {
    expect(() => captionsFor(attributes, 10, { seed: 1, count: 1 })).toThrow(
      'captionsFor: label must be a class index in 0..9, got 10',
    );
    expect(() => captionsFor({ ...attributes, colour: 'mauve' }, 1, { seed: 1, count: 1 })).toThrow(
      'captionsFor: unknown colour "mauve"; the palette has red, orange, yellow, green, teal, blue, navy, purple, pink, brown, grey, white',
    );
    expect(() => captionsFor({ ...attributes, size: 'huge' as 'large' }, 1, { seed: 1, count: 1 })).toThrow(
      `captionsFor: attributes.size must be 'small' or 'large', got "huge"`,
    );
    expect(() => captionsFor(attributes, 1, { seed: 1, count: 1, templates: ['nope'] })).toThrow(
      /^captionsFor: unknown template 'nope'; the templates are colour-class, bare, /,
    );
    expect(() => captionsFor(attributes, 1, { seed: 1, count: 0 })).toThrow(
      'captionsFor: count must be an integer >= 1, got 0',
    );
  });
});

describe('the held-out split', () => {
  it('keeps held-out pairs and templates out of every training caption and puts both in the test split', () => {
    const train = makeCaptionedFashion(grey, { seed: 11, split: 'train', captionsPerImage: 3 });
    const test = makeCaptionedFashion(greyTest, { seed: 12, split: 'test', captionsPerImage: 3 });
    const heldOutPattern = / in [a-z-]+$| that is /;
    for (const r of train.records) {
      expect(r.heldOutCombination).toBe(false);
      expect(r.heldOutCaptions).toEqual([]);
      for (const caption of r.captions) {
        const { colours, labels } = parseCaption(caption);
        expect(colours).toEqual([r.colour]);
        expect(labels).toEqual([r.label]);
        expect(isHeldOutCombination(colours[0]!, labels[0]!)).toBe(false);
        expect(caption).not.toMatch(heldOutPattern);
      }
    }
    expect(test.records.filter((r) => r.heldOutCombination).length).toBeGreaterThan(150);
    for (const r of test.records) {
      expect(r.heldOutCaptions).toHaveLength(3);
      for (const caption of r.heldOutCaptions) expect(caption).toMatch(heldOutPattern);
      for (const caption of r.captions) expect(caption).not.toMatch(heldOutPattern);
    }
    expect(TRAINING_CAPTION_TEMPLATES).toEqual(CAPTION_TEMPLATES.map((t) => t.id).slice(0, -2));
    expect(CAPTIONED_FASHION_SPLIT.templates).toEqual(['in-colour', 'that-is']);
  });
});

describe('caption alphabet', () => {
  it('is lowercase a-z, space, hyphen and comma, and every generated caption uses only it', () => {
    expect(CAPTION_ALPHABET).toBe('abcdefghijklmnopqrstuvwxyz -,');
    const test = makeCaptionedFashion(greyTest, { seed: 1, split: 'test', captionsPerImage: 4 });
    for (const r of test.records)
      for (const c of [...r.captions, ...r.heldOutCaptions]) expect(() => encodeCaption(c)).not.toThrow();
    expect(Array.from(encodeCaption('a red-top'))).toEqual([0, 26, 17, 4, 3, 27, 19, 14, 15]);
    expect(Array.from(encodeCaption('cab', 'abc'))).toEqual([2, 0, 1]);
  });

  it('names the bad character and its position, and refuses empty text', () => {
    const attempt = (text: string, alphabet?: string) => {
      try {
        encodeCaption(text, alphabet);
      } catch (e) {
        return e as GanError;
      }
      throw new Error('expected a throw');
    };
    const upper = attempt('a Red dress');
    expect(upper).toBeInstanceOf(GanError);
    expect(upper.code).toBe('INVALID_ARGUMENT');
    expect(upper.message).toBe(
      `encodeCaption: text "a Red dress" has "R" at position 2, which is not in the alphabet "${CAPTION_ALPHABET}"`,
    );
    expect(attempt('red dress.').message).toMatch(/has "\." at position 9,/);
    const empty = attempt('');
    expect(empty.code).toBe('INVALID_ARGUMENT');
    expect(empty.message).toBe('encodeCaption: text must be a non-empty string, got ""');
    expect(attempt('ab', 'aba').message).toBe('encodeCaption: alphabet repeats "a"');
  });
});

describe('saveCaptionedFashion and loadCaptionedFashion', () => {
  it('round-trip both splits exactly, and are the same bytes for the same seed', async () => {
    const small = (ds: FashionMnistDataset, n: number) => ({
      ...ds,
      count: n,
      images: ds.images.subarray(0, n * 784),
      labels: ds.labels.subarray(0, n),
    });
    const make = () => ({
      train: makeCaptionedFashion(small(grey, 30), { seed: 1, split: 'train', captionsPerImage: 2 }),
      test: makeCaptionedFashion(small(greyTest, 20), { seed: 3, split: 'test', captionsPerImage: 2 }),
      seed: 1,
      source: 'bundled',
    });
    const data = make();
    const dirA = path.join(tmp, 'a');
    const dirB = path.join(tmp, 'b');
    await saveCaptionedFashion(dirA, data);
    await saveCaptionedFashion(dirB, make());
    for (const file of await fs.readdir(dirA)) {
      expect(
        (await fs.readFile(path.join(dirA, file))).equals(await fs.readFile(path.join(dirB, file))),
      ).toBe(true);
    }
    const loaded = await loadCaptionedFashion(dirA);
    expect(loaded.seed).toBe(1);
    expect(loaded.alphabet).toBe(CAPTION_ALPHABET);
    for (const split of ['train', 'test'] as const) {
      expect(loaded[split].records).toEqual(data[split].records);
      expect(Buffer.from(loaded[split].images).equals(Buffer.from(data[split].images))).toBe(true);
      expect(Array.from(loaded[split].labels)).toEqual(Array.from(data[split].labels));
      expect([loaded[split].height, loaded[split].width, loaded[split].channels]).toEqual([28, 28, 3]);
    }
  });

  it('says what is missing or malformed', async () => {
    await expect(loadCaptionedFashion(path.join(tmp, 'none'))).rejects.toThrow(
      /^loadCaptionedFashion: cannot read .*captioned-fashion\.json; make the data with packages\/data\/scripts\/make-captioned-fashion\.ts$/,
    );
    const bad = path.join(tmp, 'bad');
    await fs.mkdir(bad, { recursive: true });
    await fs.writeFile(
      path.join(bad, CAPTIONED_FASHION_INDEX),
      JSON.stringify({ format: 'other', version: 1 }),
    );
    await expect(loadCaptionedFashion(bad)).rejects.toMatchObject({
      code: 'INVALID_DATA',
      message: expect.stringMatching(
        /must have format 'gankit-captioned-fashion' version 1, got "other" version 1$/,
      ),
    });
  });
});

describe('colourizeFashion arguments', () => {
  it('checks sizes, labels and the palette', () => {
    expect(() => colourizeFashion(new Uint8Array(100), [0], { seed: 1 })).toThrow(
      'colourizeFashion: images must hold [1, 28, 28] = 784 bytes, got 100',
    );
    expect(() => colourizeFashion(new Uint8Array(784), [12], { seed: 1 })).toThrow(
      'colourizeFashion: labels[0] must be a class index in 0..9, got 12',
    );
    expect(() =>
      colourizeFashion(new Uint8Array(784), [0], {
        seed: 1,
        palette: [{ name: 'x', rgb: [0, 0, 0], synonyms: ['x'] }, FASHION_PALETTE[0]!],
      }),
    ).toThrow('colourizeFashion: palette[0].rgb must be three integers in 0..255, not all 0, got [0,0,0]');
  });
});
