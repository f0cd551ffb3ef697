import * as path from 'node:path';
import { GanError } from '@gankit/core';
import {
  type ConfigOverrides,
  configFromFile,
  FORBIDDEN_KEYS,
  listPresets,
  presetConfig,
  type RunConfig,
  readDataFile,
} from '@gankit/families';
import { z } from 'zod';
import { slugs } from './internal/slug.js';

/** A JSON value: what a spec's axes list and a job carries. @category Sweeps */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Sweep names: they name the results folder and prefix the queue's job ids. */
const NAME = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
/** A dot path into a config or an evaluation: `optimizer.learningRate`, `modeCoverage.perMode.3`. */
const DOT_PATH = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*$/;
/** Jobs one sweep may plan: a typo in an axis should not enqueue a million trainings. @category Sweeps */
export const MAX_SWEEP_JOBS = 10_000;

const dotPath = z
  .string()
  .regex(DOT_PATH, 'not a dot path such as optimizer.learningRate')
  .refine(
    (p) => !p.split('.').some((k) => FORBIDDEN_KEYS.has(k)),
    '__proto__, constructor and prototype are not keys',
  );

/** The spec's `base`: what every point starts from. */
const baseSchema = z
  .object({
    /** A preset name (see `gankit presets`). */
    preset: z.string().min(1).optional(),
    /** A config file (YAML or JSON, as `gankit config` writes), relative to the spec file. */
    config: z.string().min(1).optional(),
    /** The compute backend of every run (a worker's `--backend` replaces it on that worker). */
    backend: z.string().min(1).optional(),
    /** Training steps of every run. */
    steps: z.number().int().min(1).optional(),
    /** `path=value` overrides of every run, as `gankit train --set` takes them. */
    set: z.array(z.string().regex(/^[^=]+=/, 'expected path=value')).optional(),
  })
  .strict();

const specSchema = z
  .object({
    name: z.string().regex(NAME, 'expected lowercase letters, digits and dashes (at most 64)'),
    base: baseSchema,
    /** Config dot path -> the values it takes; the points are their cartesian product. */
    axes: z.record(dotPath, z.array(z.json()).min(1, 'expected at least one value')).optional(),
    /** Training seeds of every point (default [0]). */
    seeds: z.array(z.number().int().min(0)).min(1, 'expected at least one seed').optional(),
    /** Dot paths into evaluation.json to tabulate (default: every numeric field). */
    metrics: z.array(dotPath).min(1).optional(),
    /** Tries of each queued job before it counts as failed (default 3). */
    attempts: z.number().int().min(1).max(100).optional(),
  })
  .strict();

/**
 * A sweep: a base config, axes whose cartesian product gives the points, and seeds; one run per
 * (point, seed). Read one with {@link readSweepSpec} or check an object with {@link parseSweepSpec}.
 * @category Sweeps
 */
export interface SweepSpec {
  /** Lowercase letters, digits and dashes: names the results folder and prefixes the job ids. */
  name: string;
  base: {
    /** A preset name; exactly one of `preset` and `config`. */
    preset?: string;
    /** A config file (absolute after {@link parseSweepSpec}, which resolves it against the spec's folder). */
    config?: string;
    backend?: string;
    steps?: number;
    set?: string[];
  };
  /** Config dot path -> the values it takes, e.g. `{ 'optimizer.learningRate': [2e-4, 1e-3] }`. */
  axes?: Record<string, JsonValue[]>;
  /** Default `[0]`. */
  seeds?: number[];
  /** Dot paths into `evaluation.json`; default: every numeric field. */
  metrics?: string[];
  /** Tries of each queued job (default 3). */
  attempts?: number;
}

/** One combination of axis values: dot path -> value. @category Sweeps */
export type SweepPoint = Record<string, JsonValue>;

/**
 * One training of a sweep: a point and a seed with its complete, validated config. It is what a
 * queued job carries (plain JSON: no command, no module, no path to write to).
 * @category Sweeps
 */
export interface SweepJob {
  /** The sweep's name. */
  sweep: string;
  /** `<sweep>:<slug>:s<seed>`: the queue's job id. */
  id: string;
  /** The point as a folder-safe name, e.g. `learningRate=0.001`. */
  slug: string;
  point: SweepPoint;
  seed: number;
  /** The run's config: the base with the point's values and the seed applied, validated. */
  config: RunConfig;
  /** The spec's `metrics`, when it names some. */
  metrics?: string[];
}

/** A planned sweep: its points in order and its jobs (points x seeds). @category Sweeps */
export interface SweepPlan {
  spec: SweepSpec;
  points: { slug: string; point: SweepPoint }[];
  jobs: SweepJob[];
}

