import '@tensorflow/tfjs-backend-cpu';
import { registerTrainingKernels } from '@gankit/backend';
import { deserialize, GanError } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  bagOfWordsEncoder,
  CharCnnRnnEncoder,
  charCnnRnnEncoder,
  cnnEncoder,
  jointEmbeddingLoss,
  retrievalAccuracy,
  Tokenizer,
  trainJointEmbedding,
} from '../index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
  registerTrainingKernels('cpu');
});

describe('Tokenizer', () => {
  it('builds a word vocabulary by frequency, pads before the text and maps unknown words to 1', () => {
    const tok = Tokenizer.fromTexts(['A red bird.', 'a blue bird'], { level: 'word', maxLength: 4 });
    expect(tok.getConfig().vocabulary).toEqual(['<pad>', '<unk>', 'a', 'bird', 'red', 'blue']);
    expect(tok.encode('a red fish')).toEqual([0, 2, 4, 1]);
    expect(tok.encode('a red bird a blue bird')).toEqual([2, 4, 3, 2]); // cut to maxLength
    expect(tok.decode([0, 2, 4, 3])).toBe('a red bird');
    const post = new Tokenizer({ ...tok.getConfig(), padding: 'post' });
    expect(post.encode('bird')).toEqual([3, 0, 0, 0]);
  });

  it('keeps the most frequent words and drops rare ones', () => {
    const tok = Tokenizer.fromTexts(['x x x y y z'], { maxVocabulary: 2 });
    expect(tok.getConfig().vocabulary).toEqual(['<pad>', '<unk>', 'x', 'y']);
    expect(Tokenizer.fromTexts(['x x y'], { minCount: 2 }).getConfig().vocabulary).toEqual([
      '<pad>',
      '<unk>',
      'x',
    ]);
  });

  it('tokenizes characters over a fixed alphabet, lowercased', () => {
    const tok = Tokenizer.characters({ alphabet: 'abc ', maxLength: 5 });
    expect(tok.vocabularySize).toBe(6);
    expect(tok.encode('Ab d')).toEqual([0, 2, 3, 5, 1]);
    expect(tok.decode(tok.encode('cab'))).toBe('cab');
    const ids = tok.encodeBatch(['a', 'bb']);
    expect(ids.dtype).toBe('int32');
    expect(ids.arraySync()).toEqual([
      [0, 0, 0, 0, 2],
      [0, 0, 0, 3, 3],
    ]);
    ids.dispose();
  });

  it('rejects a vocabulary without the reserved tokens or with repeats', () => {
    const base = { level: 'word', lowercase: true, maxLength: 4, padding: 'pre' } as const;
    expect(() => new Tokenizer({ ...base, vocabulary: ['a', 'b'] })).toThrow(
      "vocabulary must start with '<pad>', '<unk>'",
    );
    expect(() => new Tokenizer({ ...base, vocabulary: ['<pad>', '<unk>', 'a', 'a'] })).toThrow('repeats');
    expect(() => Tokenizer.characters().encodeBatch([])).toThrow(GanError);
  });

  it('round-trips through its config and reloads by registered name', () => {
    const tok = Tokenizer.fromTexts(['one two', 'two three'], { maxLength: 3, padding: 'post' });
    const again = deserialize<Tokenizer>({
      className: 'gankit>Tokenizer',
      config: JSON.parse(JSON.stringify(tok.getConfig())),
    });
    expect(again).toBeInstanceOf(Tokenizer);
    expect(again.getConfig()).toEqual(tok.getConfig());
    expect(again.encode('three one')).toEqual(tok.encode('three one'));
  });
});

