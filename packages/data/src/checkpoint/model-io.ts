import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { GanError } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { writeDirAtomic } from './atomic.js';
import { assertFiniteWeights } from './finite-weights.js';

const MODEL_JSON = 'model.json';
const WEIGHTS_BIN = 'weights.bin';

function toArrayBuffer(buf: Uint8Array): ArrayBuffer {
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
}

/**
 * A tfjs IOHandler that reads and writes the standard layers format (`model.json` plus one
 * `weights.bin`) in a folder, the layout `tf.loadLayersModel('file://...')` and the browser's
 * `tf.loadLayersModel(url)` read. Saving is atomic: the folder is replaced as a whole.
 *
 * @param dir - the model folder
 * @returns an IOHandler for `model.save(handler)` and `tf.loadLayersModel(handler)`
 * @example
 * ```ts
 * import * as tfl from '@tensorflow/tfjs-layers';
 * import { fileSystemHandler } from '@gankit/data';
 * const g = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [8], units: 4 })] });
 * await g.save(fileSystemHandler('/tmp/gankit-example/generator'));
 * const again = await tfl.loadLayersModel(fileSystemHandler('/tmp/gankit-example/generator'));
 * ```
 * @category Checkpoints
 */
export function fileSystemHandler(dir: string): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      const weightData = artifacts.weightData
        ? new tf.io.CompositeArrayBuffer(artifacts.weightData).slice()
        : new ArrayBuffer(0);
      // a diverged network is refused, so no checkpoint or export ever holds NaN
      assertFiniteWeights(`refusing to save ${dir}`, 'NON_FINITE', artifacts.weightSpecs ?? [], weightData);
      const modelJson = {
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        modelTopology: artifacts.modelTopology,
        ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
        ...(artifacts.userDefinedMetadata ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
        weightsManifest: [{ paths: [`./${WEIGHTS_BIN}`], weights: artifacts.weightSpecs ?? [] }],
        // checked on load: a damaged weights.bin fails there instead of sampling garbage
        weightsSha256: sha256(weightData),
      };
      await writeDirAtomic(dir, async (tmp) => {
        await fs.writeFile(path.join(tmp, MODEL_JSON), JSON.stringify(modelJson));
        await fs.writeFile(path.join(tmp, WEIGHTS_BIN), new Uint8Array(weightData));
      });
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          modelTopologyBytes: JSON.stringify(artifacts.modelTopology).length,
          weightSpecsBytes: JSON.stringify(artifacts.weightSpecs ?? []).length,
          weightDataBytes: weightData.byteLength,
        },
      };
    },

    async load(): Promise<tf.io.ModelArtifacts> {
      const jsonPath = path.join(dir, MODEL_JSON);
      let json: tf.io.ModelJSON;
      try {
        json = JSON.parse(await fs.readFile(jsonPath, 'utf8')) as tf.io.ModelJSON;
      } catch (e) {
        throw new GanError(
          'IO_ERROR',
          `fileSystemHandler: cannot read ${jsonPath}: ${(e as Error).message}`,
          { cause: e },
        );
      }
      if (
        typeof json !== 'object' ||
        json === null ||
        !json.modelTopology ||
        !Array.isArray(json.weightsManifest) ||
        !json.weightsManifest.every((g) => Array.isArray(g?.paths) && Array.isArray(g?.weights))
      ) {
        throw new GanError(
          'INVALID_DATA',
          `fileSystemHandler: ${jsonPath} is not a tfjs layers model (no modelTopology, or no weightsManifest of {paths, weights} groups)`,
        );
      }
      const specs: tf.io.WeightsManifestEntry[] = [];
      const buffers: ArrayBuffer[] = [];
      for (const group of json.weightsManifest) {
        for (const spec of group.weights) {
          if (!WEIGHT_DTYPES.has(spec?.dtype) || !Array.isArray(spec.shape)) {
            throw new GanError(
              'INVALID_DATA',
              `fileSystemHandler: ${jsonPath}: weight '${String(spec?.name)}' has dtype ${JSON.stringify(spec?.dtype)} or shape ${JSON.stringify(spec?.shape)}; expected ${[...WEIGHT_DTYPES].join(', ')} and a shape`,
            );
          }
        }
        specs.push(...group.weights);
        for (const p of group.paths) {
          // a model from elsewhere is data: its weights must lie in its own folder
          const inside = typeof p === 'string' ? path.relative(dir, path.join(dir, p)) : '..';
          if (
            typeof p !== 'string' ||
            path.isAbsolute(p) ||
            inside.startsWith('..') ||
            path.isAbsolute(inside)
          ) {
            throw new GanError(
              'INVALID_DATA',
              `fileSystemHandler: ${jsonPath} names weights file ${JSON.stringify(p)} outside its folder; weights paths must be relative and inside ${dir}`,
            );
          }
          const file = path.join(dir, p);
          try {
            buffers.push(toArrayBuffer(await fs.readFile(file)));
          } catch (e) {
            throw new GanError(
              'IO_ERROR',
              `fileSystemHandler: cannot read weights file ${file}: ${(e as Error).message}`,
              { cause: e },
            );
          }
        }
      }
      const weightData = tf.io.CompositeArrayBuffer.join(buffers);
      const expected = specs.reduce(
        // quantized weights (float16, uint8, uint16) are stored smaller than their dtype
        (n, s) =>
          n +
          tf.util.sizeFromShape(s.shape) *
            (s.quantization ? (s.quantization.dtype === 'uint8' ? 1 : 2) : bytesPerElement(s.dtype)),
        0,
      );
      if (weightData.byteLength !== expected) {
        throw new GanError(
          'INVALID_DATA',
          `fileSystemHandler: weights in ${dir} hold ${weightData.byteLength} bytes, the manifest needs ${expected}`,
        );
      }
      const saved = (json as { weightsSha256?: unknown }).weightsSha256;
      if (typeof saved === 'string' && saved !== sha256(weightData)) {
        throw new GanError(
          'INVALID_DATA',
          `fileSystemHandler: ${dir} is damaged: its weights do not match the SHA-256 recorded in model.json when it was saved`,
        );
      }
      assertFiniteWeights(`fileSystemHandler: ${dir} is damaged`, 'INVALID_DATA', specs, weightData);
      return {
        modelTopology: json.modelTopology,
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy,
        weightSpecs: specs,
        weightData,
        ...(json.userDefinedMetadata ? { userDefinedMetadata: json.userDefinedMetadata } : {}),
      };
    },
  };
}

