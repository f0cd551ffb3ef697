import { convFlops } from './flops.js';
import { type TfCore, tf } from './tf.js';
import { median, repsFor } from './timing.js';

/** One kernel measurement. */
export interface KernelResult {
  kernel: string;
  /** The DCGAN layer(s) this shape belongs to. */
  where: string;
  shape: string;
  ms: number;
  gflops: number;
  reps: number;
}

interface Case {
  kernel: 'Conv2D' | 'Conv2DBackpropFilter' | 'Conv2DBackpropInput';
  where: string;
  /** Low-resolution side [n, h, w, c] of the strided conv, filter [k, k, ci, co]. */
  x: [number, number, number, number];
  filter: [number, number, number, number];
}

// The three conv kernels of a DCGAN step at both of its conv shapes (stride 2, 'same', k4):
// Conv2DBackpropInput is both conv2dTranspose (G forward) and conv2d's input gradient (D backward).
const CASES: Case[] = [
  { kernel: 'Conv2D', where: 'D conv2 forward', x: [64, 14, 14, 64], filter: [4, 4, 64, 128] },
  {
    kernel: 'Conv2DBackpropFilter',
    where: 'D conv2 dW, G convT1 dW',
    x: [64, 14, 14, 64],
    filter: [4, 4, 64, 128],
  },
  {
    kernel: 'Conv2DBackpropInput',
    where: 'G convT1 forward, D conv2 dx',
    x: [64, 14, 14, 64],
    filter: [4, 4, 64, 128],
  },
  { kernel: 'Conv2D', where: 'D conv1 forward', x: [64, 28, 28, 1], filter: [4, 4, 1, 64] },
  {
    kernel: 'Conv2DBackpropFilter',
    where: 'D conv1 dW, G convT2 dW',
    x: [64, 28, 28, 1],
    filter: [4, 4, 1, 64],
  },
  {
    kernel: 'Conv2DBackpropInput',
    where: 'G convT2 forward, D conv1 dx',
    x: [64, 28, 28, 1],
    filter: [4, 4, 1, 64],
  },
];

function run(c: Case, x: TfCore.Tensor4D, f: TfCore.Tensor4D, dy: TfCore.Tensor4D): TfCore.Tensor {
  switch (c.kernel) {
    case 'Conv2D':
      return tf.conv2d(x, f, 2, 'same');
    case 'Conv2DBackpropFilter':
      return tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, {
        strides: [2, 2],
        pad: 'same',
        dataFormat: 'NHWC',
        filterShape: c.filter,
      } as unknown as TfCore.NamedAttrMap) as TfCore.Tensor;
    case 'Conv2DBackpropInput':
      return tf.conv2dTranspose(dy, f, c.x, 2, 'same');
  }
}

/**
 * Times each conv kernel at the DCGAN's shapes on the active backend, on fresh inputs for
 * every call: one untimed call, then the median over at least `minReps` calls (more when fast,
 * within `budgetMs` per kernel), read back with `await data()`.
 */
export async function benchKernels(budgetMs: number, minReps: number): Promise<KernelResult[]> {
  const out: KernelResult[] = [];
  for (const c of CASES) {
    const [n, h, w, ci] = c.x;
    const [k, , , co] = c.filter;
    const ho = Math.ceil(h / 2);
    const wo = Math.ceil(w / 2);
    const x = tf.randomNormal(c.x, 0, 1, 'float32', 1) as TfCore.Tensor4D;
    const f = tf.randomNormal(c.filter, 0, 0.05, 'float32', 2) as TfCore.Tensor4D;
    const dy = tf.randomNormal([n, ho, wo, co], 0, 1, 'float32', 3) as TfCore.Tensor4D;
    // Every call gets inputs it has not seen, as in training, where each step brings a new dy
    // and Adam gives every filter a new buffer: tfjs-wasm caches XNNPACK operators (and their
    // packed weights) per input buffer, so reusing one set of inputs would time cached calls.
    const call = async () => {
      const inputs = tf.tidy(() => [x, f, dy].map((t) => tf.add(t, 0)) as TfCore.Tensor4D[]);
      const t0 = performance.now();
      const y = run(c, inputs[0]!, inputs[1]!, inputs[2]!);
      await y.data();
      const ms = performance.now() - t0;
      tf.dispose([y, ...inputs]);
      return ms;
    };
    try {
      // the first call is untimed (kernel set-up); slow backends then get only minReps calls
      const first = await call();
      const reps = repsFor(first, budgetMs, minReps, 30);
      const times: number[] = [];
      for (let i = 0; i < reps; i++) times.push(await call());
      const ms = median(times);
      out.push({
        kernel: c.kernel,
        where: c.where,
        shape: `x[${c.x.join(',')}] f[${c.filter.join(',')}] s2`,
        ms,
        gflops: convFlops(n, ho, wo, k, ci, co) / ms / 1e6,
        reps,
      });
    } catch (e) {
      out.push({
        kernel: c.kernel,
        where: `${c.where} (failed: ${String(e).split('\n')[0]})`,
        shape: `x[${c.x.join(',')}] f[${c.filter.join(',')}] s2`,
        ms: Number.NaN,
        gflops: Number.NaN,
        reps: 0,
      });
    } finally {
      tf.dispose([x, f, dy]);
    }
  }
  return out;
}