describe('caption encoders', () => {
  it('keep the vocabulary in their config, so a rebuilt encoder reads captions the same way', () => {
    const tok = Tokenizer.fromTexts(['red bird', 'blue fish'], { maxLength: 3 });
    const enc = bagOfWordsEncoder({ tokenizer: tok, embeddingDim: 4 });
    expect(enc.getConfig().tokenizer.vocabulary).toEqual(['<pad>', '<unk>', 'red', 'bird', 'blue', 'fish']);
    const char = charCnnRnnEncoder({
      tokenizer: Tokenizer.characters({ maxLength: 8 }),
      convFilters: [4],
      gruUnits: 4,
    });
    expect(char.getConfig().tokenizer.vocabulary).toContain('z');
    enc.dispose();
    char.dispose();
  });

  it('bag of words ignores padding and word order', () => {
    const tok = Tokenizer.fromTexts(['red bird small'], { maxLength: 6 });
    const enc = bagOfWordsEncoder({ tokenizer: tok, embeddingDim: 5, seed: 1 });
    const [a, b] = [enc.encodeText(['red bird']), enc.encodeText(['bird red'])];
    const c = enc.encode(tf.tensor2d([[2, 3, 0, 0, 0, 0]], [1, 6], 'int32'));
    expect(Array.from(b.dataSync())).toEqual(
      Array.from(a.dataSync()).map((v, i) => expect.closeTo(v, 6) && b.dataSync()[i]!),
    );
    const diff = tf.max(tf.abs(tf.sub(a, c))).dataSync()[0]!;
    expect(diff).toBeLessThan(1e-6);
    tf.dispose([a, b, c]);
    enc.dispose();
  });

  it("char-CNN-RNN with pooling 'mean' projects the GRU states' average (Reed et al.)", () => {
    const enc = charCnnRnnEncoder({
      tokenizer: Tokenizer.characters({ maxLength: 8 }),
      convFilters: [4],
      gruUnits: 3,
      embeddingDim: 2,
      pooling: 'mean',
      seed: 4,
    });
    expect(enc.getConfig().pooling).toBe('mean');
    expect(CharCnnRnnEncoder.fromConfig(enc.getConfig()).getConfig()).toEqual(enc.getConfig());
    const before = tf.memory().numTensors;
    const out = enc.encodeText(['red fox', 'a cat']);
    expect(tf.memory().numTensors).toBe(before + 1);
    // by hand from the GRU's state sequence and the projection's weights
    const gruStates = tfl.model({
      inputs: enc.model.inputs,
      outputs: enc.model.getLayer('char_cnn_rnn_gru').output as tfl.SymbolicTensor,
    });
    const error = tf.tidy(() => {
      const states = gruStates.predict(enc.tokenizer.encodeBatch(['red fox', 'a cat'])) as tf.Tensor3D;
      expect(states.shape).toEqual([2, 4, 3]);
      const [kernel, bias] = enc.model.getLayer('char_cnn_rnn_projection').getWeights();
      return tf.max(tf.abs(tf.sub(out, tf.add(tf.matMul(tf.mean(states, 1), kernel!), bias!))));
    });
    expect(error.dataSync()[0]).toBeLessThan(1e-6);
    tf.dispose([out, error]);
    expect(() => charCnnRnnEncoder({ pooling: 'max' as 'mean' })).toThrow(
      "charCnnRnnEncoder: pooling must be 'last' or 'mean', got \"max\"",
    );
    enc.dispose();
  });

  it('checks the token tensor', () => {
    const enc = charCnnRnnEncoder({
      tokenizer: Tokenizer.characters({ maxLength: 8 }),
      convFilters: [4],
      gruUnits: 4,
    });
    const wrongLength = tf.zeros([2, 7], 'int32') as tf.Tensor2D;
    const floats = tf.zeros([2, 8]) as tf.Tensor2D;
    expect(() => enc.encode(wrongLength)).toThrow(
      'CharCnnRnnEncoder.encode: tokens must have shape [batch, 8], got [2, 7]',
    );
    expect(() => enc.encode(floats)).toThrow('tokens must be int32 ids, got float32');
    expect(() =>
      charCnnRnnEncoder({ tokenizer: Tokenizer.characters({ maxLength: 2 }), convFilters: [4, 4] }),
    ).toThrow('tokenizer.maxLength must be >= 4');
    tf.dispose([wrongLength, floats]);
    enc.dispose();
  });
});

describe('jointEmbeddingLoss', () => {
  it('matches hand-computed values for both losses', () => {
    const t = tf.tensor2d([
      [1, 0],
      [0, 1],
    ]);
    // contrastive, temperature 1, identical unit embeddings: each row's CE is log(1 + e^-1)
    const c = jointEmbeddingLoss(t, t, { temperature: 1 });
    expect(c.dataSync()[0]).toBeCloseTo(Math.log(1 + Math.exp(-1)), 5);
    // hinge, margin 0.2: s = [[1, .7071], [0, .7071]]; only image 1 vs caption 0 violates: .2 / 2 pairs
    const v = tf.tensor2d([
      [1, 0],
      [1, 1],
    ]);
    const h = jointEmbeddingLoss(t, v, { loss: 'hinge', margin: 0.2 });
    expect(h.dataSync()[0]).toBeCloseTo(0.1, 5);
    // embeddings are normalised: scaling does not change the loss
    const scaled = jointEmbeddingLoss(tf.mul(t, 3), tf.mul(v, 0.5), { loss: 'hinge', margin: 0.2 });
    expect(scaled.dataSync()[0]).toBeCloseTo(0.1, 5);
    expect(() => jointEmbeddingLoss(t, tf.zeros([3, 2]))).toThrow(
      'jointEmbeddingLoss: text and image embeddings must both be [batch, d] with equal batch and d, got text [2, 2] and image [3, 2]',
    );
    expect(() => jointEmbeddingLoss(t, t, { loss: 'nope' as never })).toThrow(
      "loss must be 'contrastive' or 'hinge'",
    );
    tf.dispose([t, v, c, h, scaled]);
  });

  it('scores retrieval: 1 for matching identities, 0 for a swap', async () => {
    const e = tf.eye(3);
    expect(await retrievalAccuracy(e, e)).toBe(1);
    const swapped = tf.tensor2d([
      [0, 1, 0],
      [1, 0, 0],
      [0, 0, 1],
    ]);
    expect(await retrievalAccuracy(e, swapped)).toBeCloseTo(1 / 3, 6);
    tf.dispose([e, swapped]);
  });
});

