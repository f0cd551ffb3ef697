import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { checkInteger, formatShape, GanError, SeededRandom } from '@gankit/core';
import { writeFileAtomic } from '../checkpoint/atomic.js';
import { FASHION_MNIST_CLASS_NAMES } from './fashion-mnist.js';
import { readIdx, writeIdx } from './idx.js';
import { createImageDataset, type ImageDataset } from './image-dataset.js';

/**
 * The characters captions of the captioned Fashion-MNIST data use: lowercase `a`-`z`, space,
 * hyphen and comma, in that order (a subset of Reed et al.'s char-CNN-RNN alphabet, so any
 * character tokenizer of `@gankit/encoders` reads them). {@link encodeCaption} maps a caption to
 * positions in it.
 * @category Captioned data
 */
export const CAPTION_ALPHABET = 'abcdefghijklmnopqrstuvwxyz -,';

/**
 * A named tint: garments of this colour are the grey image times `rgb / 255`, so every tinted
 * pixel has the hue and saturation of `rgb`.
 * @category Captioned data
 */
export interface PaletteColour {
  /** The canonical name (stored with the data, used in the held-out split). */
  readonly name: string;
  /** The colour of the garment's brightest pixels, 0..255 per channel. */
  readonly rgb: readonly [number, number, number];
  /** The words captions use for it (the first is usually the name itself). */
  readonly synonyms: readonly string[];
}

/**
 * The default palette: ten well-separated hues (red 0°, orange 33°, yellow 53°, green 120°,
 * teal 180°, blue 223°, purple 274°, pink 331°) with two darker variants (navy, a dark blue;
 * brown, a dark orange) and two achromatic tints (grey, white). Black is left out: a black
 * garment would vanish into the black background.
 * @category Captioned data
 */
export const FASHION_PALETTE: readonly PaletteColour[] = Object.freeze(
  [
    { name: 'red', rgb: [220, 30, 30], synonyms: ['red', 'crimson', 'scarlet'] },
    { name: 'orange', rgb: [255, 140, 0], synonyms: ['orange', 'tangerine'] },
    { name: 'yellow', rgb: [245, 220, 20], synonyms: ['yellow', 'lemon'] },
    { name: 'green', rgb: [40, 180, 40], synonyms: ['green', 'emerald'] },
    { name: 'teal', rgb: [0, 150, 150], synonyms: ['teal', 'turquoise'] },
    { name: 'blue', rgb: [40, 100, 255], synonyms: ['blue', 'cobalt'] },
    { name: 'navy', rgb: [20, 30, 130], synonyms: ['dark-blue', 'navy'] },
    { name: 'purple', rgb: [140, 50, 210], synonyms: ['purple', 'violet'] },
    { name: 'pink', rgb: [255, 110, 180], synonyms: ['pink', 'rose'] },
    { name: 'brown', rgb: [140, 80, 35], synonyms: ['brown', 'chocolate'] },
    { name: 'grey', rgb: [150, 150, 150], synonyms: ['grey', 'gray'] },
    { name: 'white', rgb: [255, 255, 255], synonyms: ['white', 'snow-white'] },
  ].map((c) => Object.freeze({ ...c, rgb: Object.freeze(c.rgb), synonyms: Object.freeze(c.synonyms) })),
) as readonly PaletteColour[];

/**
 * The words captions use for each Fashion-MNIST class, indexed by label (0 T-shirt/top ... 9
 * Ankle boot).
 * @category Captioned data
 */
export const FASHION_CLASS_SYNONYMS: readonly (readonly string[])[] = Object.freeze(
  [
    ['t-shirt', 'tee', 'top'],
    ['pair of trousers', 'pair of pants', 'pair of slacks'],
    ['pullover', 'sweater', 'jumper'],
    ['dress', 'frock', 'gown'],
    ['coat', 'jacket', 'overcoat'],
    ['sandal', 'open-toe shoe'],
    ['shirt', 'blouse', 'button-up shirt'],
    ['sneaker', 'trainer', 'running shoe'],
    ['bag', 'handbag', 'purse'],
    ['ankle boot', 'boot', 'bootie'],
  ].map((words) => Object.freeze(words)),
);

/** Dark or light: the garment's mean luminance against {@link GARMENT_THRESHOLDS}. @category Captioned data */
export type Brightness = 'dark' | 'light';
/** Small or large: the share of the frame the garment fills. @category Captioned data */
export type GarmentSize = 'small' | 'large';
/** Plain or textured: the garment's local contrast. @category Captioned data */
export type Texture = 'plain' | 'textured';

/**
 * Where the measured attributes switch: a garment is `light` when its mean luminance (0..1)
 * reaches `luminance`, `large` when it fills at least `coverage` of the frame, `textured`
 * when its relative local contrast reaches `roughness`. Garment pixels are those whose
 * brightest channel reaches `maskFraction` of the image's brightest pixel. Chosen near the
 * medians of the bundled Fashion-MNIST subset, so each attribute splits the data roughly in half.
 * @category Captioned data
 */
