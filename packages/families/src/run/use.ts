import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { type BackendChoice, setupBackend } from '@gankit/backend';
import { GanError } from '@gankit/core';
import { loadImage, loadModel, PngStreamWriter, upscaleRowBands, writeFileAtomic } from '@gankit/data';
import '@gankit/models'; // registers the custom layers saved generators use
import type * as tfl from '@tensorflow/tfjs-layers';
import type { Log } from '../family.js';
import { getFamily } from '../registry.js';
import { readRunConfig, runPaths } from './run-dir.js';

/** Backend options of the functions that use a trained generator. @category Runs */
export interface UseOptions {
  backend?: BackendChoice;
  /** CPU threads: the native kernels' or, without them, wasm's (default: every core). */
  threads?: number;
  log?: Log;
}

async function loadRunGenerator(runDir: string, what: string, options: UseOptions): Promise<tfl.LayersModel> {
  await setupBackend({
    backend: options.backend ?? 'auto',
    ...(options.threads === undefined ? {} : { threads: options.threads }),
  });
  const dir = runPaths(runDir).generator;
  if (!existsSync(path.join(dir, 'model.json'))) {
    throw new GanError(
      'IO_ERROR',
      `${what}: ${runDir} has no trained generator (${dir}/model.json); train it first with 'gankit train'`,
    );
  }
  try {
    return await loadModel(dir);
  } catch (e) {
    throw new GanError(
      'INVALID_DATA',
      `${what}: the generator of ${runDir} cannot be loaded: ${(e as Error).message}`,
      {
        cause: e,
      },
    );
  }
}

/** Options of {@link sampleRun}. @category Runs */
export interface SampleRunOptions extends UseOptions {
  /** Samples (text-to-image: per caption; with `interpolate`: rows). Default: the family's `sampleCount`, else 64. */
  n?: number;
  seed: number;
  /** PNG to write. */
  out: string;
  /** Class-conditional runs: every sample of this class (default: one row per class). */
  classIndex?: number;
  /** Coarse-to-fine runs (LAPGAN): rows of refinements of one coarse start, redrawn from this level up. */
  fromLevel?: number;
  /** Text-to-image runs: one row per caption. */
  texts?: readonly string[];
  /** Text-to-image runs: rows that walk from the first caption to the second. */
  interpolate?: readonly [string, string];
  /** Text-to-image runs with a style encoder: keep this image's style (pose, background). */
  styleFrom?: string;
}

/** The most samples `sampleRun` draws into one grid: 10,000 28x28 images make a ~6,000 px square PNG. @category Runs */
export const MAX_SAMPLES = 10_000;

/**
 * Draws `n` samples from a run's generator with a seeded latent batch and writes them as the
 * family draws them (an image grid, one row per class, a scatter plot). The same run, seed and
 * backend give byte-identical PNGs. The library form of `gankit sample`.
 * @param runDir - the run folder
 * @param options - count, seed, output file, class
 * @returns the written file
 * @throws GanError `INVALID_ARGUMENT` when the family draws no samples (super-resolution) or the class is invalid; `IO_ERROR` without a trained generator
 * @category Runs
 */
