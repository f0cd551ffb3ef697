import { formatShape, GanError } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { EncoderBase } from '../encoder.js';
import { type FileWeight, listNames, readWeightFile, type WeightFile } from '../internal/weight-file.js';

/**
 * Options of {@link loadWeights}.
 * @category Encoders
 */
export interface LoadWeightsOptions {
  /**
   * Leave model layers that the file lacks as they are instead of failing. Default false:
   * every layer with weights must be in the file.
   */
  allowMissing?: boolean;
  /**
   * Fail when the file holds layers the model lacks. Default false: extra layers are skipped,
   * so a truncated VGG loads from the full network's weights.
   */
  strict?: boolean;
}

/**
 * What {@link loadWeights} did.
 * @category Encoders
 */
export interface LoadWeightsReport {
  /** The file that was read (the model.json of a folder). */
  source: string;
  /** `tfjs-layers` (model.json + shards), `keras-h5` (Keras 2 / legacy h5) or `keras3-h5` (`.weights.h5`). */
  format: 'tfjs-layers' | 'keras-h5' | 'keras3-h5';
  /** Model layers whose weights were set. */
  loaded: string[];
  /** Model layers the file lacked (only with `allowMissing`). */
  missing: string[];
  /** File layers the model lacks, which were skipped. */
  unused: string[];
}

/** A layer with weights, found in a model and its nested models. */
function weightedLayers(model: tfl.LayersModel): tfl.layers.Layer[] {
  const out: tfl.layers.Layer[] = [];
  const walk = (layers: tfl.layers.Layer[]) => {
    for (const layer of layers) {
      if (layer instanceof tfl.LayersModel) walk(layer.layers);
      else if (layer.weights.length > 0) out.push(layer);
    }
  };
  walk(model.layers);
  return out;
}

function weightShortName(originalName: string): string {
  return (originalName.split('/').pop() ?? originalName).replace(/:\d+$/, '');
}

/**
 * Pairs a layer's variables with the file's weights: by short name (`kernel`, `bias`) when
 * every name matches, otherwise in order, the way Keras's `load_weights(by_name=True)` does.
 */
function pairWeights(layer: tfl.layers.Layer, entries: FileWeight[]): FileWeight[] {
  const names = layer.weights.map((w) => weightShortName(w.originalName));
  const byName = new Map(entries.map((e) => [e.name, e]));
  if (byName.size === entries.length && names.every((n) => byName.has(n)))
    return names.map((n) => byName.get(n)!);
  return entries;
}

/**
 * Sets a model's weights from a file, matching layers by name and checking every shape before
 * anything is written (a failed load leaves the model untouched).
 *
 * Reads three layouts:
 * - tfjs layers format: a folder with `model.json` plus weight shards (what
 *   `tensorflowjs_converter --input_format keras` writes, and what {@link saveEncoder} and
 *   `saveModel` write), weights named `layer/weight` (`block1_conv1/kernel`); quantized weights are
 *   dequantized;
 * - Keras HDF5 weights (`model.save_weights('vgg19.h5')` in tf.keras 2, `model.save('x.h5')`, and the
 *   `*_notop.h5` files Keras downloads): root attribute `layer_names`, one group per layer with a
 *   `weight_names` attribute (`block1_conv1/kernel:0`);
 * - Keras 3 `.weights.h5`: `layers/<name>/vars/0, 1, ...`.
 *
 * Within a layer, weights pair up by name (`kernel`, `bias`) when the names agree, else in order.
 *
 * @param target - an encoder (its `model`) or a layers model
 * @param source - a folder, a `model.json`, or an `.h5` file
 * @param options - `allowMissing`, `strict`
 * @returns which layers were loaded, missing and unused
 * @throws GanError `IO_ERROR` when the source cannot be read
 * @throws GanError `INVALID_DATA` when it is corrupted, truncated or not a weights file
 * @throws GanError `SHAPE_MISMATCH` naming the layer, the weight and both shapes, or when a layer
 *   holds a different number of weights
 * @throws GanError `INVALID_ARGUMENT` when model layers are missing from the file (they are named)
 * @example
 * ```ts
 * import { loadWeights, saveEncoder, vgg19 } from '@gankit/encoders';
 * // stands in for Keras's weights ('vgg19.weights.h5', see docs/encoders.md)
 * await saveEncoder(vgg19({ taps: 'block2_conv2', seed: 1 }), '/tmp/gankit-example/vgg19-block2');
 * const vgg = vgg19({ taps: 'block1_conv2' });
 * const report = await loadWeights(vgg, '/tmp/gankit-example/vgg19-block2');
 * console.log(report.loaded, report.unused); // [block1_conv1, block1_conv2] [block2_conv1, block2_conv2]
 * ```
 * @category Encoders
 */
export async function loadWeights(
  target: EncoderBase | tfl.LayersModel,
  source: string,
  options: LoadWeightsOptions = {},
): Promise<LoadWeightsReport> {
  const fn = 'loadWeights';
  const file = await readWeightFile(fn, source);
  return assignWeights(fn, target instanceof tfl.LayersModel ? target : target.model, file, options);
}

/** @internal Writes a read weight file into a model (shared with loadEncoder). */
export function assignWeights(
  fn: string,
  model: tfl.LayersModel,
  file: WeightFile,
  options: LoadWeightsOptions = {},
): LoadWeightsReport {
  const layers = weightedLayers(model);
  const missing: string[] = [];
  const plan: { layer: tfl.layers.Layer; values: FileWeight[] }[] = [];
  for (const layer of layers) {
    const entries = file.layers.get(layer.name);
    if (!entries) {
      missing.push(layer.name);
      continue;
    }
    if (entries.length !== layer.weights.length) {
      throw new GanError(
        'SHAPE_MISMATCH',
        `${fn}: layer ${layer.name} has ${layer.weights.length} weights ` +
          `(${layer.weights.map((w) => weightShortName(w.originalName)).join(', ')}) in the model but ` +
          `${entries.length} (${entries.map((e) => e.name).join(', ')}) in ${file.source}`,
      );
    }
    const paired = pairWeights(layer, entries);
    layer.weights.forEach((w, i) => {
      const e = paired[i]!;
      const expected = w.shape as number[];
      if (expected.length !== e.shape.length || expected.some((d, k) => d !== e.shape[k])) {
        throw new GanError(
          'SHAPE_MISMATCH',
          `${fn}: layer ${layer.name} weight ${weightShortName(w.originalName)} has shape ${formatShape(expected)} ` +
            `in the model but ${e.fullName} has shape ${formatShape(e.shape)} in ${file.source}`,
        );
      }
    });
    plan.push({ layer, values: paired });
  }
  if (missing.length > 0 && !options.allowMissing) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: ${file.source} has no weights for layer${missing.length > 1 ? 's' : ''} ${listNames(missing)}; ` +
        `it holds ${listNames([...file.layers.keys()]) || 'no layers'}`,
    );
  }
  const modelNames = new Set(layers.map((l) => l.name));
  const unused = [...file.layers.keys()].filter((n) => !modelNames.has(n));
  if (options.strict && unused.length > 0) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: ${file.source} holds layers the model lacks: ${listNames(unused)}`,
    );
  }
  for (const { layer, values } of plan) {
    layer.weights.forEach((w, i) => {
      const e = values[i]!;
      const t = tf.tensor(e.values, e.shape, w.dtype === 'int32' ? 'int32' : 'float32');
      w.write(t);
      t.dispose();
    });
  }
  return {
    source: file.source,
    format: file.format,
    loaded: plan.map((p) => p.layer.name),
    missing,
    unused,
  };
}