/** The problems zod found, one line each with its dot path, as families' config errors read. */
function issueLines(issues: readonly z.core.$ZodIssue[], value: unknown): string[] {
  const at = (p: readonly PropertyKey[]) =>
    p.reduce<unknown>(
      (v, k) =>
        v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k as PropertyKey] : undefined,
      value,
    );
  return issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      const section = at(issue.path) as Record<string, unknown> | undefined;
      const known = Object.keys(section ?? {}).filter((k) => !issue.keys.includes(k));
      return issue.keys.map(
        (k) =>
          `${[...issue.path, k].join('.')}: unknown key${known.length ? ` (known here: ${known.join(', ')})` : ''}`,
      );
    }
    // a record's bad key: zod reports it at the record, the key itself is the useful path
    if (issue.code === 'invalid_key') {
      const keyIssue = issue.issues[0];
      return [`${issue.path.join('.')}: ${keyIssue?.message ?? 'not a valid key'}`];
    }
    const got = at(issue.path);
    const where = issue.path.join('.') || '(root)';
    return [`${where}: ${issue.message}${got === undefined ? '' : `, got ${JSON.stringify(got)}`}`];
  });
}

/** Problems zod cannot see: preset xor config, unknown preset, repeated values, reserved axes. */
function extraProblems(value: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const base = value.base as Record<string, unknown> | undefined;
  if (base && typeof base === 'object') {
    if ((base.preset === undefined) === (base.config === undefined)) {
      problems.push('base: give exactly one of preset (a preset name) or config (a config file)');
    }
    if (typeof base.preset === 'string') {
      const presets = listPresets().map((p) => p.name);
      if (!presets.includes(base.preset)) {
        problems.push(`base.preset: unknown preset '${base.preset}'; valid presets: ${presets.join(', ')}`);
      }
    }
    if (Array.isArray(base.set)) {
      base.set.forEach((s, i) => {
        if (typeof s === 'string' && /^training\.seed=/.test(s)) {
          problems.push(`base.set.${i}: the seed comes from the spec's seeds, not from set`);
        }
      });
    }
  }
  const axes = value.axes;
  if (axes && typeof axes === 'object' && !Array.isArray(axes)) {
    for (const [key, values] of Object.entries(axes)) {
      if (key === 'training.seed') problems.push(`axes.${key}: list the seeds under seeds, not as an axis`);
      if (key === 'family' || key === 'preset') {
        problems.push(`axes.${key}: a sweep varies one family and preset; give it in base`);
      }
      if (Array.isArray(values)) {
        const seen = new Set<string>();
        values.forEach((v, i) => {
          const text = JSON.stringify(v);
          if (seen.has(text)) problems.push(`axes.${key}.${i}: ${text} is listed twice`);
          seen.add(text);
        });
      }
    }
  }
  if (Array.isArray(value.seeds)) {
    const seen = new Set<unknown>();
    value.seeds.forEach((s, i) => {
      if (seen.has(s)) problems.push(`seeds.${i}: seed ${JSON.stringify(s)} is listed twice`);
      seen.add(s);
    });
  }
  return problems;
}

/** Options of {@link parseSweepSpec}. @category Sweeps */
export interface ParseSweepSpecOptions {
  /** Where the spec came from, for messages (default `sweep spec`). */
  source?: string;
  /** The folder `base.config` is relative to (default: the working directory). */
  baseDir?: string;
}

/**
 * Validates a sweep spec, reporting every problem at once with its dot path. Unknown keys are
 * refused; `base.config` is resolved against `baseDir`.
 * @param value - the candidate spec (parsed YAML or JSON)
 * @param options - source and base folder
 * @returns the spec
 * @throws GanError `INVALID_CONFIG` listing each problem as `path: message, got value`
 * @example
 * ```ts
 * import { parseSweepSpec } from '@gankit/sweeps';
 * const spec = parseSweepSpec({
 *   name: 'ring-lr',
 *   base: { preset: 'gan-ring8', steps: 40, backend: 'cpu' },
 *   axes: { 'optimizer.learningRate': [0.0002, 0.001] },
 *   seeds: [0, 1],
 * });
 * console.log(spec.name, spec.seeds); // ring-lr [ 0, 1 ]
 * ```
 * @category Sweeps
 */
export function parseSweepSpec(value: unknown, options: ParseSweepSpecOptions = {}): SweepSpec {
  const source = options.source ?? 'sweep spec';
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new GanError(
      'INVALID_CONFIG',
      `${source}: a sweep spec is one mapping (name, base, axes, seeds, metrics), got ${Array.isArray(value) ? 'a list' : JSON.stringify(value)}`,
    );
  }
  const parsed = specSchema.safeParse(value);
  const problems = [
    ...(parsed.success ? [] : issueLines(parsed.error.issues, value)),
    ...extraProblems(value as Record<string, unknown>),
  ];
  if (!parsed.success || problems.length > 0) {
    throw new GanError(
      'INVALID_CONFIG',
      `${source} is not a valid sweep spec:\n${problems.map((p) => `  ${p}`).join('\n')}`,
    );
  }
  const spec = parsed.data as SweepSpec;
  const jobs = Object.values(spec.axes ?? {}).reduce((n, v) => n * v.length, 1) * (spec.seeds ?? [0]).length;
  if (jobs > MAX_SWEEP_JOBS) {
    throw new GanError(
      'INVALID_CONFIG',
      `${source}: ${jobs} runs (points x seeds) is more than one sweep plans (at most ${MAX_SWEEP_JOBS}); split it`,
    );
  }
  if (spec.base.config !== undefined) {
    spec.base.config = path.resolve(options.baseDir ?? '.', spec.base.config);
  }
  return spec;
}