export async function sampleRun(runDir: string, options: SampleRunOptions): Promise<string> {
  // the output format is checked before any work (the grids are written by sharp)
  if (!/\.(png|jpe?g|webp)$/i.test(options.out)) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `sample: --out must end in .png, .jpg, .jpeg or .webp, got ${JSON.stringify(options.out)}`,
    );
  }
  const dir = path.resolve(runDir);
  const config = await readRunConfig(dir);
  const family = getFamily(config.family);
  const n = options.n ?? family.sampleCount ?? 64;
  if (!Number.isInteger(n) || n < 1 || n > MAX_SAMPLES) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `sample: n must be an integer from 1 to ${MAX_SAMPLES} (one grid image), got ${n}`,
    );
  }
  if (!family.sample) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `sample: ${runDir} is a '${config.family}' run, whose generator takes images, not latents${family.upscales ? "; use 'gankit upscale'" : ''}`,
    );
  }
  if (options.classIndex !== undefined && !family.classConditional) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `sample: --class applies to class-conditional runs; ${runDir} is a '${config.family}' run (preset ${config.preset})`,
    );
  }
  if (options.fromLevel !== undefined && !family.coarseToFine) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `sample: --from-level applies to coarse-to-fine runs (lapgan); ${runDir} is a '${config.family}' run (preset ${config.preset})`,
    );
  }
  const textual =
    options.texts !== undefined || options.interpolate !== undefined || options.styleFrom !== undefined;
  if (textual && !family.textConditional) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `sample: --text, --interpolate and --style-from apply to text-to-image runs; ${runDir} is a '${config.family}' run (preset ${config.preset})`,
    );
  }
  const generator = await loadRunGenerator(dir, 'sample', options);
  const out = path.resolve(options.out);
  try {
    await family.sample(generator, config, {
      n,
      seed: options.seed,
      out,
      ...(options.classIndex === undefined ? {} : { classIndex: options.classIndex }),
      ...(options.fromLevel === undefined ? {} : { fromLevel: options.fromLevel }),
      ...(options.texts === undefined ? {} : { texts: options.texts }),
      ...(options.interpolate === undefined ? {} : { interpolate: options.interpolate }),
      ...(options.styleFrom === undefined ? {} : { styleFrom: options.styleFrom }),
      runDir: dir,
    });
  } finally {
    generator.dispose();
  }
  return out;
}

/** Options of {@link translateFiles}. @category Runs */
export interface TranslateFilesOptions extends UseOptions {
  /** `a2b` (the run's generator, default) or `b2a` (the reverse one). */
  direction?: 'a2b' | 'b2a';
  /** Folder the translations go to (default: the working folder). */
  out?: string;
}

/**
 * Translates files with a two-way translation run (CycleGAN): each image becomes
 * `<out>/<name>.<direction>.png`, each WAV of a voice run `<out>/<name>.<direction>.wav` (or
 * `out` itself when it names a `.wav` and one input is given). The library form of `gankit translate`.
 * @param runDir - the run folder
 * @param inputs - image files, or WAV files for a voice run
 * @param options - direction, output folder, backend
 * @returns the written files
 * @throws GanError `INVALID_ARGUMENT` when the run's family does not translate or the direction is not a2b/b2a; `IO_ERROR` without a trained generator
 * @category Runs
 */
export async function translateFiles(
  runDir: string,
  inputs: readonly string[],
  options: TranslateFilesOptions = {},
): Promise<string[]> {
  const dir = path.resolve(runDir);
  const config = await readRunConfig(dir);
  const family = getFamily(config.family);
  if (!family.translate) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `translate: ${runDir} is a '${config.family}' run, which does not translate between two domains${family.upscales ? "; use 'gankit upscale'" : ''}`,
    );
  }
  const direction = options.direction ?? 'a2b';
  if (direction !== 'a2b' && direction !== 'b2a') {
    throw new GanError(
      'INVALID_ARGUMENT',
      `translate: direction must be a2b or b2a, got ${JSON.stringify(direction)}`,
    );
  }
  if (inputs.length === 0) throw new GanError('INVALID_ARGUMENT', 'translate: give at least one file');
  const generator = await loadRunGenerator(dir, 'translate', options);
  try {
    return await family.translate(generator, config, {
      inputs,
      direction,
      out: path.resolve(options.out ?? '.'),
      runDir: dir,
    });
  } finally {
    generator.dispose();
  }
}

/** Options of {@link evaluateRun}. @category Runs */
export interface EvaluateRunOptions extends UseOptions {
  /** Evaluation images, for families that take them (default: the family's own). */
  images?: string[];
  /** Generated samples to score, for families that sample (default 10,000). */
  n?: number;
  /** Seed of the generated latents (default 1). */
  seed?: number;
  /** Reference statistics from `gankit stats` (default: computed now). */
  stats?: string;
  /** The feature network of image metrics: `fashion` (default, the shipped classifier) or `inception:DIR`. */
  features?: string;
}

/**
 * Scores a run's generator with its family's evaluation (super-resolution: PSNR/SSIM against
 * bicubic on held-out photos) and writes the numbers to `<runDir>/eval.json`. The library form
 * of `gankit eval`.
 * @param runDir - the run folder
 * @param options - images, backend, log
 * @returns what was written
 * @throws GanError `INVALID_ARGUMENT` when the family has no evaluation
 * @category Runs
 */
