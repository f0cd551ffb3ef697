import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GanError } from '@gankit/core';
import { loadModel } from '@gankit/data';
import '@gankit/models'; // registers the custom layers the generators use
import type * as tfl from '@tensorflow/tfjs-layers';

/**
 * What a zoo model is, where it came from and how good it is: everything needed to trust it
 * and to train it again.
 * @category Zoo
 */
export interface ModelCard {
  /** The name it is loaded by (`gankit sample --model NAME`). */
  name: string;
  /** Its family and the preset its config started from. */
  family: string;
  preset: string;
  /** One line: what it does. */
  description: string;
  /** The training data, where it comes from and its licence. */
  data: { name: string; source: string; licence: string };
  /** The exact command that trained it, from the repository root, and the commit it ran at. */
  command: string;
  commit: string;
  /** Training steps, and wall time on the machine named. */
  steps: number;
  wallTime: string;
  machine: string;
  /** Measured quality, each number with its provenance (see the family's evaluation). */
  metrics: Record<string, unknown>;
  /** The stored weights: dtype, size and SHA-256 of `generator/weights.bin`. */
  weights: { dtype: 'float16' | 'float32'; bytes: number; sha256: string; maxOutputChange: string };
  /** Outputs of the stored weights for a fixed input, checked by the package's tests. */
  golden: { input: string; seed: number; indices: number[]; values: number[] };
  /** The licence of the weights (that of the code, and what the training data asks). */
  licence: string;
}

function moduleDir(): string {
  const url: unknown = import.meta.url;
  if (typeof url === 'string') return dirname(fileURLToPath(url));
  return __dirname;
}

/** The `models/` folder shipped with the package, found by walking up from this module. */
function modelsRoot(): string {
  for (let dir = moduleDir(); ; ) {
    const candidate = join(dir, 'models');
    if (existsSync(join(candidate, 'README.md'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new GanError(
    'IO_ERROR',
    `@gankit/zoo: no models/ folder above ${moduleDir()}; this installation lacks its models`,
  );
}

/**
 * @param kind - only generators that sample from latents (`sampler`) or only upscalers (`upscaler`); default all
 * @returns the names of the pretrained models shipped with the package
 * @example
 * ```ts
 * import { listZooModels } from '@gankit/zoo';
 * console.log(listZooModels()); // e.g. ['dcgan-fashion', 'srresnet-x4']
 * console.log(listZooModels('upscaler')); // e.g. ['srresnet-x4']
 * ```
 * @category Zoo
 */
export function listZooModels(kind?: 'sampler' | 'upscaler'): string[] {
  const root = modelsRoot();
  const names = readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(root, e.name, 'card.json')))
    .map((e) => e.name)
    .sort();
  if (kind === undefined) return names;
  return names.filter((n) => takesImages(n) === (kind === 'upscaler'));
}

/** Whether a zoo model's first input is an image batch (an upscaler) rather than latents. */
function takesImages(name: string): boolean {
  const json = JSON.parse(readFileSync(join(modelsRoot(), name, 'generator', 'model.json'), 'utf8')) as {
    modelTopology: {
      config: { layers: { class_name: string; config: { batch_input_shape?: unknown[] } }[] };
    };
  };
  const input = json.modelTopology.config.layers.find((l) => l.class_name === 'InputLayer');
  return input?.config.batch_input_shape?.length === 4;
}

/**
 * The folder of a zoo model. It is laid out as a gankit run folder (`config.json`,
 * `generator/model.json`), so every command and function that takes a run takes it too.
 * @param name - a zoo model name
 * @returns the absolute folder
 * @throws GanError `UNKNOWN_NAME` listing the models
 * @category Zoo
 */
export function zooModelDir(name: string): string {
  const models = listZooModels();
  if (!models.includes(name)) {
    throw new GanError(
      'UNKNOWN_NAME',
      `unknown zoo model '${name}'; zoo models: ${models.join(', ') || '(none)'}`,
    );
  }
  return join(modelsRoot(), name);
}

/**
 * @param name - a zoo model name
 * @returns its model card
 * @throws GanError `UNKNOWN_NAME` for an unknown model, `INVALID_DATA` for an unreadable card
 * @category Zoo
 */
export function zooModelCard(name: string): ModelCard {
  const file = join(zooModelDir(name), 'card.json');
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ModelCard;
  } catch (e) {
    throw new GanError('INVALID_DATA', `zooModelCard: cannot read ${file}: ${(e as Error).message}`, {
      cause: e,
    });
  }
}

/**
 * Loads a zoo model's generator, after checking its weights against the card's SHA-256.
 * @param name - a zoo model name
 * @returns the generator (the caller disposes it)
 * @throws GanError `UNKNOWN_NAME` for an unknown model, `INVALID_DATA` when the weights are not the ones the card describes
 * @example
 * ```ts
 * import { listZooModels, loadZooModel } from '@gankit/zoo';
 * for (const name of listZooModels()) {
 *   const g = await loadZooModel(name);
 *   console.log(name, g.inputs[0].shape);
 *   g.dispose();
 * }
 * ```
 * @category Zoo
 */
export async function loadZooModel(name: string): Promise<tfl.LayersModel> {
  const card = zooModelCard(name);
  const dir = join(zooModelDir(name), 'generator');
  const bytes = readFileSync(join(dir, 'weights.bin'));
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (sha256 !== card.weights.sha256) {
    throw new GanError(
      'INVALID_DATA',
      `loadZooModel: ${dir}/weights.bin has SHA-256 ${sha256.slice(0, 16)}..., the card says ${card.weights.sha256.slice(0, 16)}...; the installation is damaged`,
    );
  }
  return loadModel(dir);
}
