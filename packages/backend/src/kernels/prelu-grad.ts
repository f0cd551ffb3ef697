import type { GradConfig, Tensor } from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';
import { type KernelArgs, type KernelImpl, requireInput, withScope } from './kernel-scope.js';

/**
 * gankit's one-pass PReLU gradient for a slope per channel (the last axis) or one shared slope.
 * Inputs `dy`, `x` (same shape) and `alpha` (C values, or 1); outputs `dx` = dy where x > 0,
 * alpha * dy elsewhere, and `dalpha` (alpha's shape) = the sum of dy * x where x <= 0.
 */
export const PRELU_GRAD = 'GankitPreluGrad';

/**
 * The fused kernel. On wasm, with a slope per channel, through the backend's vectorised kernels:
 * dx = dy * Prelu(Step(x, -1), -alpha) (1 where x > 0, alpha elsewhere) and dalpha = the sum
 * over rows of dy * (x - Relu(x)); 3.5 ms for SRGAN's 16x48x48x32 PReLU where tfjs' gradient
 * (Greater, two Selects, ZerosLike, two Multiplies and a Sum) takes ~22 ms and a JS loop 11 ms.
 * Elsewhere: one JS loop over dy and x.
 */
export function createPreluGrad(backendName: string): KernelImpl {
  return (args: KernelArgs) => {
    const dy = requireInput(PRELU_GRAD, args.inputs, 'dy');
    const x = requireInput(PRELU_GRAD, args.inputs, 'x');
    const alpha = requireInput(PRELU_GRAD, args.inputs, 'alpha');
    const slopes = alpha.shape.reduce((a, b) => a * b, 1);
    if (backendName === 'wasm' && slopes > 1) {
      return withScope(args.backend, backendName, (scope) => {
        const sign = scope.run('Step', { x }, { alpha: -1 });
        const factor = scope.run('Prelu', { x: sign, alpha: scope.run('Neg', { x: alpha }) });
        const dx = scope.run('Multiply', { a: dy, b: factor });
        const negativePart = scope.run('Sub', { a: x, b: scope.run('Relu', { x }) });
        const terms = scope.run('Multiply', { a: dy, b: negativePart });
        const rows = scope.run('Reshape', { x: terms }, { shape: [-1, slopes] });
        const sums = scope.run('Sum', { x: rows }, { axis: [0], keepDims: false });
        return [dx, scope.run('Reshape', { x: sums }, { shape: alpha.shape.slice() })];
      });
    }
    const sums = new Float64Array(slopes);
    return withScope(args.backend, backendName, (scope) => {
      const dx = scope.output(dy.shape.slice(), 'float32', (values) => {
        // views taken here stay valid: nothing is allocated while this runs
        const out = values as Float32Array;
        const g = scope.viewF32(dy);
        const v = scope.viewF32(x);
        const a = scope.viewF32(alpha);
        // x > 0 read off x's bits as an int32 (see leaky-relu-grad.ts): no branch on random signs
        const bits = new Int32Array(v.buffer, v.byteOffset, v.length);
        const n = out.length;
        if (slopes === 1) {
          const s = a[0]!;
          let sum = 0;
          for (let i = 0; i < n; i++) {
            const negative = +(bits[i]! <= 0);
            out[i] = g[i]! * (negative * s + 1 - negative);
            sum += negative * g[i]! * v[i]!;
          }
          sums[0] = sum;
          return;
        }
        for (let row = 0; row < n; row += slopes) {
          for (let c = 0; c < slopes; c++) {
            const i = row + c;
            const negative = +(bits[i]! <= 0);
            out[i] = g[i]! * (negative * a[c]! + 1 - negative);
            sums[c]! += negative * g[i]! * v[i]!;
          }
        }
      });
      const dalpha = scope.fromValues(alpha.shape.slice(), 'float32', Float32Array.from(sums));
      return [dx, dalpha];
    });
  };
}

