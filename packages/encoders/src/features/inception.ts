import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { checkInteger, formatShape, GanError } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { FeatureNetwork } from './feature-network.js';

/**
 * Options of {@link loadInceptionV3}.
 * @category Encoders
 */
export interface InceptionV3Options {
  /**
   * The node whose output is the feature: for a graph model any node of the graph (`pool_3`,
   * `pool_3:0`) or one of the model's outputs; for a layers model a layer name (`avg_pool`,
   * `mixed10`). Default the model's first output.
   */
  outputNode?: string;
  /** The height and width images are resized to. Default 299, InceptionV3's input size. */
  inputSize?: number;
  /**
   * Images per forward pass inside {@link FeatureNetwork.features}: larger batches are split so
   * that only one chunk's activations are alive at a time. Default 32.
   */
  batchSize?: number;
}

const FN = 'loadInceptionV3';
const CONVERTER_INSTALL = 'npm i @tensorflow/tfjs-converter';

/** The fields of a tfjs model.json this loader reads. */
interface ModelJson {
  format?: unknown;
  modelTopology?: unknown;
  weightsManifest?: unknown;
}

interface ManifestGroup {
  paths: string[];
  weights: tf.io.WeightsManifestEntry[];
}

type ConverterModule = typeof import('@tensorflow/tfjs-converter');
type GraphModel = import('@tensorflow/tfjs-converter').GraphModel;

/** A loaded network reduced to what the extractor needs. */
interface Network {
  /** Name of the feature output, for the extractor's name. */
  outputName: string;
  /** Shape of the network's image input, where the model states one (-1 or null: any). */
  inputShape: readonly (number | null)[] | undefined;
  /** Runs a batch of preprocessed images; call inside tf.tidy. */
  run(x: tf.Tensor4D): tf.Tensor;
  dispose(): void;
}

function errorText(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';
}

async function readModelJson(dir: string): Promise<ModelJson> {
  const path = join(dir, 'model.json');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new GanError('IO_ERROR', `${FN}: cannot read ${path}: ${errorText(e)}`, { cause: e });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new GanError('INVALID_DATA', `${FN}: ${path} is not JSON: ${errorText(e)}`, { cause: e });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new GanError('INVALID_DATA', `${FN}: ${path} must hold a JSON object, got ${JSON.stringify(json)}`);
  }
  return json as ModelJson;
}

/** `graph-model` or `layers-model`, from the `format` field or, where absent, the topology's look. */
function modelFormat(json: ModelJson, path: string): 'graph-model' | 'layers-model' {
  if (json.format === 'graph-model' || json.format === 'layers-model') return json.format;
  if (json.format !== undefined && json.format !== null) {
    throw new GanError(
      'INVALID_DATA',
      `${FN}: ${path} has format ${JSON.stringify(json.format)}, expected 'graph-model' or 'layers-model'`,
    );
  }
  const topology = json.modelTopology as Record<string, unknown> | undefined;
  if (topology && Array.isArray(topology.node)) return 'graph-model';
  if (topology && ('class_name' in topology || 'model_config' in topology)) return 'layers-model';
  throw new GanError(
    'INVALID_DATA',
    `${FN}: ${path} is neither a tfjs graph model nor a tfjs layers model (no format and no recognisable modelTopology)`,
  );
}

/** The manifest's weight specs and its shards' bytes, concatenated in manifest order. */
async function readWeights(
  dir: string,
  json: ModelJson,
  path: string,
): Promise<{ specs: tf.io.WeightsManifestEntry[]; data: ArrayBuffer }> {
  const manifest = json.weightsManifest;
  const valid =
    Array.isArray(manifest) &&
    manifest.every(
      (g: Partial<ManifestGroup> | null) =>
        g !== null &&
        Array.isArray(g.paths) &&
        g.paths.every((p) => typeof p === 'string') &&
        Array.isArray(g.weights),
    );
  if (!valid) {
    throw new GanError(
      'INVALID_DATA',
      `${FN}: ${path} must have a weightsManifest: an array of { paths, weights }, got ${JSON.stringify(manifest)?.slice(0, 200)}`,
    );
  }
  const groups = manifest as ManifestGroup[];
  const shards: Uint8Array[] = [];
  for (const shard of groups.flatMap((g) => g.paths)) {
    const shardPath = join(dir, shard);
    try {
      shards.push(await readFile(shardPath));
    } catch (e) {
      throw new GanError(
        'IO_ERROR',
        `${FN}: cannot read the weight shard ${shardPath} listed in ${path}: ${errorText(e)}`,
        { cause: e },
      );
    }
  }
  const total = shards.reduce((n, s) => n + s.byteLength, 0);
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const s of shards) {
    bytes.set(s, offset);
    offset += s.byteLength;
  }
  return { specs: groups.flatMap((g) => g.weights), data: bytes.buffer };
}