export const GARMENT_THRESHOLDS = Object.freeze({
  maskFraction: 0.1,
  luminance: 0.3,
  coverage: 0.45,
  roughness: 0.11,
});

/**
 * What {@link measureGarment} reads off an image: the three words and the numbers behind them.
 * @category Captioned data
 */
export interface GarmentMeasures {
  /** `light` when `luminance >= GARMENT_THRESHOLDS.luminance`. */
  brightness: Brightness;
  /** `large` when `coverage >= GARMENT_THRESHOLDS.coverage`. */
  size: GarmentSize;
  /** `textured` when `roughness >= GARMENT_THRESHOLDS.roughness`. */
  texture: Texture;
  /** Mean luminance of the garment's pixels (BT.601 luma / 255), 0..1. */
  luminance: number;
  /** Share of the frame's pixels that belong to the garment, 0..1. */
  coverage: number;
  /**
   * Mean absolute difference between an interior garment pixel's luminance and the mean of its
   * 3x3 neighbourhood, divided by the garment's mean luminance (so a tint does not change it).
   */
  roughness: number;
}

/**
 * A tinted garment's attributes: its palette colour and the measured ones.
 * @category Captioned data
 */
export interface GarmentAttributes extends GarmentMeasures {
  /** The palette colour's canonical name. */
  colour: string;
}

/**
 * The attributes a caption can mention.
 * @category Captioned data
 */
export interface CaptionAttributes {
  /** A palette colour's canonical name. */
  colour: string;
  /** Dark or light. */
  brightness: Brightness;
  /** Small or large. */
  size: GarmentSize;
  /** Plain or textured. */
  texture: Texture;
}

/**
 * A caption template: words in braces are filled in (`{colour}`, `{class}`, `{size}`,
 * `{texture}`, `{brightness}`; `{a}` becomes `a` or `an` to suit the next word).
 * @category Captioned data
 */
export interface CaptionTemplate {
  /** A stable id, stored with the data. */
  readonly id: string;
  /** The phrasing. */
  readonly pattern: string;
}

/**
 * Every caption template. The last two (`in-colour`, `that-is`: the colour after the class)
 * are held out of training; see {@link CAPTIONED_FASHION_SPLIT}.
 * @category Captioned data
 */
export const CAPTION_TEMPLATES: readonly CaptionTemplate[] = Object.freeze(
  [
    { id: 'colour-class', pattern: '{a} {colour} {class}' },
    { id: 'bare', pattern: '{colour} {class}' },
    { id: 'size', pattern: '{a} {size} {colour} {class}' },
    { id: 'texture', pattern: '{a} {texture} {colour} {class}' },
    { id: 'brightness', pattern: '{a} {brightness} {colour} {class}' },
    { id: 'size-after', pattern: '{colour} {class}, {size}' },
    { id: 'size-texture', pattern: '{a} {size}, {texture} {colour} {class}' },
    { id: 'texture-brightness-after', pattern: '{colour} {class}, {texture} and {brightness}' },
    { id: 'in-colour', pattern: '{a} {class} in {colour}' },
    { id: 'that-is', pattern: '{a} {size} {class} that is {colour}' },
  ].map((t) => Object.freeze(t)),
);

/**
 * The held-out part of the captioned Fashion-MNIST data, for measuring generalisation to
 * unseen descriptions:
 *
 * - `combinations`: (colour, class) pairs no training image has and so no training caption
 *   names: green dress, pink ankle boot, yellow coat, navy sneaker, purple trouser, teal bag,
 *   orange shirt, brown T-shirt/top. Each class and colour appears in at most one, so every
 *   colour and every class is still seen in training. In the test split an image of one of
 *   these classes gets its held-out colour with probability `testShare`.
 * - `templates`: phrasings no training caption uses (`in-colour`: "a dress in crimson";
 *   `that-is`: "a small boot that is navy"). Test images get captions from these as well as
 *   from the training templates, kept apart.
 * @category Captioned data
 */
export const CAPTIONED_FASHION_SPLIT: {
  readonly combinations: readonly { readonly colour: string; readonly label: number }[];
  readonly templates: readonly string[];
  readonly testShare: number;
} = Object.freeze({
  combinations: Object.freeze(
    [
      { colour: 'green', label: 3 },
      { colour: 'pink', label: 9 },
      { colour: 'yellow', label: 4 },
      { colour: 'navy', label: 7 },
      { colour: 'purple', label: 1 },
      { colour: 'teal', label: 8 },
      { colour: 'orange', label: 6 },
      { colour: 'brown', label: 0 },
    ].map((c) => Object.freeze(c)),
  ),
  templates: Object.freeze(['in-colour', 'that-is']),
  testShare: 0.5,
});