/** Whether alpha has one slope per value of x's last axis (leading axes of 1), or one slope. */
function slopesPerChannel(x: Tensor, alpha: Tensor): boolean {
  if (alpha.size === 1) return true;
  const channels = x.shape.at(-1);
  return alpha.shape.at(-1) === channels && alpha.size === channels && alpha.rank <= x.rank;
}

function hasFusedKernel(dy: Tensor, x: Tensor, alpha: Tensor): boolean {
  return (
    dy.dtype === 'float32' &&
    x.dtype === 'float32' &&
    alpha.dtype === 'float32' &&
    tf.util.arraysEqual(dy.shape, x.shape) &&
    slopesPerChannel(x, alpha) &&
    tf.getKernel(PRELU_GRAD, tf.getBackend()) !== undefined
  );
}

function fusedGrad(dy: Tensor, x: Tensor, alpha: Tensor): [Tensor, Tensor] {
  return tf.engine().runKernel(PRELU_GRAD, { dy, x, alpha }, {}) as unknown as [Tensor, Tensor];
}

/**
 * Prelu's gradient through the fused kernel where the active backend has it and alpha has one
 * slope per channel, else through `fallback` (tfjs' own gradient, captured when this was
 * registered). Both gradients come from one kernel call.
 */
export function preluGradConfig(fallback: GradConfig | undefined): GradConfig {
  return {
    kernelName: 'Prelu',
    inputsToSave: ['x', 'alpha'],
    gradFunc: (dy, saved, attrs) => {
      const g = (Array.isArray(dy) ? dy[0] : dy) as Tensor;
      const [x, alpha] = saved as [Tensor, Tensor];
      if (hasFusedKernel(g, x, alpha)) {
        // run now, not inside the closures: tfjs runs each closure in a tidy of its own, which
        // would dispose the other output (the gradient pass's own tidy frees an unused one)
        const [dx, dalpha] = fusedGrad(g, x, alpha);
        return { x: () => dx, alpha: () => dalpha };
      }
      if (fallback) return fallback.gradFunc(dy, saved, attrs);
      const mask = tf.greater(x, 0);
      return {
        x: () => tf.where(mask, g, tf.mul(g, alpha)),
        alpha: () => {
          const res = tf.where(mask, tf.zerosLike(g), tf.mul(g, x));
          const axes = tf.backend_util.getReductionAxes(alpha.shape, g.shape);
          return tf.reshape(axes.length > 0 ? tf.sum(res, axes) : res, alpha.shape);
        },
      };
    },
  };
}

/**
 * The fused kernel's own gradient (second-order gradients through PReLU). With m = 1 where
 * x > 0: dx = (m + (1 - m) alpha) dy is linear in dy and alpha; dalpha = sum((1 - m) dy x).
 */
export const preluGradGrad: GradConfig = {
  kernelName: PRELU_GRAD,
  inputsToSave: ['dy', 'x', 'alpha'],
  gradFunc: (upstream, saved) => {
    const [gx, galpha] = (Array.isArray(upstream) ? upstream : [upstream]) as [
      Tensor | undefined,
      Tensor | undefined,
    ];
    const [dy, x, alpha] = saved as [Tensor, Tensor, Tensor];
    const negative = () => tf.cast(tf.lessEqual(x, 0), 'float32');
    // galpha broadcast back over x's shape (alpha's shape broadcasts against x's)
    const spread = () => (galpha ? tf.reshape(galpha, alpha.shape) : tf.zerosLike(alpha));
    return {
      dy: () => {
        const viaDx = gx
          ? tf.mul(gx, tf.add(tf.sub(1, negative()), tf.mul(negative(), alpha)))
          : tf.zerosLike(dy);
        return tf.add(viaDx, tf.mul(tf.mul(negative(), x), spread()));
      },
      x: () => tf.mul(tf.mul(negative(), dy), spread()),
      alpha: () => {
        if (!gx) return tf.zerosLike(alpha);
        const res = tf.mul(tf.mul(negative(), dy), gx);
        const axes = tf.backend_util.getReductionAxes(alpha.shape, dy.shape);
        return tf.reshape(axes.length > 0 ? tf.sum(res, axes) : res, alpha.shape);
      },
    };
  },
};
