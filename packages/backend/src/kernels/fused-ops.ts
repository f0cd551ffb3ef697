import * as tf from '@tensorflow/tfjs-core';

type FusedConv2d = typeof tf.fused.conv2d;
type FusedMatMul = typeof tf.fused.matMul;
type FusedConv2dArgs = Parameters<FusedConv2d>[0];
type FusedMatMulArgs = Parameters<FusedMatMul>[0];

/** The `tf.fused` ops gankit reroutes, as {@link rerouteFusedOps} reports them. */
export const REROUTED_FUSED_OPS: readonly string[] = ['fused.conv2d', 'fused.matMul'];

interface RerouteState {
  /** tfjs' own ops, put back by {@link restoreFusedOps}. */
  conv2d: FusedConv2d;
  matMul: FusedMatMul;
  /** Backends the unfused path is taken on; the originals come back when it is empty. */
  backends: Set<string>;
}

// Global like tfjs' own registries, so two copies of @gankit/core agree.
const STATE_KEY = Symbol.for('@gankit/core/fused-ops');

function rerouteState(): RerouteState | undefined {
  return (globalThis as { [STATE_KEY]?: RerouteState })[STATE_KEY];
}

function setRerouteState(state: RerouteState | undefined): void {
  (globalThis as { [STATE_KEY]?: RerouteState })[STATE_KEY] = state;
}

// Under a gradient tape tfjs runs a linear fused conv or matMul as one customGrad op whose
// gradient computes dx, dW and db every time, needed or not: the critic's first-layer input
// gradient in every D step, the critic's weight gradients in every G step, the generator's
// gradient with respect to its noise. Recorded as separate ops, backprop runs only the
// gradients on the path to the variables asked for (a DCGAN step: 4 of 9 large convolution
// gradients fewer, ~10% of the step on wasm). tfjs already takes this path for non-linear
// activations; inference (no tape) keeps the fused kernel.
function takesUnfusedPath(
  activation: string | undefined,
  dataFormat: string | undefined,
  state: RerouteState,
): boolean {
  return (
    tf.engine().state.gradientDepth > 0 &&
    (activation ?? 'linear') === 'linear' &&
    (dataFormat ?? 'NHWC') === 'NHWC' &&
    state.backends.has(tf.getBackend())
  );
}

function unfusedConv2d(state: RerouteState): FusedConv2d {
  return ((args: FusedConv2dArgs) => {
    if (!takesUnfusedPath(args.activation, args.dataFormat, state)) return state.conv2d(args);
    const { x, filter, strides, pad, dilations, dimRoundingMode, bias } = args;
    return tf.tidy(() => {
      const y = tf.conv2d(x, filter, strides, pad, 'NHWC', dilations, dimRoundingMode);
      return bias == null ? y : tf.add(y, bias);
    });
  }) as FusedConv2d;
}

function unfusedMatMul(state: RerouteState): FusedMatMul {
  return ((args: FusedMatMulArgs) => {
    if (!takesUnfusedPath(args.activation, undefined, state)) return state.matMul(args);
    const { a, b, transposeA, transposeB, bias } = args;
    return tf.tidy(() => {
      const y = tf.matMul(a, b, transposeA, transposeB);
      return bias == null ? y : tf.add(y, bias);
    });
  }) as FusedMatMul;
}

type FusedOps = { conv2d: FusedConv2d; matMul: FusedMatMul };

function setFusedOps(ops: FusedOps): void {
  for (const name of ['conv2d', 'matMul'] as const) {
    Object.defineProperty(tf.fused, name, { value: ops[name], writable: true, configurable: true });
  }
}

function isReplaceable(target: object, key: string): boolean {
  const d = Object.getOwnPropertyDescriptor(target, key);
  return d !== undefined && (d.writable === true || d.configurable === true);
}

/**
 * Makes `tf.fused.conv2d` and `tf.fused.matMul` (what tfjs-layers' Conv2D and Dense call) run as
 * separate conv/matMul and add ops when recorded for backprop on `backendName`, so that only
 * the gradients needed are computed. Where `tf.fused` cannot be changed (an ES module
 * namespace in some browser bundles) nothing changes.
 * @returns the ops rerouted by this call (empty if already rerouted or not replaceable)
 */
export function rerouteFusedOps(backendName: string): string[] {
  const existing = rerouteState();
  if (existing) {
    if (existing.backends.has(backendName)) return [];
    existing.backends.add(backendName);
    return [...REROUTED_FUSED_OPS];
  }
  const fused = tf.fused as FusedOps;
  if (!isReplaceable(fused, 'conv2d') || !isReplaceable(fused, 'matMul')) return [];
  const state: RerouteState = {
    conv2d: fused.conv2d,
    matMul: fused.matMul,
    backends: new Set([backendName]),
  };
  setFusedOps({ conv2d: unfusedConv2d(state), matMul: unfusedMatMul(state) });
  setRerouteState(state);
  return [...REROUTED_FUSED_OPS];
}

/**
 * Stops taking the unfused path on `backendName`; puts tfjs' own `tf.fused` ops back once no
 * backend takes it.
 */
export function restoreFusedOps(backendName: string): void {
  const state = rerouteState();
  if (!state) return;
  state.backends.delete(backendName);
  if (state.backends.size > 0) return;
  setFusedOps(state);
  setRerouteState(undefined);
}