/** The ids of the templates training captions use (all but the held-out ones). @category Captioned data */
export const TRAINING_CAPTION_TEMPLATES: readonly string[] = Object.freeze(
  CAPTION_TEMPLATES.map((t) => t.id).filter((id) => !CAPTIONED_FASHION_SPLIT.templates.includes(id)),
);

/**
 * Whether a (colour, class) pair is held out of training ({@link CAPTIONED_FASHION_SPLIT}).
 * @param colour - a palette colour's canonical name
 * @param label - a Fashion-MNIST class index
 * @returns true for a held-out pair
 * @example
 * ```ts
 * import { isHeldOutCombination } from '@gankit/data';
 * console.log(isHeldOutCombination('green', 3), isHeldOutCombination('red', 3)); // true false
 * ```
 * @category Captioned data
 */
export function isHeldOutCombination(colour: string, label: number): boolean {
  return CAPTIONED_FASHION_SPLIT.combinations.some((c) => c.colour === colour && c.label === label);
}

function checkAlphabet(fn: string, alphabet: string): void {
  if (typeof alphabet !== 'string' || alphabet.length === 0) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: alphabet must be a non-empty string, got ${JSON.stringify(alphabet)}`,
    );
  }
  const seen = new Set<string>();
  for (const ch of alphabet) {
    if (seen.has(ch)) {
      throw new GanError('INVALID_ARGUMENT', `${fn}: alphabet repeats ${JSON.stringify(ch)}`);
    }
    seen.add(ch);
  }
}

/**
 * Encodes a caption as the positions of its characters in an alphabet (0-based; add an offset
 * for a vocabulary that reserves padding). Also the check that a caption uses only the
 * alphabet's characters.
 * @param text - the caption
 * @param alphabet - the allowed characters. Default {@link CAPTION_ALPHABET}
 * @returns one int32 position per character
 * @throws GanError `INVALID_ARGUMENT` for empty text, a character outside the alphabet (naming
 *   it and its position) or an alphabet that is empty or repeats a character
 * @example
 * ```ts
 * import { encodeCaption } from '@gankit/data';
 * console.log(Array.from(encodeCaption('a red-top'))); // [0, 26, 17, 4, 3, 27, 19, 14, 15]
 * ```
 * @category Captioned data
 */
export function encodeCaption(text: string, alphabet: string = CAPTION_ALPHABET): Int32Array {
  const fn = 'encodeCaption';
  checkAlphabet(fn, alphabet);
  if (typeof text !== 'string' || text.length === 0) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: text must be a non-empty string, got ${JSON.stringify(text)}`,
    );
  }
  const chars = [...text];
  const out = new Int32Array(chars.length);
  chars.forEach((ch, i) => {
    const index = alphabet.indexOf(ch);
    if (index < 0) {
      throw new GanError(
        'INVALID_ARGUMENT',
        `${fn}: text ${JSON.stringify(text)} has ${JSON.stringify(ch)} at position ${i}, which is not in the alphabet ${JSON.stringify(alphabet)}`,
      );
    }
    out[i] = index;
  });
  return out;
}

function checkImageArray(
  fn: string,
  name: string,
  data: Uint8Array,
  expected: number,
  shape: number[],
): void {
  if (!(data instanceof Uint8Array)) {
    throw new GanError('INVALID_ARGUMENT', `${fn}: ${name} must be a Uint8Array, got ${typeof data}`);
  }
  if (data.length !== expected) {
    throw new GanError(
      'SHAPE_MISMATCH',
      `${fn}: ${name} must hold ${formatShape(shape)} = ${expected} bytes, got ${data.length}`,
    );
  }
}

/**
 * Measures a garment on a black background: which pixels belong to it, how much of the frame
 * they fill (size), their mean luminance (brightness) and their relative local contrast
 * (texture); see {@link GARMENT_THRESHOLDS}. Works on any RGB image; an all-black one measures
 * as small, dark and plain.
 * @param rgb - `height * width * 3` bytes, row-major, channels interleaved
 * @param height - image height. Default 28
 * @param width - image width. Default 28
 * @returns the three words and the numbers behind them
 * @throws GanError `INVALID_ARGUMENT` for bad sizes; `SHAPE_MISMATCH` when `rgb` has the wrong length
 * @example
 * ```ts
 * import { measureGarment } from '@gankit/data';
 * const full = new Uint8Array(28 * 28 * 3).fill(200);
 * console.log(measureGarment(full).size, measureGarment(full).texture); // large plain
 * ```
 * @category Captioned data
 */
