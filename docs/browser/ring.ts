// A vanilla GAN learning the ring of 8 Gaussians, live: gankit's `gan-ring8` preset (MLPs,
// non-saturating loss, PacGAN-4 discriminator), built from the browser-safe gankit packages.
import { SeededRandom } from '@gankit/core';
import { nonSaturatingLoss } from '@gankit/losses';
import { mlpDiscriminator, mlpGenerator } from '@gankit/models';
import {
  adversarialStrategy,
  pointsBatchSource,
  type StepLosses,
  type Strategy,
  trainingStep,
} from '@gankit/trainers/browser';

type Mixture = Parameters<typeof pointsBatchSource>[0];

/** The ring of @gankit/data's `gaussianMixture({ kind: 'ring', std: 0.05 })`: 8 modes on a circle of radius 2. */
export function ring(modes = 8, radius = 2, std = 0.05): Mixture {
  const centers = Array.from({ length: modes }, (_, i): [number, number] => {
    const a = (2 * Math.PI * i) / modes;
    return [radius * Math.cos(a), radius * Math.sin(a)];
  });
  return {
    centers,
    std,
    description: `ring of ${modes} (radius ${radius}, std ${std})`,
    sample(count: number, rng: SeededRandom): Float32Array {
      const out = new Float32Array(2 * count);
      for (let i = 0; i < count; i++) {
        const [cx, cy] = centers[rng.int(centers.length)]!;
        out[2 * i] = cx + std * rng.normal();
        out[2 * i + 1] = cy + std * rng.normal();
      }
      return out;
    },
  };
}

/** The preset's settings (`gankit presets`: gan-ring8), without its learning-rate decay. */
const LATENT_DIM = 16;
const HIDDEN = [128, 128];
const PACKING = 4;
const BATCH = 256;
const SEED = 0;
/** Generated points drawn, always from the same latents so the plot shows G's map moving. */
const SHOWN = 1000;
const SHOWN_SEED = 1;

/** One entry of the loss history. */
export interface LossPoint extends StepLosses {
  step: number;
}

/** A GAN training on the ring, one step at a time. */
export class RingGan {
  readonly mixture = ring();
  readonly real: Float32Array;
  readonly history: LossPoint[] = [];
  step = 0;
  private strategy: Strategy;
  private data: ReturnType<typeof pointsBatchSource>;
  private rng: SeededRandom;

  constructor() {
    this.real = this.mixture.sample(SHOWN, new SeededRandom(SEED + 7));
    this.strategy = this.build();
    this.data = pointsBatchSource(this.mixture, { batchSize: BATCH, seed: SEED });
    this.rng = new SeededRandom(SEED);
  }

  private build(): Strategy {
    return adversarialStrategy({
      name: 'gan',
      loss: nonSaturatingLoss,
      generator: mlpGenerator({ latentDim: LATENT_DIM, outputDim: 2, hidden: HIDDEN, seed: SEED }),
      discriminator: mlpDiscriminator({ inputDim: 2 * PACKING, hidden: HIDDEN, seed: SEED + 1 }),
      packing: PACKING,
      optimizer: { learningRate: 2e-3, beta1: 0.5, beta2: 0.999 },
    });
  }

  /** Runs one training step (a D update, then a G update) and records its losses. */
  async trainStep(): Promise<LossPoint> {
    const losses = await trainingStep(this.strategy, this.data, this.step + 1, this.rng);
    this.step++;
    const point = { step: this.step, ...losses };
    this.history.push(point);
    return point;
  }

  /** The generator's points for the fixed plotting latents, interleaved x, y. */
  async samples(): Promise<Float32Array> {
    const points = this.strategy.sample(SHOWN, SHOWN_SEED);
    try {
      return (await points.data()) as Float32Array;
    } finally {
      points.dispose();
    }
  }

  /** Starts again from step 0 with fresh networks. */
  reset(): void {
    this.strategy.dispose();
    this.strategy = this.build();
    this.data = pointsBatchSource(this.mixture, { batchSize: BATCH, seed: SEED });
    this.rng = new SeededRandom(SEED);
    this.step = 0;
    this.history.length = 0;
  }
}

/** World coordinates shown on the scatter plot: [-3, 3] on both axes. */
const EXTENT = 3;

/** Draws the real points (grey) and the generated ones (orange). */
export function drawRing(
  canvas: HTMLCanvasElement,
  real: Float32Array,
  fake: Float32Array | undefined,
): void {
  const ctx = canvas.getContext('2d')!;
  const { width: w, height: h } = canvas;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, w, h);
  ctx.strokeStyle = '#ddd';
  ctx.beginPath();
  ctx.moveTo(w / 2, 0);
  ctx.lineTo(w / 2, h);
  ctx.moveTo(0, h / 2);
  ctx.lineTo(w, h / 2);
  ctx.stroke();
  const dot = (points: Float32Array, color: string, r: number) => {
    ctx.fillStyle = color;
    for (let i = 0; i < points.length; i += 2) {
      const x = ((points[i]! + EXTENT) / (2 * EXTENT)) * w;
      const y = ((EXTENT - points[i + 1]!) / (2 * EXTENT)) * h;
      ctx.fillRect(x - r, y - r, 2 * r, 2 * r);
    }
  };
  dot(real, '#9e9e9e', 1.5);
  if (fake) dot(fake, 'rgba(232, 113, 10, 0.7)', 1.5);
}

/** Draws the loss curves (smoothed) of the history. */
export function drawLosses(canvas: HTMLCanvasElement, history: readonly LossPoint[]): void {
  const ctx = canvas.getContext('2d')!;
  const { width: w, height: h } = canvas;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, w, h);
  if (history.length < 2) return;
  const terms = [
    ['d_loss', '#1565c0'],
    ['g_loss', '#e8710a'],
  ] as const;
  const smoothed = terms.map(([term]) => {
    let s = history[0]![term] ?? 0;
    return history.map((p) => (s = 0.9 * s + 0.1 * (p[term] ?? s)));
  });
  const all = smoothed.flat();
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  const pad = 24;
  const x = (i: number) => pad + (i / (history.length - 1)) * (w - 2 * pad);
  const y = (v: number) => h - pad - ((v - lo) / (hi - lo || 1)) * (h - 2 * pad);
  terms.forEach(([term, color], k) => {
    ctx.strokeStyle = color;
    ctx.beginPath();
    for (const [i, v] of smoothed[k]!.entries()) {
      if (i === 0) ctx.moveTo(x(i), y(v));
      else ctx.lineTo(x(i), y(v));
    }
    ctx.stroke();
    ctx.fillStyle = color;
    ctx.fillText(`${term} ${history[history.length - 1]![term]!.toFixed(3)}`, pad + k * 130, 14);
  });
  ctx.fillStyle = '#777';
  ctx.fillText(`${hi.toFixed(2)}`, 2, pad);
  ctx.fillText(`${lo.toFixed(2)}`, 2, h - pad);
  ctx.fillText(`step ${history[history.length - 1]!.step}`, w - 80, h - 6);
}

/** Yields to the browser so it can draw (a macrotask: microtasks would not let it). */
export function yieldToPage(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