const WEIGHT_DTYPES = new Set(['float32', 'int32', 'bool', 'float16', 'uint8']);

function sha256(data: ArrayBuffer): string {
  return createHash('sha256').update(new Uint8Array(data)).digest('hex');
}

function bytesPerElement(dtype: string): number {
  return dtype === 'float32' || dtype === 'int32'
    ? 4
    : dtype === 'bool' || dtype === 'uint8'
      ? 1
      : dtype === 'float16' || dtype === 'int16'
        ? 2
        : 4;
}

/**
 * Saves a layers model to a folder as `model.json` + `weights.bin`, atomically.
 * @param model - the model to save
 * @param dir - the destination folder (replaced as a whole)
 * @example
 * ```ts
 * import * as tfl from '@tensorflow/tfjs-layers';
 * import { saveModel } from '@gankit/data';
 * await saveModel(tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [8], units: 4 })] }), '/tmp/gankit-example/g');
 * ```
 * @category Checkpoints
 */
export async function saveModel(model: tfl.LayersModel, dir: string): Promise<void> {
  await model.save(fileSystemHandler(dir));
}

/**
 * Loads a layers model saved by {@link saveModel} (or any tfjs layers-format folder). A model
 * with gankit's custom layers (spectral norm, pixel shuffle, ...) needs them registered first:
 * import `@gankit/models` once.
 * @param dir - the model folder
 * @returns the model (the caller owns it and disposes it)
 * @throws GanError `IO_ERROR` when files are missing, `INVALID_DATA` when they are not a layers model,
 *   name weights outside the folder, or hold weights that are damaged or not finite
 * @example
 * ```ts
 * import { loadModel } from '@gankit/data';
 * const g = await loadModel('/tmp/gankit-example/g');
 * ```
 * @category Checkpoints
 */
export async function loadModel(dir: string): Promise<tfl.LayersModel> {
  try {
    return await tfl.loadLayersModel(fileSystemHandler(dir));
  } catch (e) {
    if (e instanceof GanError) throw e;
    // tfjs' own complaint (an unknown layer class, a bad layer config), with the file named
    throw new GanError(
      'INVALID_DATA',
      `loadModel: ${path.join(dir, MODEL_JSON)} does not describe a model tfjs can build: ${(e as Error).message.split('\n')[0]}`,
      { cause: e },
    );
  }
}
