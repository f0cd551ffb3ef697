// The conformance suite every gankit encoder passes: shapes across batch sizes and inputs, no
// leaks, config round trip and reload by registered name, save/load with identical outputs,
// and frozen weights that get no gradient while the input still does.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deserialize, registryKey, type SerializableClass } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { type EncoderBase, type EncoderOutput, loadEncoder, saveEncoder, toTaps } from '../src/index.js';

export interface ConformanceInput<I extends tf.Tensor> {
  /** Shown in the test name. */
  label: string;
  /** A batch of `batch` inputs (the suite disposes it). */
  make: (batch: number) => I;
  /** The expected shape of every tap, batch dimension included. */
  expected: (batch: number) => Record<string, number[]>;
}

export interface ConformanceSubject<I extends tf.Tensor> {
  name: string;
  cls: SerializableClass;
  create: () => EncoderBase<I>;
  inputs: ConformanceInput<I>[];
  batchSizes?: number[];
  /** A (small) input for the gradient test; default the first of `inputs`. */
  gradientInput?: ConformanceInput<I>;
  /** Whether `encode` takes float images that can carry a gradient. */
  differentiableInput: boolean;
}

function shapes(out: EncoderOutput): Record<string, number[]> {
  return Object.fromEntries(Object.entries(toTaps(out)).map(([k, t]) => [k, [...t.shape]]));
}

function sumOf(out: EncoderOutput): tf.Scalar {
  return tf.addN(Object.values(toTaps(out)).map((t) => tf.sum(t))) as tf.Scalar;
}

export function describeEncoderConformance<I extends tf.Tensor>(subject: ConformanceSubject<I>): void {
  describe(`${subject.name} conformance`, () => {
    const dirs: string[] = [];
    afterAll(async () => {
      for (const d of dirs) await rm(d, { recursive: true, force: true });
    });

    it.each(subject.inputs.map((i) => [i.label, i] as const))(
      'encodes %s for several batch sizes with the expected shapes and no leaks',
      (_label, input) => {
        const enc = subject.create();
        const before = tf.memory().numTensors;
        for (const batch of subject.batchSizes ?? [1, 3]) {
          const x = input.make(batch);
          const out = enc.encode(x);
          expect(shapes(out)).toEqual(input.expected(batch));
          for (const t of Object.values(toTaps(out))) expect(t.dtype).toBe('float32');
          tf.dispose([x, ...Object.values(toTaps(out))]);
        }
        expect(tf.memory().numTensors).toBe(before);
        enc.dispose();
      },
    );

    it('round-trips its config through JSON and reloads by registered name with the same initial weights', () => {
      const enc = subject.create();
      const config = JSON.parse(JSON.stringify(enc.getConfig())) as Record<string, unknown>;
      const again = deserialize<EncoderBase<I>>({ className: registryKey(subject.cls.className), config });
      expect(again).toBeInstanceOf(enc.constructor);
      expect(again.getConfig()).toEqual(enc.getConfig());
      const a = enc.model.getWeights();
      const b = again.model.getWeights();
      expect(b.length).toBe(a.length);
      a.forEach((w, i) => {
        expect(Array.from(b[i]!.dataSync())).toEqual(Array.from(w.dataSync()));
      });
      enc.dispose();
      again.dispose();
    });

    it('saves and reloads by name with identical outputs', async () => {
      const enc = subject.create();
      // perturb the weights so a reload that silently re-initialised would be caught
      for (const w of enc.model.weights) {
        const v = w.read();
        if (v.dtype === 'float32')
          w.write(tf.tidy(() => tf.add(v, tf.randomUniform(v.shape, -0.01, 0.01, 'float32', 7))));
      }
      const dir = await mkdtemp(join(tmpdir(), 'gankit-enc-'));
      dirs.push(dir);
      await saveEncoder(enc, join(dir, 'saved'));
      const again = await loadEncoder(join(dir, 'saved'));
      expect(again).toBeInstanceOf(enc.constructor);
      expect(again.trainable).toBe(enc.trainable);
      const x = subject.inputs[0]!.make(2);
      const a = toTaps(enc.encode(x));
      const b = toTaps(again.encode(x));
      expect(Object.keys(b)).toEqual(Object.keys(a));
      for (const k of Object.keys(a))
        expect(Array.from(b[k]!.dataSync())).toEqual(Array.from(a[k]!.dataSync()));
      tf.dispose([x, ...Object.values(a), ...Object.values(b)]);
      enc.dispose();
      again.dispose();
    });

    it('gives frozen weights no gradient, and every trainable weight one when unfrozen', () => {
      const enc = subject.create();
      const x = (subject.gradientInput ?? subject.inputs[0]!).make(2);
      const scale = tf.variable(tf.scalar(1.5), true, `conformance_scale_${subject.name}`);
      const encoderVars = enc.model.weights.map((w) => w.read() as tf.Variable);
      const before = tf.memory().numTensors;

      enc.setTrainable(false);
      expect(enc.trainable).toBe(false);
      expect(enc.model.trainableWeights).toHaveLength(0);
      const frozen = tf.variableGrads(
        () => tf.mul(sumOf(enc.encode(x)), scale) as tf.Scalar,
        [scale, ...encoderVars],
      );
      const withGrad = Object.entries(frozen.grads).filter(([, g]) => g != null);
      expect(withGrad.map(([k]) => k)).toEqual([scale.name]);
      tf.dispose([frozen.value, ...withGrad.map(([, g]) => g)]);

      if (subject.differentiableInput) {
        const gx = tf.grad((input: tf.Tensor) => sumOf(enc.encode(input as I)))(x);
        expect(tf.tidy(() => tf.max(tf.abs(gx)).dataSync()[0]!)).toBeGreaterThan(0);
        gx.dispose();
      }

      enc.setTrainable(true);
      expect(enc.trainable).toBe(true);
      const trainable = enc.model.trainableWeights.map((w) => w.read() as tf.Variable);
      expect(trainable.length).toBeGreaterThan(0);
      const open = tf.variableGrads(() => sumOf(enc.encode(x)), trainable);
      expect(Object.keys(open.grads).sort()).toEqual(trainable.map((v) => v.name).sort());
      tf.dispose([open.value, ...Object.values(open.grads)]);

      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([x, scale]);
      enc.dispose();
    });
  });
}
