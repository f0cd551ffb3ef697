import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { GanError } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { exists, writeDirAtomic, writeFileAtomic } from './atomic.js';
import { assertFiniteWeights } from './finite-weights.js';
import { fileSystemHandler, loadModel } from './model-io.js';

/**
 * Everything a checkpoint holds: networks, optimizer slots, named extra tensors (EMA weights)
 * and a JSON-safe state object (step, random state, data position, config, callback state).
 * @category Checkpoints
 */
export interface CheckpointContents {
  /** The training step this checkpoint was taken after. */
  step: number;
  /** Networks by name (e.g. `generator`, `discriminator`). */
  models: Record<string, tfl.LayersModel>;
  /** Optimizers by name; their slots (Adam's m and v, iterations) are saved. */
  optimizers: Record<string, tf.Optimizer>;
  /** Extra tensor lists by name, e.g. the generator's EMA weights. */
  tensors?: Record<string, tf.Tensor[]>;
  /** Any JSON-serialisable state. */
  state: Record<string, unknown>;
}

/**
 * What {@link CheckpointManager.restore} gives back; the tensors are owned by the caller.
 * @category Checkpoints
 */
export interface RestoredCheckpoint {
  /** The folder the checkpoint was read from. */
  path: string;
  /** The step it was taken after. */
  step: number;
  /** The JSON state saved with it. */
  state: Record<string, unknown>;
  /** Extra tensor lists (the caller disposes them). */
  tensors: Record<string, tf.Tensor[]>;
  /** Newer checkpoints that could not be read and were passed over, with the reason. */
  skipped: { path: string; reason: string }[];
}

/**
 * Options of {@link CheckpointManager}.
 * @category Checkpoints
 */
export interface CheckpointManagerOptions {
  /** How many checkpoints to keep; older ones are deleted after a successful save. Default 3. */
  keep?: number;
}

const LATEST = 'latest';
const STATE = 'state.json';

/**
 * Writes and reads full training checkpoints under `<dir>/step-XXXXXXXX/`, each written into a
 * temporary folder and renamed into place, then published by atomically rewriting the
 * `latest` pointer. A crash at any moment leaves `latest` naming a complete checkpoint.
 * Networks are stored in the standard tfjs layers format (`models/<name>/model.json`).
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import * as tfl from '@tensorflow/tfjs-layers';
 * import { CheckpointManager } from '@gankit/data';
 * const g = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [8], units: 4 })] });
 * const opt = tf.train.adam(2e-4, 0.5);
 * const manager = new CheckpointManager('/tmp/gankit-example/checkpoints');
 * await manager.save({ step: 10, models: { generator: g }, optimizers: { generator: opt }, state: {} });
 * const restored = await manager.restore({ models: { generator: g }, optimizers: { generator: opt } });
 * console.log(restored?.step); // 10
 * ```
 * @category Checkpoints
 */
export class CheckpointManager {
  /** The folder holding the checkpoints. */
  readonly dir: string;
  private readonly keep: number;

  /**
   * @param dir - the folder holding the checkpoints (created on first save)
   * @param options - how many to keep
   */
  constructor(dir: string, options: CheckpointManagerOptions = {}) {
    this.dir = dir;
    this.keep = options.keep ?? 3;
    if (!Number.isInteger(this.keep) || this.keep < 1) {
      throw new GanError(
        'INVALID_ARGUMENT',
        `CheckpointManager: keep must be an integer >= 1, got ${String(options.keep)}`,
      );
    }
  }

  /**
   * Saves a checkpoint and publishes it as the latest.
   * @param contents - what to save
   * @returns the checkpoint folder
   * @throws GanError `IO_ERROR` when writing fails (the previous checkpoint stays the latest)
   */
  async save(contents: CheckpointContents): Promise<string> {
    const name = `step-${String(contents.step).padStart(8, '0')}`;
    const target = path.join(this.dir, name);
    await writeDirAtomic(target, async (tmp) => {
      for (const [modelName, model] of Object.entries(contents.models)) {
        // write inside the temporary folder; fileSystemHandler's own swap is then a plain rename
        await model.save(fileSystemHandler(path.join(tmp, 'models', modelName)));
      }
      await fs.mkdir(path.join(tmp, 'optimizers'), { recursive: true });
      for (const [optName, optimizer] of Object.entries(contents.optimizers)) {
        await writeTensorFile(path.join(tmp, 'optimizers', optName), await optimizerWeights(optimizer), {
          className: optimizer.getClassName(),
          config: optimizer.getConfig(),
          accumulators: await readAccumulators(optimizer),
        });
      }
      for (const [tensorsName, list] of Object.entries(contents.tensors ?? {})) {
        await writeTensorFile(
          path.join(tmp, 'tensors', tensorsName),
          list.map((tensor, i) => ({ name: `${tensorsName}/${i}`, tensor, own: false })),
          {},
        );
      }
      await fs.writeFile(
        path.join(tmp, STATE),
        JSON.stringify({ step: contents.step, state: contents.state }, null, 1),
      );
    });
    await writeFileAtomic(path.join(this.dir, LATEST), `${name}\n`);
    await this.prune();
    return target;
  }

