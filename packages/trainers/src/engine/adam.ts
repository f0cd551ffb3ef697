import * as tf from '@tensorflow/tfjs-core';

/** The fused update kernel @gankit/backend's training kernels register for wasm and cpu. */
const ADAM_UPDATE = 'GankitAdamUpdate';

/**
 * Variables above this many values are updated by tfjs' own ops: there the per-kernel overhead
 * no longer dominates and one JS pass over the wasm heap gains nothing (313,600 values: 3.1 ms
 * either way; 32,768: 0.3 ms fused against 0.6 ms; 64: 0.02 ms against ~0.4 ms).
 */
const MAX_FUSED_SIZE = 32768;

/** The AdamOptimizer state tfjs keeps private, read and written as tfjs' own update does. */
interface AdamState {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: Array<{ originalName: string; variable: tf.Variable } | undefined>;
  accumulatedSecondMoment: Array<{ originalName: string; variable: tf.Variable } | undefined>;
}

/**
 * tfjs' AdamOptimizer with each variable's update as one kernel call where the backend has
 * gankit's fused Adam kernel (wasm and cpu, after `registerTrainingKernels`) and the variable
 * is small enough to gain from it: the same update, the same state and checkpoint format (its
 * className is tfjs' `Adam`). Elsewhere (webgpu, tfjs-node) tfjs' own update runs.
 */
export class FusedAdamOptimizer extends tf.AdamOptimizer {
  override applyGradients(variableGradients: Parameters<tf.AdamOptimizer['applyGradients']>[0]): void {
    if (tf.getKernel(ADAM_UPDATE, tf.getBackend()) === undefined) {
      super.applyGradients(variableGradients);
      return;
    }
    const state = this as unknown as AdamState;
    const names = Array.isArray(variableGradients)
      ? variableGradients.map((v) => v.name)
      : Object.keys(variableGradients);
    tf.tidy(() => {
      names.forEach((name, i) => {
        const value = tf.engine().registeredVariables[name]!;
        // moments created as tfjs creates them: zeros, not trainable, named <variable>/m and /v
        state.accumulatedFirstMoment[i] ??= {
          originalName: `${name}/m`,
          variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
        };
        state.accumulatedSecondMoment[i] ??= {
          originalName: `${name}/v`,
          variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
        };
        const gradient = Array.isArray(variableGradients)
          ? variableGradients[i]?.tensor
          : variableGradients[name];
        if (gradient == null) return;
        const m = state.accumulatedFirstMoment[i].variable;
        const v = state.accumulatedSecondMoment[i].variable;
        if (value.size > MAX_FUSED_SIZE) {
          // tfjs AdamOptimizer's own update of one variable
          const nextM = tf.add(tf.mul(m, state.beta1), tf.mul(gradient, 1 - state.beta1));
          const nextV = tf.add(tf.mul(v, state.beta2), tf.mul(tf.square(gradient), 1 - state.beta2));
          const mHat = tf.div(nextM, tf.sub(1, state.accBeta1));
          const vHat = tf.div(nextV, tf.sub(1, state.accBeta2));
          m.assign(nextM);
          v.assign(nextV);
          const step = tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), state.epsilon)), -state.learningRate);
          value.assign(tf.add(step, value));
          return;
        }
        const [nextValue, nextM, nextV] = tf.engine().runKernel(
          ADAM_UPDATE,
          { value, m, v, gradient, accBeta1: state.accBeta1, accBeta2: state.accBeta2 },
          {
            beta1: state.beta1,
            beta2: state.beta2,
            learningRate: state.learningRate,
            epsilon: state.epsilon,
          },
        ) as unknown as [tf.Tensor, tf.Tensor, tf.Tensor];
        m.assign(nextM);
        v.assign(nextV);
        value.assign(nextValue);
      });
      state.accBeta1.assign(tf.mul(state.accBeta1, state.beta1));
      state.accBeta2.assign(tf.mul(state.accBeta2, state.beta2));
    });
    this.incrementIterations();
  }
}