/**
 * Reads a sweep spec from a YAML or JSON file (at most 1 MiB; YAML's core schema only, no
 * custom tags or merge keys, bounded aliases, no `__proto__` keys) and validates it.
 * @param file - a `.yaml`, `.yml` or `.json` file
 * @returns the spec, `base.config` resolved against the file's folder
 * @throws GanError `IO_ERROR` when the file cannot be read, `INVALID_CONFIG` for a file that is not a valid spec
 * @category Sweeps
 */
export async function readSweepSpec(file: string): Promise<SweepSpec> {
  const { value } = await readDataFile(file, 'sweep spec');
  return parseSweepSpec(value, { source: file, baseDir: path.dirname(path.resolve(file)) });
}

/** The cartesian product of the axes, in the order the spec lists keys and values. */
function points(axes: Record<string, JsonValue[]>): SweepPoint[] {
  return Object.entries(axes).reduce<SweepPoint[]>(
    (acc, [key, values]) => acc.flatMap((p) => values.map((v) => ({ ...p, [key]: v }))),
    [{}],
  );
}

/** `path=value` for an axis value, as `--set` reads it back (JSON). */
const assignment = (key: string, value: JsonValue) => `${key}=${JSON.stringify(value)}`;

/**
 * Plans a sweep: its points (the axes' cartesian product) and one job per (point, seed), each
 * with its config built and validated by its family's schema. Nothing is trained or enqueued,
 * so a typo in any point fails here, with every point's problems listed.
 * @param spec - a validated spec (see {@link readSweepSpec})
 * @returns the points and the jobs, in order (points in the spec's order, seeds within each)
 * @throws GanError `INVALID_CONFIG` listing each point's problems; `IO_ERROR` when `base.config` cannot be read
 * @example
 * ```ts
 * import { parseSweepSpec, planSweep } from '@gankit/sweeps';
 * const plan = await planSweep(
 *   parseSweepSpec({
 *     name: 'ring-lr',
 *     base: { preset: 'gan-ring8', steps: 40 },
 *     axes: { 'optimizer.learningRate': [0.0002, 0.001] },
 *     seeds: [0, 1],
 *   }),
 * );
 * console.log(plan.jobs.map((j) => j.id)); // ring-lr:learningRate=0.0002:s0, ... (4 jobs)
 * ```
 * @category Sweeps
 */
export async function planSweep(spec: SweepSpec): Promise<SweepPlan> {
  const axes = spec.axes ?? {};
  const list = points(axes);
  const names = slugs(list, Object.keys(axes));
  const seeds = spec.seeds ?? [0];
  const { base } = spec;
  const jobs: SweepJob[] = [];
  const problems: string[] = [];
  for (const [i, point] of list.entries()) {
    const slug = names[i]!;
    for (const seed of seeds) {
      const overrides: ConfigOverrides = {
        seed,
        ...(base.steps === undefined ? {} : { steps: base.steps }),
        // the family's schema checks the name; the override only carries it
        ...(base.backend === undefined
          ? {}
          : { backend: base.backend as NonNullable<ConfigOverrides['backend']> }),
        set: [...(base.set ?? []), ...Object.entries(point).map(([k, v]) => assignment(k, v))],
      };
      let config: RunConfig;
      try {
        config =
          base.config !== undefined
            ? await configFromFile(base.config, overrides)
            : presetConfig(base.preset!, overrides);
      } catch (e) {
        if (!(e instanceof GanError) || e.code === 'IO_ERROR') throw e;
        problems.push(`point ${slug}: ${e.message.replace(/\n/g, '\n  ')}`);
        break; // the other seeds of this point fail alike
      }
      jobs.push({
        sweep: spec.name,
        id: `${spec.name}:${slug}:s${seed}`,
        slug,
        point,
        seed,
        config,
        ...(spec.metrics === undefined ? {} : { metrics: spec.metrics }),
      });
    }
  }
  if (problems.length > 0) {
    throw new GanError(
      'INVALID_CONFIG',
      `sweep '${spec.name}': ${problems.length} of ${list.length} points do not give a valid config:\n${problems.map((p) => `  ${p}`).join('\n')}`,
    );
  }
  return { spec, points: list.map((point, i) => ({ slug: names[i]!, point })), jobs };
}