export function measureGarment(rgb: Uint8Array, height = 28, width = 28): GarmentMeasures {
  const fn = 'measureGarment';
  checkInteger(fn, 'height', height);
  checkInteger(fn, 'width', width);
  const pixels = height * width;
  checkImageArray(fn, 'rgb', rgb, pixels * 3, [height, width, 3]);
  const luma = new Float64Array(pixels);
  const value = new Uint8Array(pixels);
  let peak = 0;
  for (let p = 0; p < pixels; p++) {
    const r = rgb[3 * p]!;
    const g = rgb[3 * p + 1]!;
    const b = rgb[3 * p + 2]!;
    luma[p] = (0.299 * r + 0.587 * g + 0.114 * b) / 255;
    value[p] = Math.max(r, g, b);
    if (value[p]! > peak) peak = value[p]!;
  }
  const cut = Math.max(1, GARMENT_THRESHOLDS.maskFraction * peak);
  const mask = new Uint8Array(pixels);
  let count = 0;
  let lumaSum = 0;
  for (let p = 0; p < pixels; p++) {
    if (value[p]! >= cut) {
      mask[p] = 1;
      count++;
      lumaSum += luma[p]!;
    }
  }
  const coverage = count / pixels;
  const luminance = count > 0 ? lumaSum / count : 0;
  // relative local contrast over interior pixels (the 3x3 neighbourhood all garment)
  let deviation = 0;
  let interior = 0;
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      let inside = true;
      let sum = 0;
      for (let dy = -1; dy <= 1 && inside; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const q = (y + dy) * width + x + dx;
          if (!mask[q]) {
            inside = false;
            break;
          }
          sum += luma[q]!;
        }
      }
      if (!inside) continue;
      deviation += Math.abs(luma[y * width + x]! - sum / 9);
      interior++;
    }
  }
  const roughness = interior > 0 && luminance > 0 ? deviation / interior / luminance : 0;
  return {
    brightness: luminance >= GARMENT_THRESHOLDS.luminance ? 'light' : 'dark',
    size: coverage >= GARMENT_THRESHOLDS.coverage ? 'large' : 'small',
    texture: roughness >= GARMENT_THRESHOLDS.roughness ? 'textured' : 'plain',
    luminance,
    coverage,
    roughness,
  };
}

/**
 * Options of {@link colourizeFashion}.
 * @category Captioned data
 */
export interface ColourizeFashionOptions {
  /** Seed of the colour draws; the same seed and images give the same bytes. */
  seed: number;
  /** The colours to draw from. Default {@link FASHION_PALETTE}. */
  palette?: readonly PaletteColour[];
  /**
   * `train` (default) never draws a held-out (colour, class) pair of
   * {@link CAPTIONED_FASHION_SPLIT}; `test` draws a class's held-out colour with probability
   * `testShare` and otherwise one of the others.
   */
  split?: 'train' | 'test';
  /** Image height. Default 28. */
  height?: number;
  /** Image width. Default 28. */
  width?: number;
}

/**
 * Tinted garments and their attributes, from {@link colourizeFashion}.
 * @category Captioned data
 */
export interface ColourizedFashion {
  /** `count * height * width * 3` bytes, NHWC RGB. */
  images: Uint8Array;
  /** One entry per image. */
  attributes: GarmentAttributes[];
}

