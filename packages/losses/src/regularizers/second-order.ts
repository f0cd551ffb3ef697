import { GanError } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Kernels whose tfjs gradient reads the op's own saved *output*. tfjs records the copy of that
 * output on the tape before the op itself, so when the gradient is differentiated again the
 * path through the output is silently dropped and the second-order gradient is wrong (found by
 * comparing with finite differences; see regularizers/second-order.test.ts).
 */
const WRONG_SECOND_ORDER: Record<string, string> = {
  Tanh: 'tanh (also mish and gelu_new, which use it)',
  Sigmoid: 'sigmoid (also swish/silu, which use it)',
  Exp: 'exp',
  Elu: 'elu',
  Softmax: 'softmax',
  LogSoftmax: 'logSoftmax',
  LRN: 'local response normalization',
};

/** Kernels with no gradient of their own in tfjs that the gradient penalties need. */
const ZERO_GRADIENT_KERNELS: Record<string, readonly string[]> = {
  Greater: ['a', 'b'],
  GreaterEqual: ['a', 'b'],
  Less: ['a', 'b'],
  LessEqual: ['a', 'b'],
  Equal: ['a', 'b'],
  NotEqual: ['a', 'b'],
  LogicalAnd: ['a', 'b'],
  LogicalOr: ['a', 'b'],
  LogicalNot: ['x'],
  IsNan: ['x'],
  IsInf: ['x'],
  IsFinite: ['x'],
};

/**
 * Where the forward kernels the critic ran lead when their gradient has no gradient.
 */
const GRADIENT_KERNEL_SOURCE: Record<string, string> = {
  EluGrad: 'elu',
  AvgPoolGrad: 'average pooling (AvgPool)',
  AvgPool3DGrad: 'average pooling (AvgPool3D)',
  MaxPoolGrad: 'max pooling (MaxPool)',
  MaxPool3DGrad: 'max pooling (MaxPool3D)',
  ResizeNearestNeighborGrad: 'nearest-neighbour resizing (upSampling2d, resizeNearestNeighbor)',
  ResizeBilinearGrad: 'bilinear resizing (resizeBilinear)',
  DepthwiseConv2dNativeBackpropInput: 'depthwise convolution',
  DepthwiseConv2dNativeBackpropFilter: 'depthwise convolution',
  Conv3DBackpropInputV2: '3-D convolution',
  LRNGrad: 'local response normalization',
};

/**
 * The layers and activations through which gankit's penalties differentiate twice correctly,
 * checked against finite differences on the cpu and wasm backends.
 */
export const SECOND_ORDER_SUPPORTED =
  'dense, conv2d, conv2dTranspose, flatten, reshape, globalAveragePooling2d, layerNormalization, batchNormalization, SpectralNormalization; activations linear, relu, relu6, leakyReLU, prelu, selu, softplus, softsign, hardSigmoid, gelu';

let registered = false;

/**
 * Registers zero gradients for comparison and logical kernels, which tfjs 4.22 leaves without
 * any: their derivative is zero wherever it exists, and second-order gradients through
 * leakyReLU, relu6, selu or layer normalization pass through them (tfjs otherwise throws
 * "gradient function not found for Greater"). Only fills gaps; an existing gradient is never
 * replaced. Idempotent.
 */
export function registerSecondOrderGradients(): void {
  if (registered) return;
  registered = true;
  for (const [kernelName, inputs] of Object.entries(ZERO_GRADIENT_KERNELS)) {
    if (tf.getGradient(kernelName) !== undefined && tf.getGradient(kernelName) !== null) continue;
    tf.registerGradient({
      kernelName,
      inputsToSave: [...inputs],
      gradFunc: (_dy, saved) =>
        Object.fromEntries(inputs.map((name, i) => [name, () => tf.zeros(saved[i]!.shape, 'float32')])),
    });
  }
}

interface TapeNodeLike {
  kernelName: string;
  saved?: tf.Tensor[];
  inputs: Record<string, tf.Tensor | undefined>;
  outputs: tf.Tensor[];
  gradient?: unknown;
}

interface EngineStateLike {
  activeTape: TapeNodeLike[] | null;
  gradientDepth: number;
}

function engineState(): EngineStateLike | undefined {
  const state = (tf.engine() as unknown as { state?: EngineStateLike }).state;
  return state && typeof state.gradientDepth === 'number' ? state : undefined;
}

/** A critic: images in, one logit (score) per image out. */
export type CriticFn = (images: tf.Tensor) => tf.Tensor;

/**
 * The gradient of sum(critic(x)) with respect to x, checked for second-order correctness when it
 * is itself being differentiated (inside tf.grad / optimizer.minimize): the forward pass is
 * inspected on the tape and a critic that tfjs cannot differentiate twice is refused with a
 * GanError instead of producing a silently wrong gradient.
 */
