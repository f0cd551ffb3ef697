import { BACKEND_CHOICES, type BackendChoice } from '@gankit/backend';
import { GanError } from '@gankit/core';
import type { AdversarialLossName } from '@gankit/losses';
import { z } from 'zod';

/** A positive integer (zod). @category Configs */
export const positiveInt = z.number().int().min(1);
/** A number >= 0 (zod). @category Configs */
export const nonNegative = z.number().min(0);

/** Adversarial loss pairs a config may name (see @gankit/losses). */
const ADVERSARIAL_LOSSES = [
  'non-saturating',
  'minimax',
  'lsgan',
  'hinge',
  'wasserstein',
  'relativistic-average',
] as const satisfies readonly AdversarialLossName[];

/**
 * The config fields every family shares: identity, adversarial loss and D schedule, optimizer,
 * training length and seed, output cadence, EMA and backend. A family's schema spreads these
 * into its own `z.object({ ...commonConfigShape, family, data, model, ... }).strict()`.
 * @category Configs
 */
export const commonConfigShape = {
  preset: z.string(),
  description: z.string(),
  /** Adversarial loss pair (see @gankit/losses). */
  loss: z.enum(ADVERSARIAL_LOSSES),
  discriminatorSteps: positiveInt,
  /** A penalty on D, in @gankit/losses' vocabulary: WGAN-GP's gradient penalty or R1. */
  regularizer: z
    .discriminatedUnion('kind', [
      z.object({ kind: z.literal('gradient-penalty'), weight: z.number().gt(0) }).strict(),
      z.object({ kind: z.literal('r1'), gamma: z.number().gt(0) }).strict(),
    ])
    .optional(),
  optimizer: z
    .object({
      learningRate: z.number().gt(0),
      beta1: z.number().min(0).lt(1),
      beta2: z.number().min(0).lt(1),
    })
    .strict(),
  training: z
    .object({
      steps: positiveInt,
      batchSize: positiveInt,
      seed: z.number().int().min(0),
      /** Linear learning-rate decay to 0, starting at this step (omit for a constant rate). */
      decayStart: z.number().int().min(0).optional(),
      /**
       * When a loss or a weight becomes NaN or infinite: `stop` (default) names the step and the
       * term; `rollback` returns to the last checkpoint with fresh latents (3 tries in a row).
       */
      onNonFinite: z.enum(['stop', 'rollback']).optional(),
    })
    .strict(),
  output: z
    .object({
      progressEvery: positiveInt,
      sampleEvery: positiveInt,
      checkpointEvery: positiveInt,
      sampleCount: positiveInt,
      /** Generated images scored at the end of an image run (FID and friends; default 10,000; 0 skips; text-to-image: test captions judged, default all). */
      evalSamples: z.number().int().min(0).optional(),
      /**
       * The real images those are compared with: a file written by `gankit stats`, or `bundled`
       * for the 500 test images shipped with @gankit/data (default: Debian's 10,000 Fashion-MNIST
       * test images where installed, else the bundled ones).
       */
      evalReference: z.string().min(1).optional(),
      /**
       * Score the sampling generator every N steps during training (image families: FID on
       * `evalSamples` images), shown on the progress line and appended to `monitor.jsonl`.
       */
      evalEvery: positiveInt.optional(),
    })
    .strict(),
  /** Exponential moving average of G's weights for sampling; omit to sample the live weights. */
  emaDecay: z.number().min(0).lt(1).optional(),
  backend: z.enum(BACKEND_CHOICES as [BackendChoice, ...BackendChoice[]]),
};

/** The common fields as a zod object (for validating or extending them alone). @category Configs */
export const commonConfigSchema = z.object(commonConfigShape);

/**
 * What every run config has, whatever its family: the common fields, the family's name, and
 * its `data` and `model` sections (their contents are the family's own).
 * @category Configs
 */
export type RunConfig = z.infer<typeof commonConfigSchema> & {
  family: string;
  data: { dataset: string; dir?: string } & Record<string, unknown>;
  model: Record<string, unknown>;
};

/**
 * Validates `value` against a zod schema, reporting every problem at once with its dot path
 * and the value found there.
 * @param schema - the schema
 * @param value - the candidate
 * @param source - where it came from, for the message
 * @param locate - where a dot path sits in the source (`line 12`), when it can be told
 * @returns the parsed value
 * @throws GanError `INVALID_CONFIG` listing each problem as `path: message, got value`
 * @category Configs
 */
