import '@tensorflow/tfjs-backend-cpu';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { GanError } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type FeatureNetwork, loadInceptionV3 } from '../index.js';

// A tiny stand-in for InceptionV3, written by hand in the JSON layout tensorflowjs_converter uses
// for a frozen graph: input [-1, S, S, 3] -> 1x1 conv with w [1, 1, 3, 4] -> ReLU -> mean over
// h, w (keep_dims) -> Identity `pool_3` ([b, 1, 1, 4]); a second head `flat` squeezes the mean to
// [b, 4]. For an image of constant value c, feature j is relu(c * sum_i w[i][j]).
const S = 8;
const W = [
  [1, -1, 0.5, 2],
  [2, 0.5, -1, 0],
  [-0.5, 0.25, 1, 1],
];
const colSums = [0, 1, 2, 3].map((j) => W.reduce((s, row) => s + row[j]!, 0)); // [2.5, -0.25, 0.5, 3]
const golden = (c: number) => colSums.map((s) => Math.max(0, c * s));

let root: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  root = mkdtempSync(join(tmpdir(), 'gankit-inception-'));
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const dims = (shape: number[]) => ({ dim: shape.map((d) => ({ size: String(d) })) });
const ones4 = { list: { i: ['1', '1', '1', '1'] } };

/** The weight bytes (w as float32, then the mean axes as int32), in manifest order. */
function weightBytes(): Buffer {
  const w = new Float32Array(W.flat());
  const axes = new Int32Array([1, 2]);
  return Buffer.concat([Buffer.from(w.buffer), Buffer.from(axes.buffer)]);
}

/**
 * Writes the graph model into a new folder, its weights split over two shards at an odd byte.
 * @returns the folder and the concatenated weight bytes
 */
function writeGraphModel(
  name: string,
  options: { signature?: boolean } = {},
): { dir: string; bytes: Buffer } {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  const f = { type: 'DT_FLOAT' };
  const node = [
    { name: 'input', op: 'Placeholder', attr: { dtype: f, shape: { shape: dims([-1, S, S, 3]) } } },
    {
      name: 'w',
      op: 'Const',
      attr: { value: { tensor: { dtype: 'DT_FLOAT', tensorShape: dims([1, 1, 3, 4]) } }, dtype: f },
    },
    {
      name: 'conv',
      op: 'Conv2D',
      input: ['input', 'w'],
      attr: {
        T: f,
        strides: ones4,
        dilations: ones4,
        padding: { s: b64('VALID') },
        data_format: { s: b64('NHWC') },
        use_cudnn_on_gpu: { b: true },
        explicit_paddings: { list: {} },
      },
    },
    { name: 'relu', op: 'Relu', input: ['conv'], attr: { T: f } },
    {
      name: 'axes',
      op: 'Const',
      attr: { value: { tensor: { dtype: 'DT_INT32', tensorShape: dims([2]) } }, dtype: { type: 'DT_INT32' } },
    },
    {
      name: 'mean',
      op: 'Mean',
      input: ['relu', 'axes'],
      attr: { T: f, Tidx: { type: 'DT_INT32' }, keep_dims: { b: true } },
    },
    { name: 'pool_3', op: 'Identity', input: ['mean'], attr: { T: f } },
    {
      name: 'flat',
      op: 'Squeeze',
      input: ['mean'],
      attr: { T: f, squeeze_dims: { list: { i: ['1', '2'] } } },
    },
  ];
  const bytes = weightBytes();
  const cut = 21; // shards need not end on a weight boundary
  writeFileSync(join(dir, 'group1-shard1of2.bin'), bytes.subarray(0, cut));
  writeFileSync(join(dir, 'group1-shard2of2.bin'), bytes.subarray(cut));
  const model = {
    format: 'graph-model',
    generatedBy: '2.15.0',
    convertedBy: 'TensorFlow.js Converter v4.22.0',
    modelTopology: { node, library: {}, versions: { producer: 1395 } },
    weightsManifest: [
      {
        paths: ['group1-shard1of2.bin', 'group1-shard2of2.bin'],
        weights: [
          { name: 'w', shape: [1, 1, 3, 4], dtype: 'float32' },
          { name: 'axes', shape: [2], dtype: 'int32' },
        ],
      },
    ],
    ...(options.signature
      ? {
          signature: {
            inputs: { images: { name: 'input:0', dtype: 'DT_FLOAT', tensorShape: dims([-1, S, S, 3]) } },
            outputs: { features: { name: 'pool_3:0', dtype: 'DT_FLOAT', tensorShape: dims([-1, 1, 1, 4]) } },
          },
        }
      : {}),
  };
  writeFileSync(join(dir, 'model.json'), JSON.stringify(model));
  return { dir, bytes };
}

