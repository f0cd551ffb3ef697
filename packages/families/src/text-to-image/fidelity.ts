import { FASHION_PALETTE } from '@gankit/data';
import { loadFashionClassifier } from '@gankit/encoders';
import * as tf from '@tensorflow/tfjs-core';

/** Grey and white tints differ only in brightness, which the garment's own shading also sets: one class. */
const ACHROMATIC = 'grey/white';
const colourClass = (name: string) => (name === 'grey' || name === 'white' ? ACHROMATIC : name);

/** Each palette colour's chromaticity: its RGB over its brightest channel. */
const PALETTE_CHROMA = FASHION_PALETTE.map((c) => {
  const top = Math.max(...c.rgb);
  return { name: colourClass(c.name), rgb: c.rgb, chroma: c.rgb.map((v) => v / top) };
});

/** Hue in degrees of an RGB triple, or null for a grey. */
export function hueOf(rgb: readonly number[]): number | null {
  const [r, g, b] = rgb as [number, number, number];
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const d = max - min;
  if (max <= 0 || d / max < 0.15) return null;
  const h = max === r ? ((g - b) / d) % 6 : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
  return (h * 60 + 360) % 360;
}

/**
 * Luminance (BT.601) of RGB images in [-1, 1], stretched per image so its brightest pixel is
 * white: a tint scales a garment's grey shading by a constant, so this undoes it, and the
 * grey-trained Fashion-MNIST classifier can judge the shape. Returns [n, h, w, 1] in [-1, 1];
 * the caller owns it.
 */
export function normalizedLuminance(images: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const unit = tf.div(tf.add(tf.clipByValue(images, -1, 1), 1), 2);
    const luma = tf.sum(tf.mul(unit, tf.tensor1d([0.299, 0.587, 0.114])), 3, true);
    const top = tf.max(luma, [1, 2, 3], true);
    return tf.sub(tf.mul(tf.div(luma, tf.maximum(top, 1e-3)), 2), 1) as tf.Tensor4D;
  });
}

/**
 * The garment colour of each RGB image in [-1, 1]: the summed RGB of its garment pixels (those
 * whose brightest channel reaches a tenth of the image's brightest), which keeps the tint's
 * chromaticity whatever the shading, matched to the nearest palette chromaticity.
 * @returns per image the nearest palette colour (grey and white as one) and the hue, null when grey or black
 */
export async function garmentColours(images: tf.Tensor4D): Promise<{ colour: string; hue: number | null }[]> {
  const [n, h, w] = images.shape as [number, number, number, number];
  const data = await images.data();
  const pixels = h * w;
  const out: { colour: string; hue: number | null }[] = [];
  for (let i = 0; i < n; i++) {
    const base = i * pixels * 3;
    let top = 0;
    for (let p = 0; p < pixels * 3; p++) top = Math.max(top, (data[base + p]! + 1) / 2);
    const sum = [0, 0, 0];
    for (let p = 0; p < pixels; p++) {
      const rgb = [0, 1, 2].map((c) => Math.min(1, Math.max(0, (data[base + 3 * p + c]! + 1) / 2)));
      if (Math.max(...rgb) >= 0.1 * top) for (let c = 0; c < 3; c++) sum[c]! += rgb[c]!;
    }
    const peak = Math.max(...sum);
    if (top < 0.05 || peak <= 0) {
      out.push({ colour: 'none', hue: null });
      continue;
    }
    const chroma = sum.map((v) => v / peak);
    let best = PALETTE_CHROMA[0]!;
    let bestDistance = Number.POSITIVE_INFINITY;
    for (const c of PALETTE_CHROMA) {
      const d = c.chroma.reduce((acc, v, k) => acc + (v - chroma[k]!) ** 2, 0);
      if (d < bestDistance) {
        bestDistance = d;
        best = c;
      }
    }
    out.push({ colour: best.name, hue: hueOf(sum) });
  }
  return out;
}

/** What {@link scoreJudgement} returns. */
export interface TextFidelity {
  /** Images judged. */
  n: number;
  /** Share classified (on the stretched luminance) as the caption's class. */
  classAccuracy: number;
  /** Share whose garment colour is the caption's (grey and white as one). */
  colourAccuracy: number;
  /** Mean absolute hue difference in degrees over chromatic requests (lower is better). */
  hueErrorDegrees: number;
  /** Share with both right. */
  bothAccuracy: number;
}

/** What the judges read off images: the classifier's class and the garment colour of each. */
export interface ImageJudgement {
  classes: Int32Array;
  colours: { colour: string; hue: number | null }[];
}

/**
 * Reads images for {@link scoreJudgement}: the class by the shipped Fashion-MNIST classifier on
 * the stretched luminance, the colour by the garment pixels' chromaticity and hue.
 * @param images - [n, h, w, 3] in [-1, 1] (read, not disposed)
 */
export async function judgeImages(images: tf.Tensor4D): Promise<ImageJudgement> {
  const classifier = await loadFashionClassifier();
  const grey = normalizedLuminance(images);
  try {
    const predicted = classifier.predict(grey);
    const classes = Int32Array.from(await predicted.data());
    predicted.dispose();
    return { classes, colours: await garmentColours(images) };
  } finally {
    grey.dispose();
    classifier.dispose();
  }
}

/**
 * Scores judged images against what their captions asked for.
 * @param judged - from {@link judgeImages}
 * @param labels - the class each caption names
 * @param colours - the palette colour each caption names
 */
export function scoreJudgement(
  judged: ImageJudgement,
  labels: ArrayLike<number>,
  colours: readonly string[],
): TextFidelity {
  const n = labels.length;
  let cls = 0;
  let colour = 0;
  let both = 0;
  let hueError = 0;
  let chromatic = 0;
  for (let i = 0; i < n; i++) {
    const okClass = judged.classes[i] === labels[i];
    const okColour = judged.colours[i]!.colour === colourClass(colours[i]!);
    cls += okClass ? 1 : 0;
    colour += okColour ? 1 : 0;
    both += okClass && okColour ? 1 : 0;
    const want = FASHION_PALETTE.find((c) => c.name === colours[i]);
    const wantHue = want ? hueOf(want.rgb) : null;
    if (wantHue !== null) {
      chromatic++;
      const got = judged.colours[i]!.hue;
      const d = got === null ? 180 : Math.abs(got - wantHue);
      hueError += Math.min(d, 360 - d);
    }
  }
  return {
    n,
    classAccuracy: cls / n,
    colourAccuracy: colour / n,
    hueErrorDegrees: chromatic > 0 ? hueError / chromatic : 0,
    bothAccuracy: both / n,
  };
}

/** Picks the judged images at `indices`. */
export function selectJudgement(judged: ImageJudgement, indices: readonly number[]): ImageJudgement {
  return {
    classes: Int32Array.from(indices, (i) => judged.classes[i]!),
    colours: indices.map((i) => judged.colours[i]!),
  };
}

/**
 * How far apart two image sets' shapes are: the mean absolute difference of their stretched
 * luminance (colour removed), pair by pair, in [0, 2].
 */
export async function poseDistance(a: tf.Tensor4D, b: tf.Tensor4D): Promise<number> {
  const d = tf.tidy(() => {
    const la = normalizedLuminance(a);
    const lb = normalizedLuminance(b);
    return tf.mean(tf.abs(tf.sub(la, lb)));
  });
  const value = (await d.data())[0]!;
  d.dispose();
  return value;
}