export async function evaluateRun(
  runDir: string,
  options: EvaluateRunOptions = {},
): Promise<Record<string, unknown>> {
  const dir = path.resolve(runDir);
  const config = await readRunConfig(dir);
  const family = getFamily(config.family);
  if (!family.evaluate) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `eval: ${runDir} is a '${config.family}' run, and that family has no evaluation yet`,
    );
  }
  const generator = await loadRunGenerator(dir, 'eval', options);
  try {
    const result = await family.evaluate(generator, config, {
      ...(options.images ? { images: options.images } : {}),
      ...(options.n === undefined ? {} : { n: options.n }),
      ...(options.seed === undefined ? {} : { seed: options.seed }),
      ...(options.stats === undefined ? {} : { stats: options.stats }),
      ...(options.features === undefined ? {} : { features: options.features }),
      // the folder names the model: the preset alone does not say e.g. the scale
      label: path.basename(dir),
      runDir: dir,
      log: options.log ?? (() => {}),
    });
    const written = { preset: config.preset, ...result };
    await writeFileAtomic(path.join(dir, 'eval.json'), `${JSON.stringify(written, null, 2)}\n`);
    return written;
  } finally {
    generator.dispose();
  }
}

/** Options of {@link upscaleFile}. @category Runs */
export interface UpscaleFileOptions extends UseOptions {
  /** PNG to write (default: `<name>.x<scale>.png` beside the input). */
  out?: string;
  /** Tile side in input pixels. */
  tile?: number;
  /** Context around each tile, cut from its output. */
  overlap?: number;
}

/**
 * Super-resolves a PNG or JPEG with a run's generator, tile by tile (memory bounded by the
 * tile size, seams removed by the overlap), alpha kept; writes a PNG. The library form of
 * `gankit upscale`.
 * @param input - the image file
 * @param runDir - a super-resolution run folder
 * @param options - output, tiling, backend, log
 * @returns the written file
 * @throws GanError `INVALID_ARGUMENT` for a non-PNG output or a run that does not upscale
 * @category Runs
 */
export async function upscaleFile(
  input: string,
  runDir: string,
  options: UpscaleFileOptions = {},
): Promise<string> {
  const log = options.log ?? (() => {});
  if (options.out !== undefined && path.extname(options.out).toLowerCase() !== '.png') {
    throw new GanError('INVALID_ARGUMENT', `upscale: --out must be a .png file, got ${options.out}`);
  }
  const dir = path.resolve(runDir);
  // a bare generator folder (no config.json) is accepted: the model itself says what it does
  const config = existsSync(runPaths(dir).config) ? await readRunConfig(dir) : undefined;
  if (config && !getFamily(config.family).upscales) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `upscale: ${runDir} is a '${config.family}' run; upscale takes a super-resolution run (train one with 'gankit train --preset srresnet-x4')`,
    );
  }
  const image = await loadImage(path.resolve(input));
  const generator = await loadRunGenerator(dir, 'upscale', options);
  try {
    const started = Date.now();
    let lastLogged = 0;
    const bands = upscaleRowBands(generator, image, {
      tile: options.tile ?? 128,
      overlap: options.overlap ?? 24,
      onProgress: (done, total) => {
        // a line every ~2 s and at the end keeps long runs visible without flooding logs
        if (done === total || Date.now() - lastLogged > 2000) {
          lastLogged = Date.now();
          log(`tile ${done}/${total} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
        }
      },
    });
    // the output goes to disk one band of tiles at a time: memory stays bounded by the tile size
    let png: PngStreamWriter | undefined;
    let scale = 0;
    let out = '';
    try {
      for await (const band of bands) {
        if (!png) {
          scale = band.scale;
          const parsed = path.parse(path.resolve(input));
          out = options.out
            ? path.resolve(options.out)
            : path.join(parsed.dir, `${parsed.name}.x${scale}.png`);
          png = await PngStreamWriter.open(out, band.width, image.height * scale, band.channels);
        }
        await png.writeRows(band.data);
      }
      await png!.close();
    } catch (e) {
      await png?.abort();
      throw e;
    }
    log(`wrote ${image.width * scale}x${image.height * scale} (x${scale}) to ${out}`);
    return out;
  } finally {
    generator.dispose();
  }
}
