import type { DepthToSpaceAttrs, GradConfig, Tensor, TileAttrs } from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';
import { leakyReluGradConfig, leakyReluGradGrad } from './leaky-relu-grad.js';
import { preluGradConfig, preluGradGrad } from './prelu-grad.js';

/**
 * The inverse of depthToSpace (tfjs has no SpaceToDepth op), built from reshape and transpose
 * so that it is itself differentiable.
 */
function spaceToDepth(dy: Tensor, blockSize: number, dataFormat: 'NHWC' | 'NCHW'): Tensor {
  const b = blockSize;
  if (dataFormat === 'NCHW') {
    const [n, c, hb, wb] = dy.shape as [number, number, number, number];
    const h = hb / b;
    const w = wb / b;
    // dy[n, c, h*b+i, w*b+j] came from x[n, (i*b+j)*c + k, h, w]
    const split = tf.reshape(dy, [n, c, h, b, w, b]);
    return tf.reshape(tf.transpose(split, [0, 3, 5, 1, 2, 4]), [n, b * b * c, h, w]);
  }
  const [n, hb, wb, c] = dy.shape as [number, number, number, number];
  const h = hb / b;
  const w = wb / b;
  // dy[n, h*b+i, w*b+j, k] came from x[n, h, w, (i*b+j)*c + k]
  const split = tf.reshape(dy, [n, h, b, w, b, c]);
  return tf.reshape(tf.transpose(split, [0, 1, 3, 2, 4, 5]), [n, h, w, b * b * c]);
}

const depthToSpaceGrad: GradConfig = {
  kernelName: 'DepthToSpace',
  gradFunc: (dy, _saved, attrs) => {
    const { blockSize, dataFormat } = attrs as unknown as DepthToSpaceAttrs;
    const g = Array.isArray(dy) ? dy[0]! : dy;
    return { x: () => spaceToDepth(g, blockSize, dataFormat ?? 'NHWC') };
  },
};

// A comparison's output is piecewise constant: zero gradient, as tfjs has for GreaterEqual.
// LeakyReLU's and PReLU's gradients use greater(x, 0), so the gradient of a gradient (WGAN-GP's
// penalty) walks through Greater and fails without one.
const comparisonGrad = (kernelName: string): GradConfig => ({
  kernelName,
  inputsToSave: ['a', 'b'],
  gradFunc: (_dy, saved) => {
    const [a, b] = saved as [Tensor, Tensor];
    return { a: () => tf.zerosLike(a), b: () => tf.zerosLike(b) };
  },
});

const MISSING: readonly GradConfig[] = [
  depthToSpaceGrad,
  ...['Greater', 'Less', 'LessEqual', 'Equal', 'NotEqual'].map(comparisonGrad),
];

/** Kernel names whose gradients {@link registerMissingGradients} provides where tfjs has none. */
export const GRADIENTS_PROVIDED: readonly string[] = MISSING.map((g) => g.kernelName);

/**
 * Gradients tfjs 4.22 lacks on every backend that GAN training needs: DepthToSpace (sub-pixel
 * upsampling, as in SRGAN) and the comparisons (second-order gradients through LeakyReLU).
 * Gradients are global in tfjs; these only fill gaps and never replace a registered one.
 * @returns the kernel names whose gradients this call added
 */
export function registerMissingGradients(): string[] {
  const added: string[] = [];
  for (const config of MISSING) {
    if ((tf.getGradient(config.kernelName) as GradConfig | undefined) !== undefined) continue;
    tf.registerGradient(config);
    added.push(config.kernelName);
  }
  return added;
}

// Marks gankit's gradients, so that registering twice keeps tfjs' own as the fallback.
const FUSED = Symbol.for('@gankit/core/fused-activation-grad');

type Marked = GradConfig & { [FUSED]?: true };