async function importConverter(): Promise<ConverterModule> {
  try {
    return await import('@tensorflow/tfjs-converter');
  } catch (e) {
    throw new GanError(
      'UNSUPPORTED',
      `${FN}: graph models need the optional peer dependency @tensorflow/tfjs-converter, which does not load here ` +
        `(${errorText(e)}); install it with \`${CONVERTER_INSTALL}\`, or convert a Keras model to a layers model instead`,
      { cause: e },
    );
  }
}

function graphNetwork(
  model: GraphModel,
  json: ModelJson,
  path: string,
  outputNode: string | undefined,
): Network {
  const inputs = model.inputs;
  if (inputs.length !== 1) {
    throw new GanError(
      'INVALID_DATA',
      `${FN}: the graph model in ${path} must take one image input, got ${inputs.length} (${model.inputNodes.join(', ')})`,
    );
  }
  const input = inputs[0]!;
  if (input.dtype !== undefined && input.dtype !== 'float32') {
    throw new GanError(
      'INVALID_DATA',
      `${FN}: the graph model in ${path} must take a float32 image, its input ${input.name} is ${input.dtype}`,
    );
  }
  const outputs = model.outputNodes;
  const nodes = new Set(
    ((json.modelTopology as { node: { name?: unknown }[] }).node ?? []).map((n) => String(n.name)),
  );
  const outputName = outputNode ?? outputs[0];
  if (outputName === undefined) {
    throw new GanError('INVALID_DATA', `${FN}: the graph model in ${path} has no outputs`);
  }
  if (!outputs.includes(outputName) && !nodes.has(outputName.replace(/:\d+$/, ''))) {
    throw new GanError(
      'UNKNOWN_NAME',
      `${FN}: outputNode '${outputName}' is not a node of the graph model in ${path}; ` +
        `its outputs are ${outputs.map((o) => `'${o}'`).join(', ')}`,
    );
  }
  return {
    outputName,
    inputShape: input.shape,
    run: (x) => model.execute(x, outputName) as tf.Tensor,
    dispose: () => model.dispose(),
  };
}

function layersNetwork(model: tfl.LayersModel, path: string, outputNode: string | undefined): Network {
  // layer names, not model.outputNames, which a Sequential leaves unset
  const outputNames = model.outputs.map((o) => o.sourceLayer.name);
  if (model.inputs.length !== 1) {
    model.dispose();
    throw new GanError(
      'INVALID_DATA',
      `${FN}: the layers model in ${path} must take one image input, got ${model.inputs.length}`,
    );
  }
  const inputShape = model.inputs[0]!.shape;
  if (outputNode === undefined || outputNames[0] === outputNode) {
    return {
      outputName: outputNames[0]!,
      inputShape,
      run: (x) => {
        const y = model.apply(x, { training: false }) as tf.Tensor | tf.Tensor[];
        return Array.isArray(y) ? y[0]! : y;
      },
      dispose: () => model.dispose(),
    };
  }
  const layer = model.layers.find((l) => l.name === outputNode);
  if (layer === undefined) {
    model.dispose();
    throw new GanError(
      'UNKNOWN_NAME',
      `${FN}: outputNode '${outputNode}' is not a layer of the layers model in ${path}; ` +
        `its outputs are ${outputNames.map((o) => `'${o}'`).join(', ')} (it has ${model.layers.length} layers)`,
    );
  }
  let sub: tfl.LayersModel;
  try {
    sub = tfl.model({ inputs: model.inputs, outputs: layer.output as tfl.SymbolicTensor });
  } catch (e) {
    model.dispose();
    throw new GanError(
      'INVALID_ARGUMENT',
      `${FN}: the output of layer '${outputNode}' in ${path} cannot be a feature: ${errorText(e)}`,
      { cause: e },
    );
  }
  return {
    outputName: outputNode,
    inputShape,
    run: (x) => sub.apply(x, { training: false }) as tf.Tensor,
    // the sub-model shares the full model's weights; disposing the full model frees them all
    dispose: () => model.dispose(),
  };
}

/** [batch, d] from a [batch, d] or [batch, h, w, d] output; call inside tf.tidy. */
function pooled(y: tf.Tensor, what: string): tf.Tensor2D {
  if (y.rank === 4) return tf.mean(y, [1, 2]) as tf.Tensor2D;
  if (y.rank === 2) return y as tf.Tensor2D;
  throw new GanError(
    'SHAPE_MISMATCH',
    `${FN}: ${what} must have shape [batch, d] or [batch, h, w, d], got ${formatShape(y.shape)}`,
  );
}