function checkPalette(fn: string, palette: readonly PaletteColour[]): void {
  if (!Array.isArray(palette) || palette.length < 2) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: palette must hold at least 2 colours, got ${palette?.length}`,
    );
  }
  const names = new Set<string>();
  palette.forEach((c, i) => {
    const rgb: readonly number[] = Array.isArray(c.rgb) ? c.rgb : [];
    const okRgb =
      rgb.length === 3 &&
      rgb.every((v) => Number.isInteger(v) && v >= 0 && v <= 255) &&
      rgb.some((v) => v > 0);
    if (!okRgb) {
      throw new GanError(
        'INVALID_ARGUMENT',
        `${fn}: palette[${i}].rgb must be three integers in 0..255, not all 0, got ${JSON.stringify(c.rgb)}`,
      );
    }
    if (names.has(c.name))
      throw new GanError('INVALID_ARGUMENT', `${fn}: palette repeats the name '${c.name}'`);
    names.add(c.name);
    if (!Array.isArray(c.synonyms) || c.synonyms.length === 0) {
      throw new GanError('INVALID_ARGUMENT', `${fn}: palette[${i}] ('${c.name}') needs at least one synonym`);
    }
  });
}

/**
 * Tints grey Fashion-MNIST garments with seeded colours from a named palette and measures each
 * result. A pixel of grey level g becomes `round(rgb * g / 255)`: the background (0) stays
 * black, and every garment pixel keeps the palette colour's hue and saturation while the
 * original shading survives as brightness. Attributes: the colour's name, then
 * {@link measureGarment} on the tinted image.
 * @param images - `count * height * width` grey bytes (e.g. `loadFashionMnist(...).images`)
 * @param labels - one class index (0..9) per image
 * @param options - seed, palette, split (which (colour, class) pairs may be drawn), image size
 * @returns the RGB images and one attribute record per image
 * @throws GanError `INVALID_ARGUMENT` for a bad seed, palette, label or split;
 *   `SHAPE_MISMATCH` when the image bytes do not match the label count
 * @example
 * ```ts
 * import { colourizeFashion, loadFashionMnist } from '@gankit/data';
 * const ds = await loadFashionMnist({ dir: 'bundled', limit: 4 });
 * const { images, attributes } = colourizeFashion(ds.images, ds.labels, { seed: 1 });
 * console.log(images.length, attributes[0]?.colour); // 9408 and a colour name
 * ```
 * @category Captioned data
 */
export function colourizeFashion(
  images: Uint8Array,
  labels: ArrayLike<number>,
  options: ColourizeFashionOptions,
): ColourizedFashion {
  const fn = 'colourizeFashion';
  checkInteger(fn, 'seed', options?.seed, Number.MIN_SAFE_INTEGER);
  const palette = options.palette ?? FASHION_PALETTE;
  checkPalette(fn, palette);
  const split = options.split ?? 'train';
  if (split !== 'train' && split !== 'test') {
    throw new GanError('INVALID_ARGUMENT', `${fn}: split must be 'train' or 'test', got ${String(split)}`);
  }
  const height = checkInteger(fn, 'height', options.height ?? 28);
  const width = checkInteger(fn, 'width', options.width ?? 28);
  const count = labels.length;
  const pixels = height * width;
  checkImageArray(fn, 'images', images, count * pixels, [count, height, width]);
  const rng = new SeededRandom(options.seed);
  const out = new Uint8Array(count * pixels * 3);
  const attributes: GarmentAttributes[] = [];
  for (let i = 0; i < count; i++) {
    const label = labels[i]!;
    if (!Number.isInteger(label) || label < 0 || label >= FASHION_CLASS_SYNONYMS.length) {
      throw new GanError(
        'INVALID_ARGUMENT',
        `${fn}: labels[${i}] must be a class index in 0..${FASHION_CLASS_SYNONYMS.length - 1}, got ${label}`,
      );
    }
    const heldOut = palette.findIndex((c) => isHeldOutCombination(c.name, label));
    const allowed = palette.map((_, k) => k).filter((k) => k !== heldOut);
    // one draw for the held-out coin in the test split, then one for the colour
    const useHeldOut = split === 'test' && rng.next() < CAPTIONED_FASHION_SPLIT.testShare && heldOut >= 0;
    const pick = allowed[rng.int(allowed.length)]!;
    const colour = palette[useHeldOut ? heldOut : pick]!;
    const [r, g, b] = colour.rgb;
    const base = i * pixels;
    for (let p = 0; p < pixels; p++) {
      const grey = images[base + p]!;
      const o = 3 * (base + p);
      out[o] = Math.round((r * grey) / 255);
      out[o + 1] = Math.round((g * grey) / 255);
      out[o + 2] = Math.round((b * grey) / 255);
    }
    const measures = measureGarment(out.subarray(3 * base, 3 * (base + pixels)), height, width);
    attributes.push({ colour: colour.name, ...measures });
  }
  return { images: out, attributes };
}

/**
 * Options of {@link captionsFor}.
 * @category Captioned data
 */
export interface CaptionsForOptions {
  /** Seed of the template and synonym draws. */
  seed: number;
  /** How many captions. Distinct where the templates and synonyms allow. */
  count: number;
  /** Ids of the templates to draw from. Default {@link TRAINING_CAPTION_TEMPLATES}. */
  templates?: readonly string[];
  /** Where colour synonyms come from. Default {@link FASHION_PALETTE}. */
  palette?: readonly PaletteColour[];
}

const ADJECTIVES = {
  size: { small: ['small', 'little'], large: ['large', 'big'] },
  texture: { plain: ['plain', 'smooth'], textured: ['textured', 'patterned'] },
  brightness: { dark: ['dark', 'deep'], light: ['light', 'pale'] },
} as const;

function checkAttribute<K extends keyof typeof ADJECTIVES>(
  fn: string,
  key: K,
  value: unknown,
): keyof (typeof ADJECTIVES)[K] {
  const valid = Object.keys(ADJECTIVES[key]);
  if (typeof value !== 'string' || !valid.includes(value)) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: attributes.${key} must be ${valid.map((v) => `'${v}'`).join(' or ')}, got ${JSON.stringify(value)}`,
    );
  }
  return value as keyof (typeof ADJECTIVES)[K];
}

/**
 * Writes several captions of one garment, each a template filled with seeded synonyms for the
 * class ("dress", "frock", "gown"), the colour ("red", "crimson", "scarlet") and the measured
 * attributes ("small"/"little", "plain"/"smooth", "dark"/"deep", ...): "a red dress",
 * "crimson frock, small", "a small dark-blue ankle boot", "a plain white sneaker". Every
 * caption uses only {@link CAPTION_ALPHABET}.
 * @param attributes - colour (a palette name), brightness, size and texture
 * @param label - the Fashion-MNIST class index
 * @param options - seed, count, templates, palette
 * @returns `count` captions, distinct where the templates and synonyms allow
 * @throws GanError `INVALID_ARGUMENT` for a bad count, label or attribute; `UNKNOWN_NAME` for a
 *   colour or template id that does not exist (listing the valid ones)
 * @example
 * ```ts
 * import { captionsFor } from '@gankit/data';
 * const captions = captionsFor({ colour: 'red', brightness: 'dark', size: 'large', texture: 'plain' }, 3, { seed: 1, count: 3 });
 * console.log(captions); // ['a smooth scarlet gown', 'a large, plain scarlet dress', 'red frock, big']
 * ```
 * @category Captioned data
 */
