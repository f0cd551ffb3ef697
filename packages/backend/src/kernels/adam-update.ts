import { type KernelArgs, type KernelImpl, requireInput, withScope } from './kernel-scope.js';

/**
 * gankit's fused Adam update of one variable. Inputs `value`, `m`, `v`, `gradient` (one shape)
 * and the scalars `accBeta1`, `accBeta2` (beta^t); attrs `beta1`, `beta2`, `learningRate`,
 * `epsilon`. Outputs the new value, first and second moments by tfjs' AdamOptimizer's
 * update: m' = b1 m + (1 - b1) g, v' = b2 v + (1 - b2) g^2,
 * value' = value - lr (m' / (1 - b1^t)) / (sqrt(v' / (1 - b2^t)) + eps).
 */
export const ADAM_UPDATE = 'GankitAdamUpdate';

/** The attributes of {@link ADAM_UPDATE}. */
export interface AdamUpdateAttrs {
  beta1: number;
  beta2: number;
  learningRate: number;
  epsilon: number;
}

/**
 * The fused kernel: one JS pass over the four arrays in double precision, each result stored as
 * float32 (within a few float32 ulps of tfjs' op-by-op result). It replaces 13 kernel calls per
 * variable with their allocations and engine bookkeeping: 0.02 ms for 64 values against ~0.4 ms,
 * 0.3 ms for 32,768 against 0.6 ms on wasm.
 */
export function createAdamUpdate(backendName: string): KernelImpl {
  return (args: KernelArgs) => {
    const inputs = ['value', 'm', 'v', 'gradient', 'accBeta1', 'accBeta2'].map((n) =>
      requireInput(ADAM_UPDATE, args.inputs, n),
    );
    const [value, m, v, gradient, accBeta1, accBeta2] = inputs as [
      (typeof inputs)[0],
      (typeof inputs)[0],
      (typeof inputs)[0],
      (typeof inputs)[0],
      (typeof inputs)[0],
      (typeof inputs)[0],
    ];
    const { beta1, beta2, learningRate, epsilon } = (args.attrs ?? {}) as unknown as AdamUpdateAttrs;
    return withScope(args.backend, backendName, (scope) => {
      const shape = value.shape.slice();
      // allocate every output before taking views (an allocation can move wasm's heap)
      const outputs = [0, 1, 2].map(() => scope.output(shape, 'float32', () => {}));
      const [w, m0, v0, g] = [value, m, v, gradient].map((t) => scope.viewF32(t)) as Float32Array[];
      const [w1, m1, v1] = outputs.map((t) => scope.viewF32(t)) as Float32Array[];
      const c1 = 1 - beta1;
      const c2 = 1 - beta2;
      // 1 / (1 - beta^t), from the float32 accumulators tfjs keeps
      const r1 = 1 / (1 - scope.viewF32(accBeta1)[0]!);
      const r2 = 1 / (1 - scope.viewF32(accBeta2)[0]!);
      const n = w!.length;
      for (let i = 0; i < n; i++) {
        const gi = g![i]!;
        const mi = m0![i]! * beta1 + gi * c1;
        const vi = v0![i]! * beta2 + gi * gi * c2;
        m1![i] = mi;
        v1![i] = vi;
        w1![i] = w![i]! - (learningRate * (mi * r1)) / (Math.sqrt(vi * r2) + epsilon);
      }
      return outputs;
    });
  };
}