/**
 * Loads a user-provided InceptionV3 (or any image network) from a tfjs folder as the
 * {@link FeatureNetwork} of FID, KID and precision/recall. The folder is what
 * `tensorflowjs_converter` writes: `model.json` with `format: 'graph-model'` (a frozen TensorFlow
 * graph, such as the 2015 graph of the original TF FID code; needs the optional peer dependency
 * `@tensorflow/tfjs-converter`) or `format: 'layers-model'` (a Keras model, such as
 * `tf.keras.applications.InceptionV3(include_top=False, pooling='avg')`), and the weight shards
 * its `weightsManifest` lists. docs/encoders.md ("InceptionV3 for FID") says how to make one.
 *
 * Preprocessing follows the standard FID code: images in [-1, 1] with 1 or 3 channels (1 is
 * repeated to 3), resized bilinearly with half-pixel centers (PyTorch's `align_corners=False`) to
 * `inputSize` x `inputSize`, values kept in [-1, 1] (what InceptionV3 expects). The feature is the
 * `outputNode`'s output; a [batch, h, w, d] output is averaged over h and w. Loading runs one image
 * through the network to learn `d` (2048 for InceptionV3's pool3), so a broken model fails here.
 *
 * The extractor's `name` is `InceptionV3 (<output>, <d>-d) from <folder name>` and its
 * `weightsHash` the first 16 hex digits of the SHA-256 of the shards' bytes in manifest order:
 * different weights give different FIDs, and these two strings keep their numbers apart.
 * @param dir - the folder holding `model.json` and its weight shards
 * @param options - `outputNode`, `inputSize` (default 299), `batchSize` (default 32)
 * @returns the extractor (the caller disposes it)
 * @throws GanError `IO_ERROR` naming `model.json` or a shard that cannot be read; `INVALID_DATA`
 *   for a file that is not a tfjs model or a model that does not run; `UNKNOWN_NAME` for an
 *   `outputNode` the model lacks (the message lists its outputs); `UNSUPPORTED` for a graph model
 *   when `@tensorflow/tfjs-converter` is not installed; `INVALID_ARGUMENT` for bad options or an
 *   `inputSize` the model's fixed input size contradicts; `SHAPE_MISMATCH` for a model whose input
 *   does not take 3-channel images or whose output is not [batch, d] or [batch, h, w, d]
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import * as tfl from '@tensorflow/tfjs-layers';
 * import { saveModel } from '@gankit/data';
 * import { loadInceptionV3 } from '@gankit/encoders';
 * // a stand-in for a converted Keras InceptionV3: any tfjs folder loads the same way
 * const net = tfl.sequential({
 *   layers: [
 *     tfl.layers.conv2d({ inputShape: [null, null, 3], filters: 8, kernelSize: 3, activation: 'relu' }),
 *     tfl.layers.globalAveragePooling2d({ name: 'avg_pool' }),
 *   ],
 * });
 * await saveModel(net, '/tmp/gankit-example/tiny-inception');
 * net.dispose();
 * const inception = await loadInceptionV3('/tmp/gankit-example/tiny-inception', { inputSize: 32 });
 * const features = inception.features(tf.zeros([4, 28, 28, 1])); // resized to 32x32, 3 channels
 * console.log(inception.name, features.shape); // InceptionV3 (avg_pool, 8-d) from tiny-inception [4, 8]
 * features.dispose();
 * inception.dispose();
 * ```
 * @category Encoders
 */