export function captionsFor(
  attributes: CaptionAttributes,
  label: number,
  options: CaptionsForOptions,
): string[] {
  const fn = 'captionsFor';
  checkInteger(fn, 'seed', options?.seed, Number.MIN_SAFE_INTEGER);
  const count = checkInteger(fn, 'count', options.count);
  if (!Number.isInteger(label) || label < 0 || label >= FASHION_CLASS_SYNONYMS.length) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: label must be a class index in 0..${FASHION_CLASS_SYNONYMS.length - 1}, got ${label}`,
    );
  }
  const palette = options.palette ?? FASHION_PALETTE;
  const colour = palette.find((c) => c.name === attributes?.colour);
  if (!colour) {
    throw new GanError(
      'UNKNOWN_NAME',
      `${fn}: unknown colour ${JSON.stringify(attributes?.colour)}; the palette has ${palette.map((c) => c.name).join(', ')}`,
    );
  }
  const size = checkAttribute(fn, 'size', attributes.size);
  const texture = checkAttribute(fn, 'texture', attributes.texture);
  const brightness = checkAttribute(fn, 'brightness', attributes.brightness);
  const ids = options.templates ?? TRAINING_CAPTION_TEMPLATES;
  if (ids.length === 0) throw new GanError('INVALID_ARGUMENT', `${fn}: templates must not be empty`);
  const templates = ids.map((id) => {
    const t = CAPTION_TEMPLATES.find((c) => c.id === id);
    if (!t) {
      throw new GanError(
        'UNKNOWN_NAME',
        `${fn}: unknown template '${id}'; the templates are ${CAPTION_TEMPLATES.map((c) => c.id).join(', ')}`,
      );
    }
    return t;
  });
  const rng = new SeededRandom(options.seed);
  const pick = (words: readonly string[]) => words[rng.int(words.length)]!;
  const fill = (pattern: string) =>
    pattern
      .replace('{colour}', pick(colour.synonyms))
      .replace('{class}', pick(FASHION_CLASS_SYNONYMS[label]!))
      .replace('{size}', pick(ADJECTIVES.size[size]))
      .replace('{texture}', pick(ADJECTIVES.texture[texture]))
      .replace('{brightness}', pick(ADJECTIVES.brightness[brightness]))
      .replace(/\{a\} ([a-z])/g, (_, first: string) => `${'aeiou'.includes(first) ? 'an' : 'a'} ${first}`);
  const captions: string[] = [];
  // a bounded number of tries for distinct captions; repeats only when the choices run out
  for (let attempt = 0; captions.length < count && attempt < 20 * count; attempt++) {
    const caption = fill(templates[rng.int(templates.length)]!.pattern);
    if (!captions.includes(caption)) captions.push(caption);
  }
  while (captions.length < count) captions.push(fill(templates[rng.int(templates.length)]!.pattern));
  return captions;
}

/**
 * One image of the captioned Fashion-MNIST data.
 * @category Captioned data
 */
export interface CaptionedFashionRecord extends CaptionAttributes {
  /** The class index. */
  label: number;
  /** Captions from the training templates. */
  captions: string[];
  /** Captions from the held-out templates (test split only; empty in training). */
  heldOutCaptions: string[];
  /** True when (colour, class) is a held-out pair (test split only). */
  heldOutCombination: boolean;
}

/**
 * One split of the captioned Fashion-MNIST data: RGB images (an {@link ImageDataset} with 3
 * channels and the Fashion-MNIST class names) and a record per image.
 * @category Captioned data
 */
export interface CaptionedFashionSplit extends ImageDataset {
  /** Which split. */
  readonly split: 'train' | 'test';
  /** One record per image, in image order. */
  readonly records: readonly CaptionedFashionRecord[];
}

/**
 * Options of {@link makeCaptionedFashion}.
 * @category Captioned data
 */
export interface MakeCaptionedFashionOptions {
  /** Seed of colours and captions. */
  seed: number;
  /** `train` or `test` (see {@link CAPTIONED_FASHION_SPLIT}). */
  split: 'train' | 'test';
  /** Captions per image from the training templates (and, for test, from the held-out ones). Default 5. */
  captionsPerImage?: number;
}

/**
 * Builds one split of the captioned Fashion-MNIST data from grey Fashion-MNIST images:
 * {@link colourizeFashion} with `seed`, then {@link captionsFor} with a seed per image drawn
 * from `seed + 1`. The training split never holds a held-out (colour, class) pair nor a
 * held-out template; the test split holds both, flagged.
 * @param source - grey images (`channels` 1) with Fashion-MNIST labels, e.g. from `loadFashionMnist`
 * @param options - seed, split, captions per image
 * @returns the split
 * @throws GanError `INVALID_ARGUMENT` for a source that is not single-channel or bad options
 * @example
 * ```ts
 * import { loadFashionMnist, makeCaptionedFashion } from '@gankit/data';
 * const grey = await loadFashionMnist({ dir: 'bundled', split: 'test', limit: 10 });
 * const test = makeCaptionedFashion(grey, { seed: 7, split: 'test', captionsPerImage: 2 });
 * console.log(test.channels, test.records[0]?.captions.length); // 3 2
 * ```
 * @category Captioned data
 */
export function makeCaptionedFashion(
  source: ImageDataset,
  options: MakeCaptionedFashionOptions,
): CaptionedFashionSplit {
  const fn = 'makeCaptionedFashion';
  if (source.channels !== 1) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: source must hold grey images (1 channel), got ${source.channels}`,
    );
  }
  const { seed, split } = options;
  const perImage = checkInteger(fn, 'captionsPerImage', options.captionsPerImage ?? 5);
  const { images, attributes } = colourizeFashion(source.images, source.labels, {
    seed,
    split,
    height: source.height,
    width: source.width,
  });
  const rng = new SeededRandom(seed + 1);
  const records = attributes.map((a, i): CaptionedFashionRecord => {
    const label = source.labels[i]!;
    const captionSeed = rng.seed();
    const words = { colour: a.colour, brightness: a.brightness, size: a.size, texture: a.texture };
    return {
      label,
      ...words,
      captions: captionsFor(words, label, { seed: captionSeed, count: perImage }),
      heldOutCaptions:
        split === 'test'
          ? captionsFor(words, label, {
              seed: captionSeed + 1,
              count: perImage,
              templates: CAPTIONED_FASHION_SPLIT.templates,
            })
          : [],
      heldOutCombination: isHeldOutCombination(a.colour, label),
    };
  });
  const dataset = createImageDataset({
    name: `captioned-fashion/${split}`,
    height: source.height,
    width: source.width,
    channels: 3,
    classNames: FASHION_MNIST_CLASS_NAMES,
    images,
    labels: Int32Array.from(source.labels),
  });
  return { ...dataset, split, records };
}