export function criticInputGradient(
  fn: string,
  critic: CriticFn,
  x: tf.Tensor,
  checkOutput: (out: tf.Tensor) => void,
): tf.Tensor {
  registerSecondOrderGradients();
  const state = engineState();
  const nested = state !== undefined && state.gradientDepth > 0 && Array.isArray(state.activeTape);
  let forwardStart = state?.activeTape?.length ?? 0;
  let forwardEnd = 0;
  let grad: tf.Tensor;
  // on failure, drop what this call put on the tape (and the tensors tfjs saved for it)
  const abandon = (e: unknown): never => {
    const tape = state?.activeTape;
    if (Array.isArray(tape)) {
      for (const node of tape.splice(forwardStart)) for (const t of node.saved ?? []) t.dispose();
    }
    throw e;
  };
  try {
    grad = tf.grad((xx: tf.Tensor) => {
      forwardStart = state?.activeTape?.length ?? 0;
      const out = critic(xx);
      checkOutput(out);
      forwardEnd = state?.activeTape?.length ?? 0;
      return tf.sum(out);
    })(x);
  } catch (e) {
    if (e instanceof GanError) return abandon(e);
    const message = String((e as Error)?.message ?? e);
    if (/not registered|gradient function not found|Cannot compute gradient/.test(message)) {
      return abandon(
        new GanError(
          'UNSUPPORTED',
          `${fn}: the critic's gradient with respect to its input cannot be computed on the '${tf.getBackend()}' backend: ${message}`,
          { cause: e },
        ),
      );
    }
    return abandon(e);
  }
  if (nested && state?.activeTape) {
    try {
      verifySecondOrder(fn, state.activeTape, forwardStart, forwardEnd, x, grad);
    } catch (e) {
      grad.dispose();
      return abandon(e);
    }
  }
  return grad;
}

function verifySecondOrder(
  fn: string,
  tape: TapeNodeLike[],
  start: number,
  forwardEnd: number,
  x: tf.Tensor,
  grad: tf.Tensor,
): void {
  const end = tape.length;
  // 1. forward kernels that depend on x and whose gradient reads their own output
  const fromX = new Set<number>([x.id]);
  const fromSources = new Set<number>([x.id]);
  for (let i = start; i < end; i++) {
    const node = tape[i]!;
    const inputs = Object.values(node.inputs).filter((t): t is tf.Tensor => t != null);
    if (i < forwardEnd && inputs.some((t) => fromX.has(t.id))) {
      const what = WRONG_SECOND_ORDER[node.kernelName];
      if (what !== undefined) {
        throw new GanError(
          'UNSUPPORTED',
          `${fn}: the critic uses ${what} (tfjs kernel ${node.kernelName}), whose gradient tfjs cannot differentiate a second time correctly, so the penalty's gradient would be wrong. Supported: ${SECOND_ORDER_SUPPORTED}`,
        );
      }
      for (const o of node.outputs) fromX.add(o.id);
    }
    if (inputs.some((t) => fromSources.has(t.id) || t instanceof tf.Variable)) {
      for (const o of node.outputs) fromSources.add(o.id);
    }
  }
  // 2. nodes between the sources (x, variables) and the gradient that have no gradient themselves
  const toGrad = new Set<number>([grad.id]);
  const needsConvFilter = tf.getKernel('Conv2DBackpropFilter', tf.getBackend()) === undefined;
  for (let i = end - 1; i >= start; i--) {
    const node = tape[i]!;
    if (!node.outputs.some((o) => toGrad.has(o.id))) continue;
    const inputs = Object.values(node.inputs).filter((t): t is tf.Tensor => t != null);
    if (!inputs.some((t) => fromSources.has(t.id) || t instanceof tf.Variable)) continue;
    for (const t of inputs) toGrad.add(t.id);
    if (node.gradient == null) {
      const source = GRADIENT_KERNEL_SOURCE[node.kernelName];
      throw new GanError(
        'UNSUPPORTED',
        `${fn}: tfjs has no gradient for ${node.kernelName}${source ? `, which the critic's ${source} needs` : ''}, so the penalty cannot be differentiated a second time. Supported: ${SECOND_ORDER_SUPPORTED}`,
      );
    }
    if (
      needsConvFilter &&
      (node.kernelName === 'Conv2DBackpropInput' ||
        node.kernelName === 'Conv2D' ||
        /conv2d/i.test(node.kernelName))
    ) {
      throw new GanError(
        'UNSUPPORTED',
        `${fn}: the '${tf.getBackend()}' backend has no Conv2DBackpropFilter kernel, which the penalty's gradient through the critic's convolutions needs; call registerTrainingKernels('${tf.getBackend()}') from @gankit/core first`,
      );
    }
  }
}