export async function loadInceptionV3(
  dir: string,
  options: InceptionV3Options = {},
): Promise<FeatureNetwork> {
  const size = checkInteger(FN, 'options.inputSize', options.inputSize ?? 299);
  const batchSize = checkInteger(FN, 'options.batchSize', options.batchSize ?? 32);
  const { outputNode } = options;
  if (outputNode !== undefined && (typeof outputNode !== 'string' || outputNode === '')) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${FN}: options.outputNode must be a non-empty node name, got ${JSON.stringify(outputNode)}`,
    );
  }
  const path = join(dir, 'model.json');
  const json = await readModelJson(dir);
  const format = modelFormat(json, path);
  const { specs, data } = await readWeights(dir, json, path);
  const weightsHash = createHash('sha256').update(new Uint8Array(data)).digest('hex').slice(0, 16);
  const converter = format === 'graph-model' ? await importConverter() : undefined;

  let handler: tf.io.IOHandler;
  try {
    handler = tf.io.fromMemory(tf.io.getModelArtifactsForJSONSync(json as tf.io.ModelJSON, specs, data));
  } catch (e) {
    throw new GanError('INVALID_DATA', `${FN}: ${path} is not a valid tfjs model: ${errorText(e)}`, {
      cause: e,
    });
  }
  let net: Network;
  if (converter) {
    let model: GraphModel;
    try {
      model = await converter.loadGraphModel(handler);
    } catch (e) {
      throw new GanError('INVALID_DATA', `${FN}: cannot build the graph model in ${path}: ${errorText(e)}`, {
        cause: e,
      });
    }
    try {
      net = graphNetwork(model, json, path, outputNode);
    } catch (e) {
      model.dispose();
      throw e;
    }
  } else {
    let model: tfl.LayersModel;
    try {
      model = await tfl.loadLayersModel(handler);
    } catch (e) {
      throw new GanError('INVALID_DATA', `${FN}: cannot build the layers model in ${path}: ${errorText(e)}`, {
        cause: e,
      });
    }
    net = layersNetwork(model, path, outputNode);
  }

  let dim: number;
  try {
    dim = probe(net, size, path);
  } catch (e) {
    net.dispose();
    throw e;
  }
  const preprocess = (x: tf.Tensor4D): tf.Tensor4D => {
    let y = x.dtype === 'float32' ? x : tf.cast(x, 'float32');
    if (y.shape[3] === 1) y = tf.tile(y, [1, 1, 1, 3]);
    if (y.shape[1] !== size || y.shape[2] !== size) y = tf.image.resizeBilinear(y, [size, size], false, true);
    return y;
  };
  const name = `InceptionV3 (${net.outputName}, ${dim}-d) from ${basename(resolve(dir))}`;
  let disposed = false;
  return {
    name,
    weightsHash,
    inputSize: Object.freeze([size, size] as const),
    inputShape: Object.freeze([size, size, 3] as const),
    channels: Object.freeze([1, 3]),
    dim,
    features(images: tf.Tensor4D): tf.Tensor2D {
      const fn = `${FN}(...).features`;
      if (disposed) throw new GanError('INVALID_ARGUMENT', `${fn}: the extractor ${name} was disposed`);
      const s = images.shape as number[];
      if (s.length !== 4 || (s[3] !== 1 && s[3] !== 3)) {
        throw new GanError(
          'SHAPE_MISMATCH',
          `${fn}: images must have shape [batch, height, width, 1 or 3], got ${formatShape(s)}`,
        );
      }
      const n = s[0]!;
      if (n === 0) return tf.zeros([0, dim]);
      const chunks: tf.Tensor2D[] = [];
      try {
        for (let start = 0; start < n; start += batchSize) {
          const count = Math.min(batchSize, n - start);
          chunks.push(
            tf.tidy(() => {
              const x = count === n ? images : tf.slice(images, [start, 0, 0, 0], [count, -1, -1, -1]);
              return pooled(net.run(preprocess(x)), `the output of ${net.outputName}`);
            }),
          );
        }
      } catch (e) {
        tf.dispose(chunks);
        throw e;
      }
      if (chunks.length === 1) return chunks[0]!;
      const out = tf.concat(chunks, 0);
      tf.dispose(chunks);
      return out;
    },
    dispose(): void {
      if (disposed) return;
      disposed = true;
      net.dispose();
    },
  };
}

/** Checks the model's input against `size`, runs one image and returns the feature length. */
function probe(net: Network, size: number, path: string): number {
  const shape = net.inputShape;
  if (shape !== undefined && shape.length > 0) {
    const known = (d: number | null | undefined) => d !== null && d !== undefined && d >= 0;
    if (shape.length !== 4) {
      throw new GanError(
        'SHAPE_MISMATCH',
        `${FN}: the model in ${path} must take [batch, height, width, 3] images, its input has shape ${formatShape(shape.map((d) => d ?? -1))}`,
      );
    }
    if (known(shape[3]) && shape[3] !== 3) {
      throw new GanError(
        'SHAPE_MISMATCH',
        `${FN}: the model in ${path} must take 3-channel images, its input has shape ${formatShape(shape.map((d) => d ?? -1))}`,
      );
    }
    if ((known(shape[1]) && shape[1] !== size) || (known(shape[2]) && shape[2] !== size)) {
      throw new GanError(
        'INVALID_ARGUMENT',
        `${FN}: options.inputSize is ${size} but the model in ${path} takes images of shape ${formatShape(shape.map((d) => d ?? -1))}`,
      );
    }
  }
  let outShape: number[];
  try {
    outShape = tf.tidy(() => net.run(tf.zeros([1, size, size, 3])).shape);
  } catch (e) {
    if (e instanceof GanError) throw e;
    throw new GanError(
      'INVALID_DATA',
      `${FN}: the model in ${path} fails on a [1, ${size}, ${size}, 3] image: ${errorText(e)}`,
      { cause: e },
    );
  }
  if (outShape.length !== 2 && outShape.length !== 4) {
    throw new GanError(
      'SHAPE_MISMATCH',
      `${FN}: the output ${net.outputName} of the model in ${path} must have shape [batch, d] or [batch, h, w, d], got ${formatShape(outShape)}`,
    );
  }
  return outShape[outShape.length - 1]!;
}