/** The name of the index file in a captioned Fashion-MNIST folder. @category Captioned data */
export const CAPTIONED_FASHION_INDEX = 'captioned-fashion.json';
const FORMAT = 'gankit-captioned-fashion';
const IMAGE_FILES = { train: 'train-images-rgb.idx.gz', test: 'test-images-rgb.idx.gz' } as const;

/**
 * The captioned Fashion-MNIST data as read by {@link loadCaptionedFashion}.
 * @category Captioned data
 */
export interface CaptionedFashion {
  /** The folder it was read from (absolute). */
  readonly dir: string;
  /** The seed it was made with. */
  readonly seed: number;
  /** Where the grey images came from (as the maker recorded it). */
  readonly source: string;
  /** The caption alphabet. */
  readonly alphabet: string;
  /** The training split. */
  readonly train: CaptionedFashionSplit;
  /** The test split. */
  readonly test: CaptionedFashionSplit;
}

/**
 * Writes the captioned Fashion-MNIST data to a folder: `captioned-fashion.json` (format,
 * version, seed, source, alphabet, palette, held-out split, and per split the image file and
 * one record per image) and per split a gzipped IDX file of uint8 RGB images
 * `[count, height, width, 3]` (`train-images-rgb.idx.gz`, `test-images-rgb.idx.gz`).
 * @param dir - the folder (created when missing)
 * @param data - both splits, the seed and a note of the source
 * @throws GanError `IO_ERROR` when a file cannot be written
 * @example
 * ```ts
 * import { loadFashionMnist, makeCaptionedFashion, saveCaptionedFashion } from '@gankit/data';
 * const split = (s: 'train' | 'test') => loadFashionMnist({ dir: 'bundled', split: s, limit: 8 });
 * const train = makeCaptionedFashion(await split('train'), { seed: 1, split: 'train' });
 * const test = makeCaptionedFashion(await split('test'), { seed: 2, split: 'test' });
 * await saveCaptionedFashion('captioned-fashion', { train, test, seed: 1, source: 'bundled' });
 * ```
 * @category Captioned data
 */
