import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { GanError } from '../errors/gan-error.js';
import { SeededRandom, tfjsSeed } from './seeded-random.js';

describe('tfjsSeed', () => {
  it('makes seed 0 reproducible in tfjs ops (which read 0 as no seed) and keeps other seeds', async () => {
    await tf.setBackend('cpu');
    const draw = (seed: number) => tf.tidy(() => tf.randomNormal([8], 0, 1, 'float32', seed).dataSync());
    expect(Array.from(draw(tfjsSeed(0)))).toEqual(Array.from(draw(tfjsSeed(0))));
    expect(Array.from(draw(tfjsSeed(0)))).not.toEqual(Array.from(draw(tfjsSeed(1))));
    expect(Array.from(draw(tfjsSeed(3)))).toEqual(Array.from(draw(3)));
    expect(tfjsSeed(0)).not.toBe(Math.round(tfjsSeed(0)));
  });
});

describe('SeededRandom', () => {
  it('gives the same sequence for the same seed and a different one for another seed', () => {
    const a = new SeededRandom(7);
    const b = new SeededRandom(7);
    const c = new SeededRandom(8);
    const sa = Array.from({ length: 5 }, () => a.nextUint32());
    expect(Array.from({ length: 5 }, () => b.nextUint32())).toEqual(sa);
    expect(Array.from({ length: 5 }, () => c.nextUint32())).not.toEqual(sa);
  });

  it('resumes exactly from a saved state', () => {
    const a = new SeededRandom(1);
    a.next();
    const state = a.getState();
    const expected = [a.next(), a.next(), a.int(10)];
    const b = new SeededRandom(999);
    b.setState(state);
    expect([b.next(), b.next(), b.int(10)]).toEqual(expected);
  });

  it('draws uniform floats in [0, 1) with a plausible mean, and normals with unit variance', () => {
    const r = new SeededRandom(3);
    const u = Array.from({ length: 20000 }, () => r.next());
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...u)).toBeLessThan(1);
    expect(u.reduce((s, v) => s + v, 0) / u.length).toBeCloseTo(0.5, 1);
    const n = Array.from({ length: 20000 }, () => r.normal());
    const mean = n.reduce((s, v) => s + v, 0) / n.length;
    const variance = n.reduce((s, v) => s + (v - mean) ** 2, 0) / n.length;
    expect(Math.abs(mean)).toBeLessThan(0.05);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
  });

  it('shuffles into a permutation', () => {
    const items = Array.from({ length: 100 }, (_, i) => i);
    const shuffled = new SeededRandom(5).shuffle([...items]);
    expect(shuffled).not.toEqual(items);
    expect([...shuffled].sort((x, y) => x - y)).toEqual(items);
  });

  it('rejects bad seeds and states with a GanError', () => {
    expect(() => new SeededRandom(1.5)).toThrow(GanError);
    expect(() => new SeededRandom(0).setState([1, 2, 3])).toThrow(/four 32-bit/);
  });
});
