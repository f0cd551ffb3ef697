import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { GanError } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';

/** One weight array read from a file, with the layer it belongs to. */
export interface FileWeight {
  /** The layer's name, e.g. `block1_conv1`. */
  layer: string;
  /** The weight's short name (`kernel`, `bias`, `0`), without `:0` suffixes. */
  name: string;
  /** The full name in the file, for messages. */
  fullName: string;
  shape: number[];
  values: Float32Array | Int32Array;
}

/** The weights of a file, grouped by layer in file order. */
export interface WeightFile {
  /** The file or folder read, for messages. */
  source: string;
  format: 'tfjs-layers' | 'keras-h5' | 'keras3-h5';
  layers: Map<string, FileWeight[]>;
  /** `userDefinedMetadata` of a tfjs model.json. */
  metadata?: Record<string, unknown>;
}

const H5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/** Strips `:0` and a leading `layer/` path: `block1_conv1/kernel:0` -> `kernel`. */
function shortName(full: string): string {
  const last = full.split('/').pop() ?? full;
  return last.replace(/:\d+$/, '');
}

function addWeight(layers: Map<string, FileWeight[]>, w: FileWeight): void {
  const list = layers.get(w.layer);
  if (list) list.push(w);
  else layers.set(w.layer, [w]);
}

/**
 * Reads a weights source: a folder holding `model.json` (tfjs layers format), a `.json` file,
 * or a Keras HDF5 file (`.h5`, `.hdf5`, `.keras` weights; recognised by its signature).
 */
export async function readWeightFile(fn: string, source: string): Promise<WeightFile> {
  let stat: import('node:fs').Stats;
  try {
    stat = await fs.stat(source);
  } catch (e) {
    throw new GanError('IO_ERROR', `${fn}: cannot read weights at ${source}: ${(e as Error).message}`, {
      cause: e,
    });
  }
  if (stat.isDirectory()) return readTfjsWeights(fn, path.join(source, 'model.json'));
  if (await isHdf5(source)) return readH5Weights(fn, source);
  if (source.endsWith('.json')) return readTfjsWeights(fn, source);
  throw new GanError(
    'INVALID_DATA',
    `${fn}: ${source} is neither a tfjs layers-format folder or model.json nor an HDF5 file (no HDF5 signature)`,
  );
}

async function isHdf5(file: string): Promise<boolean> {
  const handle = await fs.open(file, 'r');
  try {
    // the superblock may follow a user block of 512, 1024, 2048... bytes
    for (const offset of [0, 512, 1024, 2048, 4096]) {
      const buf = Buffer.alloc(8);
      const { bytesRead } = await handle.read(buf, 0, 8, offset);
      if (bytesRead < 8) return false;
      if (H5_SIGNATURE.every((b, i) => buf[i] === b)) return true;
    }
    return false;
  } finally {
    await handle.close();
  }
}

function bytesPerElement(spec: tf.io.WeightsManifestEntry): number {
  const q = spec.quantization?.dtype;
  if (q) return q === 'uint8' ? 1 : 2;
  switch (spec.dtype) {
    case 'bool':
      return 1;
    case 'string':
      return Number.NaN;
    default:
      return 4;
  }
}

async function readTfjsWeights(fn: string, jsonPath: string): Promise<WeightFile> {
  let json: Partial<tf.io.ModelJSON> & { format?: string };
  try {
    json = JSON.parse(await fs.readFile(jsonPath, 'utf8')) as typeof json;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new GanError(
      code ? 'IO_ERROR' : 'INVALID_DATA',
      `${fn}: cannot read ${jsonPath}: ${(e as Error).message}`,
      { cause: e },
    );
  }
  if (json.format === 'graph-model') {
    throw new GanError(
      'UNSUPPORTED',
      `${fn}: ${jsonPath} is a tfjs graph model, whose weights are not named by layer; ` +
        'convert with tensorflowjs_converter --input_format keras --output_format tfjs_layers_model',
    );
  }
  if (!Array.isArray(json.weightsManifest)) {
    throw new GanError(
      'INVALID_DATA',
      `${fn}: ${jsonPath} is not a tfjs layers model: it has no weightsManifest`,
    );
  }
  const dir = path.dirname(jsonPath);
  const layers = new Map<string, FileWeight[]>();
  for (const group of json.weightsManifest) {
    const buffers: Uint8Array[] = [];
    for (const p of group.paths) {
      const file = path.join(dir, p);
      try {
        buffers.push(await fs.readFile(file));
      } catch (e) {
        throw new GanError('IO_ERROR', `${fn}: cannot read weights shard ${file}: ${(e as Error).message}`, {
          cause: e,
        });
      }
    }
    const total = buffers.reduce((n, b) => n + b.byteLength, 0);
    const expected = group.weights.reduce(
      (n, s) => n + tf.util.sizeFromShape(s.shape) * bytesPerElement(s),
      0,
    );
    if (total !== expected) {
      throw new GanError(
        'INVALID_DATA',
        `${fn}: the weights shards ${group.paths.join(', ')} of ${jsonPath} hold ${total} bytes, ` +
          `the manifest needs ${expected}; the files are truncated or do not belong together`,
      );
    }
    const joined = new Uint8Array(total);
    let offset = 0;
    for (const b of buffers) {
      joined.set(b, offset);
      offset += b.byteLength;
    }
    const decoded = tf.io.decodeWeights(joined.buffer, group.weights);
    try {
      for (const spec of group.weights) {
        const t = decoded[spec.name]!;
        const parts = spec.name.split('/');
        if (parts.length < 2) {
          throw new GanError(
            'INVALID_DATA',
            `${fn}: weight '${spec.name}' in ${jsonPath} is not named layer/weight (e.g. block1_conv1/kernel)`,
          );
        }
        addWeight(layers, {
          layer: parts[parts.length - 2]!,
          name: shortName(spec.name),
          fullName: spec.name,
          shape: [...t.shape],
          values: t.dtype === 'int32' ? ((await t.data()) as Int32Array) : Float32Array.from(await t.data()),
        });
      }
    } finally {
      tf.dispose(Object.values(decoded));
    }
  }
  return {
    source: jsonPath,
    format: 'tfjs-layers',
    layers,
    ...(json.userDefinedMetadata ? { metadata: json.userDefinedMetadata as Record<string, unknown> } : {}),
  };
}