// A tiny synthetic world: a coloured square in one of four quadrants, described in words.
const COLORS: Record<string, [number, number, number]> = {
  red: [1, -1, -1],
  green: [-1, 1, -1],
  blue: [-1, -1, 1],
};
const PLACES = ['top left', 'top right', 'bottom left', 'bottom right'];
function scene(color: string, place: number, noise: () => number): Float32Array {
  const px = new Float32Array(8 * 8 * 3).fill(-1);
  const [y0, x0] = [place < 2 ? 0 : 4, place % 2 === 0 ? 0 : 4];
  for (let y = 0; y < 8; y++)
    for (let x = 0; x < 8; x++)
      for (let ch = 0; ch < 3; ch++) {
        const inside = y >= y0 && y < y0 + 4 && x >= x0 && x < x0 + 4;
        px[(y * 8 + x) * 3 + ch] = (inside ? COLORS[color]![ch]! : -1) + noise();
      }
  return px;
}
function world(copies: number, seed: number) {
  let s = seed;
  const noise = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return (s / 2147483648 - 0.5) * 0.2;
  };
  const texts: string[] = [];
  const pixels: number[] = [];
  for (let k = 0; k < copies; k++)
    for (const color of Object.keys(COLORS))
      PLACES.forEach((place, p) => {
        texts.push(`${color} ${place}`);
        pixels.push(...scene(color, p, noise));
      });
  return { texts, images: tf.tensor4d(pixels, [texts.length, 8, 8, 3]) };
}

describe('trainJointEmbedding', () => {
  it.each([
    ['bag of words, contrastive', 'word', 'contrastive'],
    ['char CNN-RNN, hinge', 'char', 'hinge'],
  ] as const)('learns to retrieve matching pairs far above chance (%s)', async (_label, level, loss) => {
    const train = world(6, 1);
    const test = world(1, 99); // 12 unseen noisy scenes, one per caption: chance is 1/12
    const tokenizer =
      level === 'word'
        ? Tokenizer.fromTexts(train.texts, { maxLength: 4 })
        : Tokenizer.characters({ maxLength: 20 });
    const textEncoder =
      level === 'word'
        ? bagOfWordsEncoder({ tokenizer, wordEmbeddingDim: 16, embeddingDim: 16, seed: 1 })
        : charCnnRnnEncoder({
            tokenizer,
            charEmbeddingDim: 8,
            convFilters: [16, 16],
            gruUnits: 16,
            embeddingDim: 16,
            seed: 1,
          });
    const imageEncoder = cnnEncoder({ inputShape: [8, 8, 3], targetShape: [16], baseWidth: 8, seed: 1 });
    const before = tf.memory().numTensors;
    const accuracy = async () => {
      const [t, v] = [textEncoder.encodeText(test.texts), imageEncoder.encode(test.images)];
      const value = await retrievalAccuracy(t, v);
      tf.dispose([t, v]);
      return value;
    };
    const chance = await accuracy();
    const { losses } = await trainJointEmbedding({
      textEncoder,
      imageEncoder,
      pairs: train,
      steps: level === 'word' ? 60 : 80,
      batchSize: 12,
      learningRate: 0.01,
      loss,
      seed: 3,
    });
    expect(tf.memory().numTensors).toBe(before);
    const after = await accuracy();
    expect(losses.every(Number.isFinite)).toBe(true);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(losses.slice(-10))).toBeLessThan(mean(losses.slice(0, 10)));
    // chance is 1/12; both encoders must do at least four times better, and better than untrained
    expect(after).toBeGreaterThanOrEqual(4 / 12);
    expect(after).toBeGreaterThan(chance);
    tf.dispose([train.images, test.images]);
    textEncoder.dispose();
    imageEncoder.dispose();
  });

  it('rejects mismatched pairs and embeddings of different sizes', async () => {
    const tokenizer = Tokenizer.fromTexts(['a b']);
    const textEncoder = bagOfWordsEncoder({ tokenizer, embeddingDim: 4 });
    const imageEncoder = cnnEncoder({ inputShape: [4, 4, 1], targetShape: [5], baseWidth: 2 });
    const images = tf.zeros([3, 4, 4, 1]) as tf.Tensor4D;
    await expect(
      trainJointEmbedding({ textEncoder, imageEncoder, pairs: { images, texts: ['a', 'b'] }, steps: 1 }),
    ).rejects.toThrow('pairs must hold as many captions as images, got 2 captions and 3 images');
    await expect(
      trainJointEmbedding({ textEncoder, imageEncoder, pairs: { images, texts: ['a', 'b', 'a'] }, steps: 1 }),
    ).rejects.toThrow('the image encoder must return [batch, 4] to match the caption embedding, got [3, 5]');
    images.dispose();
    textEncoder.dispose();
    imageEncoder.dispose();
  });
});