  /**
   * @returns the latest complete checkpoint folder, or undefined when there is none
   */
  async latest(): Promise<string | undefined> {
    const pointer = path.join(this.dir, LATEST);
    if (!(await exists(pointer))) return undefined;
    const name = (await fs.readFile(pointer, 'utf8')).trim();
    const dir = path.join(this.dir, name);
    return (await exists(path.join(dir, STATE))) ? dir : undefined;
  }

  /**
   * @returns the checkpoint folders present, oldest first
   */
  async list(): Promise<string[]> {
    if (!(await exists(this.dir))) return [];
    const names = (await fs.readdir(this.dir)).filter((n) => /^step-\d{8}$/.test(n)).sort();
    return names.map((n) => path.join(this.dir, n));
  }

  /**
   * Loads a checkpoint's weights into the given networks and optimizers (matched by name).
   * @param into - the networks and optimizers to fill; they must have the saved architecture
   * @param from - a checkpoint folder (default: the latest)
   * @returns the step, state and extra tensors, or undefined when there is no checkpoint; without
   *   `from`, the newest checkpoint that reads cleanly, and in `skipped` the newer ones that did not
   * @throws GanError `INVALID_DATA` when no checkpoint can be read, or `from` cannot (a network or
   *   optimizer missing, weights that do not fit, a damaged file)
   */
  async restore(
    into: { models: Record<string, tfl.LayersModel>; optimizers: Record<string, tf.Optimizer> },
    from?: string,
  ): Promise<RestoredCheckpoint | undefined> {
    if (from) return { ...(await this.restoreFrom(into, from)), skipped: [] };
    // the latest pointer first, then every checkpoint folder newest first: a damaged pointer or
    // newest checkpoint (a kill mid-write, a full disk) falls back to the newest intact one
    const latest = await this.latest();
    const candidates = [...new Set([...(latest ? [latest] : []), ...(await this.list()).reverse()])];
    const skipped: { path: string; reason: string }[] = [];
    for (const dir of candidates) {
      try {
        return { ...(await this.restoreFrom(into, dir)), skipped };
      } catch (e) {
        skipped.push({ path: dir, reason: (e as Error).message });
      }
    }
    if (skipped.length === 0) return undefined;
    throw new GanError(
      'INVALID_DATA',
      `CheckpointManager.restore: no checkpoint in ${this.dir} could be read:\n${skipped.map((s) => `  ${s.path}: ${s.reason}`).join('\n')}`,
    );
  }

  private async restoreFrom(
    into: { models: Record<string, tfl.LayersModel>; optimizers: Record<string, tf.Optimizer> },
    dir: string,
  ): Promise<Omit<RestoredCheckpoint, 'skipped'>> {
    let parsed: { step: number; state: Record<string, unknown> };
    try {
      parsed = JSON.parse(await fs.readFile(path.join(dir, STATE), 'utf8'));
    } catch (e) {
      throw new GanError('INVALID_DATA', `${path.join(dir, STATE)} cannot be read: ${(e as Error).message}`, {
        cause: e,
      });
    }
    if (typeof parsed?.step !== 'number' || typeof parsed.state !== 'object' || parsed.state === null) {
      throw new GanError('INVALID_DATA', `${path.join(dir, STATE)} has no step and state`);
    }
    for (const [name, model] of Object.entries(into.models)) {
      const modelDir = path.join(dir, 'models', name);
      if (!(await exists(modelDir))) {
        throw new GanError('INVALID_DATA', `CheckpointManager.restore: ${dir} has no network '${name}'`);
      }
      const saved = await loadModel(modelDir);
      try {
        copyWeights(name, saved, model);
      } finally {
        saved.dispose();
      }
    }
    for (const [name, optimizer] of Object.entries(into.optimizers)) {
      const base = path.join(dir, 'optimizers', name);
      if (!(await exists(`${base}.json`))) {
        throw new GanError('INVALID_DATA', `CheckpointManager.restore: ${dir} has no optimizer '${name}'`);
      }
      const named = await readTensorFile(base);
      // tfjs optimizers replace their slot variables in setWeights without disposing the old ones
      for (const old of await optimizer.getWeights()) old.tensor.dispose();
      try {
        await optimizer.setWeights(named);
      } finally {
        for (const n of named) n.tensor.dispose();
      }
      const meta = JSON.parse(await fs.readFile(`${base}.json`, 'utf8')) as {
        accumulators?: Record<string, number>;
      };
      writeAccumulators(optimizer, meta.accumulators ?? {});
    }
    const tensors: Record<string, tf.Tensor[]> = {};
    const tensorsDir = path.join(dir, 'tensors');
    if (await exists(tensorsDir)) {
      for (const file of (await fs.readdir(tensorsDir)).filter((f) => f.endsWith('.json'))) {
        const name = file.slice(0, -'.json'.length);
        tensors[name] = (await readTensorFile(path.join(tensorsDir, name))).map((n) => n.tensor);
      }
    }
    return { path: dir, step: parsed.step, state: parsed.state, tensors };
  }