function registerFused(
  kernelName: string,
  config: (fallback: GradConfig | undefined) => GradConfig,
  kernelGrad: GradConfig,
): string[] {
  const current = tf.getGradient(kernelName) as Marked | undefined;
  if (current?.[FUSED]) return [];
  tf.registerGradient(Object.assign(config(current), { [FUSED]: true as const }));
  tf.registerGradient(kernelGrad);
  return [kernelName, kernelGrad.kernelName];
}

/**
 * Tile's gradient as one reshape and one sum: dy viewed as [r0, s0, r1, s1, ...] (repeat,
 * size per axis) summed over the repeat axes. tfjs' own slices and adds once per repeat:
 * tfjs-layers' LayerNormalization tiles its statistics over [batch, frames, channels], and
 * the voice preset's step ran 130,000 kernels that way.
 */
const tileGrad: GradConfig = {
  kernelName: 'Tile',
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const g = (Array.isArray(dy) ? dy[0] : dy) as Tensor;
    const [x] = saved as [Tensor];
    const { reps } = attrs as unknown as TileAttrs;
    return {
      x: () => {
        const split = x.shape.flatMap((size, i) => [reps[i] ?? 1, size]);
        const repeatAxes = x.shape.map((_, i) => 2 * i);
        return tf.reshape(tf.sum(tf.reshape(g, split), repeatAxes), x.shape);
      },
    };
  },
};

/** dy reshaped to x's rank with 1 on the reduced axes (what Sum and Mean's gradients spread). */
function expandReduced(dy: Tensor, x: Tensor, axis: number | number[]): Tensor {
  const shape = x.shape.slice();
  for (const a of tf.util.parseAxisParam(axis, x.shape)) shape[a] = 1;
  return tf.reshape(dy, shape);
}

/**
 * Sum's and Mean's gradients as a broadcast (the Tile kernel) of the reduced dy. tfjs' own
 * multiply dy by a ones tensor of x's shape that it first fills in JavaScript and uploads
 * (1.5 ms a step of the demo DCGAN's batch norms); the values are the same.
 */
function spreadGrad(kernelName: 'Sum' | 'Mean'): GradConfig {
  return {
    kernelName,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const g = (Array.isArray(dy) ? dy[0] : dy) as Tensor;
      const [x] = saved as [Tensor];
      const { axis } = attrs as unknown as { axis: number | number[] };
      // Mean's dy is spread over the reduced values' count
      const count =
        kernelName === 'Sum' ? 1 : tf.util.parseAxisParam(axis, x.shape).reduce((n, a) => n * x.shape[a]!, 1);
      return {
        x: () => {
          const expanded = expandReduced(g, x, axis);
          return tf.broadcastTo(count === 1 ? expanded : tf.div(expanded, count), x.shape);
        },
      };
    },
  };
}

/** Gradients gankit replaces on every backend (same values, far fewer or cheaper kernels). */
const REPLACED: readonly GradConfig[] = [tileGrad, spreadGrad('Sum'), spreadGrad('Mean')];

/**
 * Routes LeakyRelu's and Prelu's gradients through gankit's one-pass kernels on the backends
 * that have them (tfjs' own gradients, three to seven kernels, stay the path everywhere else)
 * and registers those kernels' gradients for second-order gradients; replaces Tile's gradient
 * (one slice and add per repeat) with a reshape and a sum, and Sum's and Mean's with a
 * broadcast, on every backend.
 * @returns the kernel names whose gradients this call registered
 */
export function registerFusedGradients(): string[] {
  const replaced: string[] = [];
  for (const config of REPLACED) {
    if ((tf.getGradient(config.kernelName) as Marked | undefined)?.[FUSED]) continue;
    tf.registerGradient(Object.assign({ ...config }, { [FUSED]: true as const }));
    replaced.push(config.kernelName);
  }
  return [
    ...registerFused('LeakyRelu', leakyReluGradConfig, leakyReluGradGrad),
    ...registerFused('Prelu', preluGradConfig, preluGradGrad),
    ...replaced,
  ];
}