const sha16 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex').slice(0, 16);

/** A batch of constant images, one per value. */
function constants(values: number[], size: number, channels: number): tf.Tensor4D {
  return tf.tidy(() => tf.concat(values.map((v) => tf.fill([1, size, size, channels], v)))) as tf.Tensor4D;
}

function expectRows(actual: tf.Tensor2D, expected: number[][]): void {
  expect(actual.shape).toEqual([expected.length, expected[0]!.length]);
  const rows = actual.arraySync();
  rows.forEach((row, i) => {
    row.forEach((v, j) => {
      expect(v).toBeCloseTo(expected[i]![j]!, 5);
    });
  });
}

/** Features of images, disposing the images. */
function featuresOf(extractor: FeatureNetwork, images: tf.Tensor4D): tf.Tensor2D {
  try {
    return extractor.features(images);
  } finally {
    images.dispose();
  }
}

describe('loadInceptionV3 on a graph model', () => {
  it('names itself, hashes the shards in manifest order, and gives the hand-computed features', async () => {
    const { dir, bytes } = writeGraphModel('graph');
    const before = tf.memory().numTensors;
    const inception = await loadInceptionV3(dir, { inputSize: S });
    expect(inception.name).toBe(`InceptionV3 (pool_3, 4-d) from ${basename(dir)}`);
    expect(inception.weightsHash).toBe(sha16(bytes));
    expect(inception.weightsHash).toMatch(/^[0-9a-f]{16}$/);
    expect(inception.inputSize).toEqual([S, S]);
    expect(inception.inputShape).toEqual([S, S, 3]);
    expect(inception.channels).toEqual([1, 3]);
    expect(inception.dim).toBe(4);

    // two constants in one batch; pool_3 is [b, 1, 1, 4] and comes back as [b, 4]
    const f = featuresOf(inception, constants([0.4, -0.6], S, 3));
    expectRows(f, [golden(0.4), golden(-0.6)]);
    f.dispose();

    // one channel is tiled to three
    const g = featuresOf(inception, constants([0.4, -0.6, 1], S, 1));
    expectRows(g, [golden(0.4), golden(-0.6), golden(1)]);
    g.dispose();

    // 28x28 is resized to 8x8
    const h = featuresOf(inception, constants([0.25, -1], 28, 3));
    expectRows(h, [golden(0.25), golden(-1)]);
    h.dispose();

    inception.dispose();
    inception.dispose(); // a second dispose does nothing
    expect(tf.memory().numTensors).toBe(before);
  });

  it('resizes with half-pixel centers (PyTorch align_corners=False), not corner-aligned sampling', async () => {
    const { dir } = writeGraphModel('half-pixel');
    const inception = await loadInceptionV3(dir, { inputSize: S });
    // columns alternate 0.8 and -0.4: halving 16 -> 8 with half-pixel centers averages each pair
    // of columns (every pixel 0.2); sampling at the left pixel would give 0.8 everywhere
    const row = Array.from({ length: 16 }, (_, x) => (x % 2 === 0 ? 0.8 : -0.4));
    const image = tf.tensor4d(Array.from({ length: 16 }, () => row).flat(), [1, 16, 16, 1]);
    const f = featuresOf(inception, image);
    expectRows(f, [golden(0.2)]);
    f.dispose();
    inception.dispose();
  });

  it('takes any node as output, averaging a [b, h, w, d] map and passing a [b, d] one through', async () => {
    const { dir } = writeGraphModel('nodes');
    for (const node of ['relu', 'flat', 'pool_3:0']) {
      const before = tf.memory().numTensors;
      const inception = await loadInceptionV3(dir, { inputSize: S, outputNode: node });
      expect(inception.name).toBe(`InceptionV3 (${node}, 4-d) from nodes`);
      const f = featuresOf(inception, constants([0.5, -0.2], S, 3));
      expectRows(f, [golden(0.5), golden(-0.2)]);
      f.dispose();
      inception.dispose();
      expect(tf.memory().numTensors).toBe(before);
    }
  });

  it('splits large batches into chunks of batchSize with the same result and no leaks', async () => {
    const { dir } = writeGraphModel('chunks');
    const inception = await loadInceptionV3(dir, { inputSize: S, batchSize: 2 });
    const values = [0.1, -0.3, 0.7, 1, -1];
    const images = constants(values, 12, 3);
    const before = tf.memory().numTensors;
    const f = inception.features(images);
    expectRows(
      f,
      values.map((v) => golden(v)),
    );
    f.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const empty = inception.features(tf.zeros([0, S, S, 3]) as tf.Tensor4D);
    expect(empty.shape).toEqual([0, 4]);
    empty.dispose();
    images.dispose();
    inception.dispose();
  });

  it('uses the signature: its output keys name the default output', async () => {
    const { dir } = writeGraphModel('signed', { signature: true });
    const before = tf.memory().numTensors;
    const inception = await loadInceptionV3(dir, { inputSize: S });
    expect(inception.name).toBe('InceptionV3 (features, 4-d) from signed');
    const f = featuresOf(inception, constants([0.3], S, 3));
    expectRows(f, [golden(0.3)]);
    f.dispose();
    inception.dispose();
    const byNode = await loadInceptionV3(dir, { inputSize: S, outputNode: 'pool_3' });
    expect(byNode.name).toBe('InceptionV3 (pool_3, 4-d) from signed');
    byNode.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('fails clearly: unknown output, missing files, wrong sizes and channels', async () => {
    const { dir } = writeGraphModel('errors');
    const before = tf.memory().numTensors;
    const unknown = loadInceptionV3(dir, { inputSize: S, outputNode: 'logits' });
    await expect(unknown).rejects.toThrow(GanError);
    await expect(unknown).rejects.toMatchObject({ code: 'UNKNOWN_NAME' });
    await expect(unknown).rejects.toThrow(
      `loadInceptionV3: outputNode 'logits' is not a node of the graph model in ${join(dir, 'model.json')}; its outputs are 'pool_3', 'flat'`,
    );

    const missing = join(root, 'no-such-folder');
    await expect(loadInceptionV3(missing)).rejects.toMatchObject({ code: 'IO_ERROR' });
    await expect(loadInceptionV3(missing)).rejects.toThrow(
      `loadInceptionV3: cannot read ${join(missing, 'model.json')}`,
    );

    const { dir: noShard } = writeGraphModel('no-shard');
    rmSync(join(noShard, 'group1-shard2of2.bin'));
    await expect(loadInceptionV3(noShard, { inputSize: S })).rejects.toMatchObject({ code: 'IO_ERROR' });
    await expect(loadInceptionV3(noShard, { inputSize: S })).rejects.toThrow(
      `loadInceptionV3: cannot read the weight shard ${join(noShard, 'group1-shard2of2.bin')}`,
    );

    // the placeholder is [-1, 8, 8, 3]; the default inputSize 299 contradicts it
    await expect(loadInceptionV3(dir)).rejects.toThrow(
      `loadInceptionV3: options.inputSize is 299 but the model in ${join(dir, 'model.json')} takes images of shape [-1, 8, 8, 3]`,
    );
    await expect(loadInceptionV3(dir, { inputSize: 0 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });

    const notJson = join(root, 'not-json');
    mkdirSync(notJson);
    writeFileSync(join(notJson, 'model.json'), '{ nope');
    await expect(loadInceptionV3(notJson)).rejects.toMatchObject({ code: 'INVALID_DATA' });
    writeFileSync(join(notJson, 'model.json'), JSON.stringify({ format: 'onnx', weightsManifest: [] }));
    await expect(loadInceptionV3(notJson)).rejects.toThrow(
      "has format \"onnx\", expected 'graph-model' or 'layers-model'",
    );

    // an op tfjs has no kernel for fails at load, naming it, and the half-built model is freed
    const legacy = join(root, 'legacy-op');
    mkdirSync(legacy);
    writeFileSync(join(legacy, 'weights.bin'), new Uint8Array());
    writeFileSync(
      join(legacy, 'model.json'),
      JSON.stringify({
        format: 'graph-model',
        modelTopology: {
          node: [
            { name: 'input', op: 'Placeholder', attr: { dtype: { type: 'DT_FLOAT' } } },
            { name: 'pool_3', op: 'BatchNormWithGlobalNormalization', input: ['input'] },
          ],
          versions: { producer: 8 },
        },
        weightsManifest: [{ paths: ['weights.bin'], weights: [] }],
      }),
    );
    const legacyLoad = loadInceptionV3(legacy, { inputSize: S });
    await expect(legacyLoad).rejects.toMatchObject({ code: 'INVALID_DATA' });
    await expect(legacyLoad).rejects.toThrow(
      `loadInceptionV3: the model in ${join(legacy, 'model.json')} fails on a [1, 8, 8, 3] image: Unknown op 'BatchNormWithGlobalNormalization'`,
    );

    const inception = await loadInceptionV3(dir, { inputSize: S });
    const two = tf.zeros([1, S, S, 2]) as tf.Tensor4D;
    expect(() => inception.features(two)).toThrow(
      'images must have shape [batch, height, width, 1 or 3], got [1, 8, 8, 2]',
    );
    try {
      inception.features(two);
    } catch (e) {
      expect((e as GanError).code).toBe('SHAPE_MISMATCH');
    }
    two.dispose();
    inception.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('loadInceptionV3 on a layers model', () => {
  /** A tiny Keras-style network saved as model.json + weights.bin through a custom IOHandler. */
  async function writeLayersModel(
    name: string,
  ): Promise<{ dir: string; model: tfl.Sequential; bytes: Uint8Array }> {
    const dir = join(root, name);
    mkdirSync(dir, { recursive: true });
    const model = tfl.sequential({
      layers: [
        tfl.layers.conv2d({
          inputShape: [null, null, 3],
          filters: 5,
          kernelSize: 1,
          activation: 'relu',
          kernelInitializer: tfl.initializers.randomNormal({ seed: 3 }),
          biasInitializer: tfl.initializers.randomUniform({ minval: -0.1, maxval: 0.1, seed: 4 }),
          name: 'conv',
        }),
        tfl.layers.globalAveragePooling2d({ name: 'avg_pool' }),
      ],
    });
    let bytes = new Uint8Array();
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        bytes = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData));
        const json = {
          format: 'layers-model',
          generatedBy: artifacts.generatedBy,
          convertedBy: null,
          modelTopology: artifacts.modelTopology,
          weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
        };
        writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
        writeFileSync(join(dir, 'weights.bin'), bytes);
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    return { dir, model, bytes };
  }

  it('matches model.predict on the same preprocessed input, hashes weights.bin, leaks nothing', async () => {
    const { dir, model, bytes } = await writeLayersModel('keras');
    const before = tf.memory().numTensors;
    const inception = await loadInceptionV3(dir, { inputSize: 6 });
    expect(inception.name).toBe('InceptionV3 (avg_pool, 5-d) from keras');
    expect(inception.weightsHash).toBe(sha16(bytes));
    expect(inception.dim).toBe(5);

    const images = tf.randomUniform([3, 10, 10, 1], -1, 1, 'float32', 7) as tf.Tensor4D;
    const f = inception.features(images);
    // the reference: tile, resize with half-pixel centers, predict with the original model
    const expected = tf.tidy(() => {
      const x = tf.image.resizeBilinear(tf.tile(images, [1, 1, 1, 3]), [6, 6], false, true);
      return model.predict(x) as tf.Tensor2D;
    });
    expectRows(f, expected.arraySync());
    tf.dispose([f, expected]);

    // a layer's output as the feature: conv's [b, 6, 6, 5] map averaged equals avg_pool
    const byLayer = await loadInceptionV3(dir, { inputSize: 6, outputNode: 'conv' });
    expect(byLayer.name).toBe('InceptionV3 (conv, 5-d) from keras');
    const g = byLayer.features(images);
    const again = inception.features(images);
    expectRows(g, again.arraySync());
    tf.dispose([g, again]);
    byLayer.dispose();

    await expect(loadInceptionV3(dir, { inputSize: 6, outputNode: 'mixed10' })).rejects.toThrow(
      `loadInceptionV3: outputNode 'mixed10' is not a layer of the layers model in ${join(dir, 'model.json')}; its outputs are 'avg_pool'`,
    );
    inception.dispose();
    images.dispose();
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});

describe('loadInceptionV3 without @tensorflow/tfjs-converter', () => {
  it('fails on a graph model with UNSUPPORTED, naming the install command', async () => {
    const { dir } = writeGraphModel('no-converter');
    vi.doMock('@tensorflow/tfjs-converter', () => {
      throw new Error("Cannot find package '@tensorflow/tfjs-converter'");
    });
    try {
      const load = loadInceptionV3(dir, { inputSize: S });
      await expect(load).rejects.toMatchObject({ code: 'UNSUPPORTED' });
      await expect(load).rejects.toThrow('install it with `npm i @tensorflow/tfjs-converter`');
    } finally {
      vi.doUnmock('@tensorflow/tfjs-converter');
    }
  });
});