  private async prune(): Promise<void> {
    // temporary folders of writes that a kill cut short (the run lock keeps other writers away)
    for (const name of await fs.readdir(this.dir)) {
      const pid = name.match(/^\..*\.tmp-(\d+)-[0-9a-f]+$/)?.[1];
      if (pid !== undefined && Number(pid) !== process.pid) {
        await fs.rm(path.join(this.dir, name), { recursive: true, force: true });
      }
    }
    const all = await this.list();
    for (const old of all.slice(0, Math.max(0, all.length - this.keep))) {
      await fs.rm(old, { recursive: true, force: true });
    }
  }
}

// Adam and Adamax keep beta1^t and beta2^t as running products; setWeights recomputes them
// with pow(), which differs from the product in the last float32 bits. Saving the products
// themselves keeps resumed runs bit-identical.
const ACCUMULATORS = ['accBeta1', 'accBeta2'] as const;

async function readAccumulators(optimizer: tf.Optimizer): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const name of ACCUMULATORS) {
    const v = (optimizer as unknown as Record<string, unknown>)[name];
    if (v instanceof tf.Variable) out[name] = (await v.data())[0]!;
  }
  return out;
}

function writeAccumulators(optimizer: tf.Optimizer, values: Record<string, number>): void {
  for (const [name, value] of Object.entries(values)) {
    const v = (optimizer as unknown as Record<string, unknown>)[name];
    if (v instanceof tf.Variable) tf.tidy(() => v.assign(tf.scalar(value)));
  }
}

interface OwnedNamedTensor {
  name: string;
  tensor: tf.Tensor;
  /** Whether we created it (and must dispose it) or it belongs to the optimizer. */
  own: boolean;
}

async function optimizerWeights(optimizer: tf.Optimizer): Promise<OwnedNamedTensor[]> {
  const named = await optimizer.getWeights();
  // getWeights returns the slot variables themselves plus a fresh `iter` scalar
  return named.map((n) => ({ name: n.name, tensor: n.tensor, own: !(n.tensor instanceof tf.Variable) }));
}

async function writeTensorFile(
  base: string,
  named: OwnedNamedTensor[],
  meta: Record<string, unknown>,
): Promise<void> {
  try {
    const { data, specs } = await tf.io.encodeWeights(named.map((n) => ({ name: n.name, tensor: n.tensor })));
    assertFiniteWeights(`refusing to save ${base}`, 'NON_FINITE', specs, data as ArrayBuffer);
    await fs.mkdir(path.dirname(base), { recursive: true });
    await fs.writeFile(`${base}.json`, JSON.stringify({ ...meta, specs }));
    await fs.writeFile(`${base}.bin`, new Uint8Array(data as ArrayBuffer));
  } finally {
    for (const n of named) if (n.own) n.tensor.dispose();
  }
}

async function readTensorFile(base: string): Promise<{ name: string; tensor: tf.Tensor }[]> {
  const { specs } = JSON.parse(await fs.readFile(`${base}.json`, 'utf8')) as {
    specs: tf.io.WeightsManifestEntry[];
  };
  const bin = await fs.readFile(`${base}.bin`);
  const data = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) as ArrayBuffer;
  const expected = specs.reduce((n, s) => n + 4 * s.shape.reduce((a, b) => a * b, 1), 0);
  if (data.byteLength !== expected) {
    throw new GanError(
      'INVALID_DATA',
      `${base}.bin holds ${data.byteLength} bytes, ${base}.json needs ${expected}`,
    );
  }
  assertFiniteWeights(`${base}.bin is damaged`, 'INVALID_DATA', specs, data);
  const map = tf.io.decodeWeights(data, specs);
  return specs.map((s) => ({ name: s.name, tensor: map[s.name] as tf.Tensor }));
}

function copyWeights(name: string, from: tfl.LayersModel, to: tfl.LayersModel): void {
  const src = from.getWeights();
  const dst = to.getWeights();
  if (src.length !== dst.length || src.some((t, i) => !tf.util.arraysEqual(t.shape, dst[i]!.shape))) {
    const shapes = (ws: tf.Tensor[]) => ws.map((w) => `[${w.shape.join(',')}]`).join(' ');
    throw new GanError(
      'INVALID_DATA',
      `CheckpointManager.restore: saved network '${name}' does not fit the one given: saved ${shapes(src)}, given ${shapes(dst)}`,
    );
  }
  to.setWeights(src);
}
