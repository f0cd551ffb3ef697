import '@tensorflow/tfjs-backend-cpu';
import { GanError } from '@gankit/core';
import * as tfc from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { patchganDiscriminator } from './image-to-image.js';
import { spectrogramTranslator } from './speech.js';

beforeAll(async () => {
  await tfc.setBackend('cpu');
});

describe('spectrogramTranslator', () => {
  it('maps spectrogram images of any frame count (a multiple of 4) to the same shape in [-1, 1]', () => {
    const g = spectrogramTranslator({ melBins: 12, filters: 4, residualBlocks: 2, seed: 3 });
    const before = tfc.memory().numTensors;
    for (const [batch, frames] of [
      [1, 16],
      [3, 40],
      [2, 212],
    ] as const) {
      tfc.tidy(() => {
        const y = g.predict(tfc.randomNormal([batch, 12, frames, 1])) as tfc.Tensor;
        expect(y.shape).toEqual([batch, 12, frames, 1]);
        const values = y.dataSync();
        expect(Math.max(...values)).toBeLessThanOrEqual(1);
        expect(Math.min(...values)).toBeGreaterThanOrEqual(-1);
      });
    }
    expect(tfc.memory().numTensors).toBe(before);
    g.dispose();
  });

  it('treats each frame as a whole: a frame far from the others changes only its neighbourhood', () => {
    // time-local (receptive field of a few dozen frames), every bin of a frame seen at once
    const g = spectrogramTranslator({ melBins: 8, filters: 4, residualBlocks: 1, seed: 1 });
    tfc.tidy(() => {
      const x = tfc.randomNormal([1, 8, 256, 1], 0, 0.3, 'float32', 5);
      const bump = tfc.scatterND([[0, 0, 200, 0]], [1], [1, 8, 256, 1]);
      const diff = tfc.abs(tfc.sub(g.predict(tfc.add(x, bump)) as tfc.Tensor, g.predict(x) as tfc.Tensor));
      const perFrame = tfc.sum(diff, [0, 1, 3]).dataSync();
      expect(perFrame[200]!).toBeGreaterThan(0);
      // every bin of the bumped frame moves, not only bin 0
      const bins = tfc.slice(diff, [0, 0, 200, 0], [1, 8, 1, 1]).dataSync();
      expect(Math.min(...Array.from(bins))).toBeGreaterThan(0);
      expect(Math.max(...Array.from(perFrame.slice(0, 100)))).toBe(0);
    });
    g.dispose();
  });

  it('is seeded, and reloads from its JSON config', async () => {
    const a = spectrogramTranslator({ melBins: 8, filters: 4, residualBlocks: 1, seed: 7 });
    const b = spectrogramTranslator({ melBins: 8, filters: 4, residualBlocks: 1, seed: 7 });
    const x = tfc.randomNormal([1, 8, 16, 1], 0, 1, 'float32', 2);
    const ya = a.predict(x) as tfc.Tensor;
    expect(Array.from(ya.dataSync())).toEqual(Array.from((b.predict(x) as tfc.Tensor).dataSync()));
    const copy = await tfl.models.modelFromJSON({ modelTopology: a.toJSON(null, false) });
    copy.setWeights(a.getWeights());
    expect(Array.from((copy.predict(x) as tfc.Tensor).dataSync())).toEqual(Array.from(ya.dataSync()));
    tfc.dispose([x]);
    for (const m of [a, b, copy]) m.dispose();
  });

  it('refuses sizes that are not positive integers, naming the option', () => {
    expect(() => spectrogramTranslator({ melBins: 0 })).toThrow(GanError);
    expect(() => spectrogramTranslator({ melBins: 8, filters: 2.5 })).toThrow(
      /spectrogramTranslator: filters/,
    );
  });
});

describe('patchganDiscriminator on segments that are not square', () => {
  it('takes inputWidth and gives a logit map of ceil(h / 2^layers) x ceil(w / 2^layers)', () => {
    const d = patchganDiscriminator({
      inputSize: 16,
      inputWidth: 32,
      conditionChannels: 0,
      imageChannels: 1,
      baseFilters: 4,
      layers: 2,
    });
    tfc.tidy(() => {
      expect((d.predict(tfc.zeros([2, 16, 32, 1])) as tfc.Tensor).shape).toEqual([2, 4, 8, 1]);
    });
    d.dispose();
    expect(() =>
      patchganDiscriminator({
        inputSize: 16,
        inputWidth: 2,
        conditionChannels: 0,
        imageChannels: 1,
        layers: 2,
      }),
    ).toThrow(/patchganDiscriminator: inputWidth/);
  });
});