export function parseWithSchema<T>(
  schema: z.ZodType<T>,
  value: unknown,
  source: string,
  locate: (at: readonly PropertyKey[]) => string | undefined = () => undefined,
): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const where = (at: readonly PropertyKey[]) => {
    const place = locate(at);
    return place === undefined ? '' : ` (${place})`;
  };
  const lines = result.error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      // one line per unknown key, with its full path: `data.dri: unknown key (known: ...)`
      const section = issue.path.reduce<unknown>(
        (v, k) =>
          v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k as PropertyKey] : undefined,
        value,
      ) as Record<string, unknown> | undefined;
      const known = Object.keys(section ?? {}).filter((k) => !issue.keys.includes(k));
      return issue.keys
        .map(
          (k) =>
            `  ${[...issue.path, k].join('.')}: unknown key${known.length ? ` (known here: ${known.join(', ')})` : ''}${where([...issue.path, k])}`,
        )
        .join('\n');
    }
    const at = issue.path.join('.') || '(root)';
    const got = issue.path.reduce<unknown>(
      (v, k) =>
        v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k as PropertyKey] : undefined,
      value,
    );
    return `  ${at}: ${issue.message}${got === undefined ? '' : `, got ${JSON.stringify(got)}`}${where(issue.path)}`;
  });
  throw new GanError('INVALID_CONFIG', `${source} is not a valid training config:\n${lines.join('\n')}`);
}

/**
 * Applies one `a.b.c=value` override to a config in place (the value is parsed as JSON, else
 * kept as a string). The config is validated afterwards by its family's schema.
 * @param config - the config to change
 * @param assignment - `path=value`
 * @throws GanError `INVALID_ARGUMENT` for a malformed assignment or a path through a non-section
 * @category Configs
 */
export function applyOverride(config: Record<string, unknown>, assignment: string): void {
  const eq = assignment.indexOf('=');
  if (eq <= 0) {
    throw new GanError('INVALID_ARGUMENT', `--set takes path=value, got '${assignment}'`);
  }
  const keys = assignment.slice(0, eq).split('.');
  const raw = assignment.slice(eq + 1);
  // these would reach Object.prototype (or the config's constructor) instead of a config value
  const forbidden = keys.find(
    (k) => k === '__proto__' || k === 'constructor' || k === 'prototype' || k === '',
  );
  if (forbidden !== undefined) {
    throw new GanError('INVALID_ARGUMENT', `--set ${assignment}: '${forbidden}' is not a config key`);
  }
  if (keys.length === 1 && (keys[0] === 'family' || keys[0] === 'preset')) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `--set ${assignment}: a run's ${keys[0]} comes from --preset and cannot be changed with --set`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    value = raw;
  }
  let node: Record<string, unknown> = config;
  for (const key of keys.slice(0, -1)) {
    const next = Object.hasOwn(node, key) ? node[key] : undefined;
    if (typeof next !== 'object' || next === null) {
      throw new GanError(
        'INVALID_ARGUMENT',
        `--set ${assignment}: '${key}' is not a section of this config (sections: ${Object.keys(node)
          .filter((k) => typeof node[k] === 'object')
          .join(', ')})`,
      );
    }
    node = next as Record<string, unknown>;
  }
  node[keys.at(-1)!] = value;
}

/** Changes to a config before it trains, as the CLI's flags give them. @category Configs */
export interface ConfigOverrides {
  steps?: number;
  batchSize?: number;
  seed?: number;
  backend?: BackendChoice;
  /** The data folder (`bundled` for the data shipped with gankit); refused for generated data. */
  data?: string;
  /** `path=value` assignments, e.g. `latent.latentWeight=0` (values are JSON, else strings). */
  set?: string[];
}

/**
 * Applies the CLI's overrides to an unvalidated config in place: the flags first, then each
 * `--set` in order. Validate the result with `parseRunConfig`.
 * @param config - a preset's copy or a config file's contents
 * @param overrides - the changes
 * @param source - what the config is, for messages (`preset 'dcgan-fashion'`, `my.yaml`)
 * @throws GanError `INVALID_ARGUMENT` for a malformed `--set` or `data` on generated data
 * @category Configs
 */
export function applyConfigOverrides(
  config: Record<string, unknown>,
  overrides: ConfigOverrides,
  source: string,
): void {
  const section = (key: string): Record<string, unknown> => {
    const value = config[key];
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      return value as Record<string, unknown>;
    }
    const fresh: Record<string, unknown> = {};
    config[key] = fresh;
    return fresh;
  };
  if (overrides.steps !== undefined) section('training').steps = overrides.steps;
  if (overrides.batchSize !== undefined) section('training').batchSize = overrides.batchSize;
  if (overrides.seed !== undefined) section('training').seed = overrides.seed;
  if (overrides.backend !== undefined) config.backend = overrides.backend;
  for (const assignment of overrides.set ?? []) applyOverride(config, assignment);
  if (overrides.data !== undefined) {
    const data = section('data');
    if (!('dir' in data)) {
      throw new GanError(
        'INVALID_ARGUMENT',
        `--data does not apply to ${source} (its data is generated: ${String(data.dataset)})`,
      );
    }
    data.dir = overrides.data;
  }
}
