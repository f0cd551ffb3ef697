import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { expect } from 'vitest';

/** The networks a loss can send gradients to. */
export type NetName = 'generator' | 'discriminator' | 'encoder';

/** A network as the suite sees it: models to freeze and the names of all their variables. */
export interface Net {
  models: tfl.LayersModel[];
  variableNames: Set<string>;
}

/** What a case computes with. */
export interface ConformanceContext {
  nets: Record<NetName, Net>;
  /** Seed for anything random in the term. */
  seed: number;
}

/** One term of the catalogue, as the conformance suite runs it. */
export interface ConformanceCase {
  /** Shown in the test name. */
  name: string;
  /** Computes the term; may return precomputed gradients (terms that differentiate themselves). */
  run(ctx: ConformanceContext): tf.Scalar | { value: tf.Scalar; grads: tf.NamedTensorMap };
  /** Networks that must receive a non-zero gradient. */
  gradientsTo: NetName[];
  /** Networks frozen (trainable = false) while the case runs. */
  frozen?: NetName[];
  /** Whether the term draws random numbers from the seed (then another seed must change it). */
  random?: boolean;
}

export function makeNet(models: tfl.LayersModel[]): Net {
  return {
    models,
    variableNames: new Set(models.flatMap((m) => m.weights.map((w) => (w.read() as tf.Variable).name))),
  };
}

function scalarOf(result: ReturnType<ConformanceCase['run']>): tf.Scalar {
  return result instanceof tf.Tensor ? result : result.value;
}

function disposeResult(result: ReturnType<ConformanceCase['run']>): void {
  if (result instanceof tf.Tensor) result.dispose();
  else tf.dispose([result.value, ...Object.values(result.grads)]);
}

/**
 * The conformance checks every term of the catalogue passes: a finite scalar; gradients reach
 * exactly the networks that should get them; no tensor leaks; deterministic under a seed.
 */
export async function checkConformance(c: ConformanceCase, nets: Record<NetName, Net>): Promise<void> {
  const names = Object.keys(nets) as NetName[];
  const frozen = c.frozen ?? [];
  const setFrozen = (on: boolean) => {
    for (const n of frozen) for (const m of nets[n].models) m.trainable = !on;
  };
  setFrozen(true);
  try {
    // warm-up (lazy builds, kernel registration), then scalar + finite + no leaks
    disposeResult(c.run({ nets, seed: 11 }));
    const before = tf.memory().numTensors;
    const first = c.run({ nets, seed: 11 });
    const value = scalarOf(first);
    expect(value.shape, `${c.name}: scalar`).toEqual([]);
    const v1 = (await value.data())[0]!;
    expect(Number.isFinite(v1), `${c.name}: finite, got ${v1}`).toBe(true);
    disposeResult(first);
    expect(tf.memory().numTensors, `${c.name}: no leaked tensors`).toBe(before);

    // deterministic under a seed; another seed changes random terms
    const again = c.run({ nets, seed: 11 });
    expect((await scalarOf(again).data())[0], `${c.name}: deterministic`).toBe(v1);
    disposeResult(again);
    if (c.random) {
      const other = c.run({ nets, seed: 12 });
      expect((await scalarOf(other).data())[0], `${c.name}: depends on the seed`).not.toBe(v1);
      disposeResult(other);
    }

    // gradients: to the right networks and to no others
    const beforeGrads = tf.memory().numTensors;
    let grads: tf.NamedTensorMap;
    let gradValue: tf.Scalar;
    const probe = c.run({ nets, seed: 11 });
    if (probe instanceof tf.Tensor) {
      probe.dispose();
      const r = tf.variableGrads(() => scalarOf(c.run({ nets, seed: 11 })));
      grads = r.grads;
      gradValue = r.value;
    } else {
      grads = probe.grads;
      gradValue = probe.value;
    }
    for (const n of names) {
      const own = Object.entries(grads).filter(([name]) => nets[n].variableNames.has(name));
      let total = 0;
      for (const [, g] of own) {
        const s = tf.tidy(() => tf.sum(tf.abs(g)));
        total += (await s.data())[0]!;
        s.dispose();
      }
      if (c.gradientsTo.includes(n)) {
        expect(total, `${c.name}: gradient reaches ${n}`).toBeGreaterThan(0);
        expect(Number.isFinite(total), `${c.name}: finite gradient for ${n}`).toBe(true);
      } else {
        expect(total, `${c.name}: no gradient to ${n}`).toBe(0);
      }
    }
    tf.dispose([gradValue, ...Object.values(grads)]);
    expect(tf.memory().numTensors, `${c.name}: no leaks while differentiating`).toBe(beforeGrads);
  } finally {
    setFrozen(false);
  }
}