type H5 = typeof import('h5wasm');
type H5Group = InstanceType<H5['Group']>;

function strings(value: unknown): string[] {
  if (value == null) return [];
  if (Array.isArray(value))
    return value.map((v) => (v instanceof Uint8Array ? Buffer.from(v).toString() : String(v)));
  if (value instanceof Uint8Array) return [Buffer.from(value).toString()];
  return [String(value)];
}

async function readH5Weights(fn: string, file: string): Promise<WeightFile> {
  let h5: H5;
  try {
    h5 = (await import('h5wasm/node')) as unknown as H5;
    await h5.ready;
  } catch (e) {
    throw new GanError(
      'BACKEND_UNAVAILABLE',
      `${fn}: reading ${file} needs the h5wasm package, which failed to load: ${(e as Error).message}`,
      { cause: e },
    );
  }
  let f: InstanceType<H5['File']>;
  try {
    f = new h5.File(file, 'r');
  } catch (e) {
    throw new GanError('INVALID_DATA', `${fn}: cannot open ${file} as HDF5: ${(e as Error).message}`, {
      cause: e,
    });
  }
  try {
    return readKerasLayout(fn, file, h5, f);
  } catch (e) {
    if (e instanceof GanError) throw e;
    throw new GanError(
      'INVALID_DATA',
      `${fn}: cannot read Keras weights from ${file} (corrupted or truncated?): ${(e as Error).message}`,
      { cause: e },
    );
  } finally {
    f.close();
  }
}

function readKerasLayout(fn: string, file: string, h5: H5, f: InstanceType<H5['File']>): WeightFile {
  const layers = new Map<string, FileWeight[]>();
  const readDataset = (g: H5Group, name: string, layer: string, shortNm: string): FileWeight => {
    const ds = g.get(name);
    if (!(ds instanceof h5.Dataset)) {
      throw new GanError(
        'INVALID_DATA',
        `${fn}: ${file} names weight '${name}' for layer ${layer}, but ${g.path}/${name} is not a dataset`,
      );
    }
    const shape = ds.shape ?? [];
    const raw = ds.value;
    let values: Float32Array | Int32Array;
    if (raw instanceof Float32Array) values = raw;
    else if (raw instanceof Float64Array || raw instanceof Int32Array || raw instanceof Uint8Array)
      values = Float32Array.from(raw);
    else if (typeof raw === 'number') values = Float32Array.of(raw);
    else {
      throw new GanError(
        'INVALID_DATA',
        `${fn}: ${file}: weight ${g.path}/${name} has an unsupported type ${JSON.stringify(ds.dtype)}`,
      );
    }
    return { layer, name: shortNm, fullName: `${g.path}/${name}`.replace(/^\/+/, ''), shape, values };
  };
  // legacy Keras (tf.keras 2, Keras 3 `model.save('x.h5')`): root attr layer_names, or under model_weights
  let root: H5Group | null = null;
  if ('layer_names' in f.attrs) root = f;
  else {
    const mw = f.get('model_weights');
    if (mw instanceof h5.Group && 'layer_names' in mw.attrs) root = mw;
  }
  if (root) {
    for (const layer of strings(root.attrs.layer_names!.value)) {
      const g = root.get(layer);
      if (!(g instanceof h5.Group)) {
        throw new GanError('INVALID_DATA', `${fn}: ${file} lists layer ${layer} but has no group for it`);
      }
      const names = 'weight_names' in g.attrs ? strings(g.attrs.weight_names!.value) : [];
      for (const name of names) addWeight(layers, readDataset(g, name, layer, shortName(name)));
    }
    return { source: file, format: 'keras-h5', layers };
  }
  // Keras 3 `.weights.h5`: layers/<name>/vars/0, 1, ...
  const top = f.get('layers');
  if (top instanceof h5.Group) {
    for (const layer of top.keys()) {
      const vars = top.get(`${layer}/vars`);
      if (!(vars instanceof h5.Group)) continue;
      const keys = vars.keys().sort((a, b) => Number(a) - Number(b));
      for (const k of keys) addWeight(layers, readDataset(vars, k, layer, k));
    }
    return { source: file, format: 'keras3-h5', layers };
  }
  throw new GanError(
    'INVALID_DATA',
    `${fn}: ${file} is an HDF5 file but not Keras weights: no layer_names attribute (Keras 2 / legacy h5) ` +
      'and no layers group (Keras 3 .weights.h5)',
  );
}

/** Formats a list of names for messages, shortening long lists. */
export function listNames(names: readonly string[], max = 12): string {
  if (names.length <= max) return names.join(', ');
  return `${names.slice(0, max).join(', ')}, ... (${names.length - max} more)`;
}
