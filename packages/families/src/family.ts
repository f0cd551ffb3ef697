import type { BatchSource, Callback, Strategy, Trainer } from '@gankit/trainers';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { z } from 'zod';
import type { RunConfig } from './config.js';

/** Where a family's build and hooks write their progress lines. @category Families */
export type Log = (line: string) => void;

/**
 * What a family's builder returns for one run: the strategy (networks, losses, optimizers),
 * its data, how samples are drawn during training, and the end-of-run evaluation.
 * @category Families
 */
export interface FamilyParts {
  // biome-ignore lint/suspicious/noExplicitAny: each family has its own batch type
  strategy: Strategy<any>;
  // biome-ignore lint/suspicious/noExplicitAny: as above
  data: BatchSource<any>;
  /** Sample grids or plots during training (default: an image grid of `output.sampleCount`). */
  samples?: Callback;
  /** End-of-run numbers written to `evaluation.json` (mode coverage, class fidelity, ...). */
  evaluate?: (trainer: Trainer) => Promise<Record<string, unknown>>;
  /** A number tracked every `output.evalEvery` steps (image families: FID), cheaper than `evaluate`. */
  monitor?: (trainer: Trainer) => Promise<Record<string, number>>;
  /**
   * Writes what the build derived before training and sampling needs later (a pre-trained text
   * encoder) into the run folder, when training starts; the next build of the run reads it back.
   */
  saveDerived?: (runDir: string) => Promise<void>;
  /** Writes the networks sampling needs besides the generator (a style encoder), after training. */
  exportNetworks?: (trainer: Trainer, runDir: string) => Promise<void>;
}

/** Where a family's build runs. @category Families */
export interface BuildContext {
  /** The run folder (it may hold what an earlier build saved with `saveDerived`). */
  runDir?: string;
}

/** Options of a family's `sample` hook. @category Families */
export interface SampleOptions {
  /** Number of samples. */
  n: number;
  /** Seed of the latent batch. */
  seed: number;
  /** PNG to write. */
  out: string;
  /** Class-conditional families: draw every sample of this class. */
  classIndex?: number;
  /**
   * Coarse-to-fine families (LAPGAN): keep the levels below this one fixed per row and redraw
   * the rest, so each row shows several refinements of one coarse start.
   */
  fromLevel?: number;
  /** Text-conditional families: one row per caption. */
  texts?: readonly string[];
  /** Text-conditional families: rows that walk from the first caption's embedding to the second's. */
  interpolate?: readonly [string, string];
  /** Text-conditional families with a style encoder: an image whose style (pose, background) the rows keep. */
  styleFrom?: string;
  /** The run folder (for what the family saved besides the generator). */
  runDir?: string;
}

/** Options of a family's `translate` hook. @category Families */
export interface TranslateOptions {
  /** Files to translate (images, or WAV files for speech). */
  inputs: readonly string[];
  /** `a2b` applies the run's generator (A -> B), `b2a` the reverse one (B -> A). */
  direction: 'a2b' | 'b2a';
  /** Folder the translations are written to, one file per input; a speech family also takes a `.wav` path for a single input. */
  out: string;
  /** The run folder (for the reverse generator). */
  runDir: string;
}

/** Options of a family's `evaluate` hook (`gankit eval`). @category Families */
export interface EvaluateOptions {
  /** Evaluation inputs, where the family takes files (super-resolution: photos). */
  images?: string[];
  /** How the run is named in printed tables. */
  label: string;
  /** Generated samples to score, where the family samples (default: the family's own). */
  n?: number;
  /** Seed of the generated latents. */
  seed?: number;
  /** Reference statistics written by `gankit stats`, reused instead of recomputed. */
  stats?: string;
  /** The feature network of image metrics: `fashion` (default) or `inception:DIR`. */
  features?: string;
  /** The run folder (for what the family saved besides the generator). */
  runDir?: string;
  log: Log;
}

/**
 * Everything about one GAN family, in one place: its name, config schema, presets, the
 * builder that turns a validated config into networks, strategy, data and callbacks, and the
 * hooks that sample and evaluate a trained generator. Register one with {@link defineFamily};
 * the CLI knows families only through the registry.
 * @category Families
 */
export interface FamilyDefinition<C extends RunConfig = RunConfig> {
  /** The name configs give as `family`. */
  readonly name: string;
  /** One line: what the family trains (the paper). */
  readonly description: string;
  /** The config schema (strict: unknown keys are refused). */
  readonly schema: z.ZodType<C>;
  /** Ready-to-train configs; each `preset` name is unique across the registry. */
  readonly presets: readonly C[];
  /** Builds a run's parts from its validated config. */
  build(config: C, log: Log, context?: BuildContext): Promise<FamilyParts>;
  /** Draws samples from a trained generator and writes them to `options.out`. */
  sample?(generator: tfl.LayersModel, config: C, options: SampleOptions): Promise<void>;
  /** Translates files (images, speech) between the run's two domains (`gankit translate`); returns the written files. */
  translate?(generator: tfl.LayersModel, config: C, options: TranslateOptions): Promise<string[]>;
  /** Scores a trained generator (`gankit eval`); returns what is written to the run's eval.json. */
  evaluate?(
    generator: tfl.LayersModel,
    config: C,
    options: EvaluateOptions,
  ): Promise<Record<string, unknown>>;
  /** Whether samples can be drawn per class (`gankit sample --class K`). */
  readonly classConditional?: boolean;
  /** Samples `gankit sample` draws when `--n` is not given (default 64). */
  readonly sampleCount?: number;
  /** Whether samples are drawn for captions (`gankit sample --text`, `--interpolate`, `--style-from` apply). */
  readonly textConditional?: boolean;
  /** Whether the generator maps an image to a larger image (`gankit upscale` applies). */
  readonly upscales?: boolean;
  /** Whether samples grow coarse to fine through levels (`gankit sample --from-level K` applies). */
  readonly coarseToFine?: boolean;
}