export async function saveCaptionedFashion(
  dir: string,
  data: { train: CaptionedFashionSplit; test: CaptionedFashionSplit; seed: number; source: string },
): Promise<void> {
  const splits: Record<string, unknown> = {};
  for (const split of ['train', 'test'] as const) {
    const s = data[split];
    await writeIdx(join(dir, IMAGE_FILES[split]), {
      dtype: 'uint8',
      shape: [s.count, s.height, s.width, 3],
      data: s.images,
    });
    splits[split] = { images: IMAGE_FILES[split], count: s.count, records: s.records };
  }
  const index = {
    format: FORMAT,
    version: 1,
    seed: data.seed,
    source: data.source,
    alphabet: CAPTION_ALPHABET,
    palette: FASHION_PALETTE,
    classNames: FASHION_MNIST_CLASS_NAMES,
    heldOut: CAPTIONED_FASHION_SPLIT,
    templates: CAPTION_TEMPLATES,
    splits,
  };
  await writeFileAtomic(join(dir, CAPTIONED_FASHION_INDEX), `${JSON.stringify(index)}\n`);
}

function invalid(fn: string, file: string, what: string): GanError {
  return new GanError('INVALID_DATA', `${fn}: ${file} ${what}`);
}

/**
 * Reads captioned Fashion-MNIST data written by {@link saveCaptionedFashion} (or the script
 * `packages/data/scripts/make-captioned-fashion.ts`), checking that the records and the images
 * agree.
 * @param dir - the folder
 * @returns both splits with their records, the seed, the source and the alphabet
 * @throws GanError `IO_ERROR` when a file is missing; `INVALID_DATA` when the index is not this
 *   format, a record is malformed or an image file's shape does not match its records
 * @example
 * ```ts
 * import { loadCaptionedFashion, loadFashionMnist, makeCaptionedFashion, saveCaptionedFashion } from '@gankit/data';
 * const grey = await loadFashionMnist({ dir: 'bundled', limit: 4 });
 * const train = makeCaptionedFashion(grey, { seed: 1, split: 'train' });
 * await saveCaptionedFashion('cf', { train, test: makeCaptionedFashion(grey, { seed: 2, split: 'test' }), seed: 1, source: 'bundled' });
 * const data = await loadCaptionedFashion('cf');
 * console.log(data.train.count, data.train.records[0]?.captions[0]); // 4 and a caption
 * ```
 * @category Captioned data
 */
export async function loadCaptionedFashion(dir: string): Promise<CaptionedFashion> {
  const fn = 'loadCaptionedFashion';
  const root = resolve(dir);
  const indexPath = join(root, CAPTIONED_FASHION_INDEX);
  let text: string;
  try {
    text = await readFile(indexPath, 'utf8');
  } catch (error) {
    throw new GanError(
      'IO_ERROR',
      `${fn}: cannot read ${indexPath}; make the data with packages/data/scripts/make-captioned-fashion.ts`,
      { cause: error },
    );
  }
  let index: Record<string, unknown>;
  try {
    index = JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new GanError('INVALID_DATA', `${fn}: ${indexPath} is not valid JSON`, { cause: error });
  }
  if (index.format !== FORMAT || index.version !== 1) {
    throw invalid(
      fn,
      indexPath,
      `must have format '${FORMAT}' version 1, got ${JSON.stringify(index.format)} version ${JSON.stringify(index.version)}`,
    );
  }
  const splits = index.splits as Record<string, { images?: unknown; records?: unknown }> | undefined;
  const read = async (split: 'train' | 'test'): Promise<CaptionedFashionSplit> => {
    const entry = splits?.[split];
    if (!entry || typeof entry.images !== 'string' || !Array.isArray(entry.records)) {
      throw invalid(fn, indexPath, `lacks splits.${split} with an image file and records`);
    }
    const records = entry.records as CaptionedFashionRecord[];
    records.forEach((r, i) => {
      const ok =
        Number.isInteger(r?.label) &&
        r.label >= 0 &&
        r.label < FASHION_MNIST_CLASS_NAMES.length &&
        typeof r.colour === 'string' &&
        Array.isArray(r.captions) &&
        r.captions.every((c) => typeof c === 'string') &&
        Array.isArray(r.heldOutCaptions);
      if (!ok)
        throw invalid(fn, indexPath, `splits.${split}.records[${i}] is malformed: ${JSON.stringify(r)}`);
    });
    const path = join(root, entry.images);
    const array = await readIdx(path);
    const [count, height, width, channels] = array.shape;
    if (array.dtype !== 'uint8' || array.shape.length !== 4 || channels !== 3 || count !== records.length) {
      throw invalid(
        fn,
        path,
        `must hold uint8 images of shape [${records.length}, height, width, 3], got ${array.dtype} ${formatShape(array.shape)}`,
      );
    }
    const dataset = createImageDataset({
      name: `captioned-fashion/${split}`,
      height: height!,
      width: width!,
      channels: 3,
      classNames: FASHION_MNIST_CLASS_NAMES,
      images: array.data,
      labels: Int32Array.from(records, (r) => r.label),
    });
    return { ...dataset, split, records };
  };
  return {
    dir: root,
    seed: index.seed as number,
    source: String(index.source),
    alphabet: typeof index.alphabet === 'string' ? index.alphabet : CAPTION_ALPHABET,
    train: await read('train'),
    test: await read('test'),
  };
}
