// Shared by this folder's tests: parity runs of one kernel on the cpu backend's original
// implementation and on a backend with gankit's kernels registered. Not part of the API.

import type { DataType, KernelBackend, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';
import { getOriginalKernel } from './registry.js';

/** A kernel input given by value, so that every backend gets the same numbers. */
export interface InputSpec {
  shape: number[];
  values: Float32Array | Int32Array;
  dtype?: DataType;
}

/** One kernel call: name, inputs by value, attributes. */
export interface KernelCall {
  label: string;
  kernelName: string;
  inputs: Record<string, InputSpec | InputSpec[]>;
  attrs: NamedAttrMap;
}

/** A kernel output read back: shape and values. */
export interface Output {
  shape: number[];
  values: Float32Array | Int32Array | Uint8Array;
}

/** Deterministic values in [-scale, scale], independent of any backend's random kernels. */
export function seeded(shape: readonly number[], seed: number, scale = 1): InputSpec {
  const n = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(n);
  let s = (seed * 2654435761) >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    values[i] = ((s / 2 ** 32) * 2 - 1) * scale;
  }
  return { shape: [...shape], values };
}

/** The same values as a tensor on the active backend. */
export function tensorOf(spec: InputSpec): tf.Tensor {
  return tf.tensor(
    spec.values,
    spec.shape,
    spec.dtype ?? (spec.values instanceof Int32Array ? 'int32' : 'float32'),
  );
}

function makeInputs(call: KernelCall): {
  inputs: Record<string, tf.Tensor | tf.Tensor[]>;
  all: tf.Tensor[];
} {
  const all: tf.Tensor[] = [];
  const inputs: Record<string, tf.Tensor | tf.Tensor[]> = {};
  for (const [name, spec] of Object.entries(call.inputs)) {
    if (Array.isArray(spec)) {
      inputs[name] = spec.map(tensorOf);
      all.push(...(inputs[name] as tf.Tensor[]));
    } else {
      const t = tensorOf(spec);
      inputs[name] = t;
      all.push(t);
    }
  }
  return { inputs, all };
}

function readOut(backend: KernelBackend, infos: TensorInfo[]): Output[] {
  return infos.map((info) => {
    const values = backend.readSync(info.dataId) as Float32Array | Int32Array | Uint8Array;
    return { shape: [...info.shape], values: values.slice() };
  });
}

/**
 * Runs the cpu backend's ORIGINAL kernel (as tfjs registered it, even while gankit's is
 * registered) on `call`. The cpu backend must be active.
 */
export function runOriginalCpu(call: KernelCall): Output[] {
  const config = getOriginalKernel(call.kernelName, 'cpu');
  if (!config) throw new Error(`the cpu backend has no ${call.kernelName} kernel`);
  const backend = tf.backend();
  const { inputs, all } = makeInputs(call);
  // Concat and Pack take a list of tensors as their inputs
  const kernelInputs = (Array.isArray(inputs.list) ? inputs.list : inputs) as never;
  const out = config.kernelFunc({ inputs: kernelInputs, backend, attrs: call.attrs });
  const infos = Array.isArray(out) ? out : [out];
  const result = readOut(backend, infos);
  for (const info of infos) backend.disposeData(info.dataId);
  for (const t of all) t.dispose();
  return result;
}

/** Runs the kernel registered now for the active backend through the engine. */
export function runRegistered(call: KernelCall): Output[] {
  const { inputs, all } = makeInputs(call);
  const kernelInputs = (Array.isArray(inputs.list) ? inputs.list : inputs) as never;
  const out = tf.engine().runKernel(call.kernelName, kernelInputs, call.attrs) as tf.Tensor | tf.Tensor[];
  const tensors = Array.isArray(out) ? out : [out];
  const result = tensors.map((t) => ({
    shape: [...t.shape],
    values: t.dataSync().slice() as Output['values'],
  }));
  for (const t of [...tensors, ...all]) t.dispose();
  return result;
}

/** max |got - want| / max |want| (plain max |got - want| where want is all zeros). */
export function relativeError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  if (got.length !== want.length) return Number.POSITIVE_INFINITY;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    diff = Math.max(diff, Math.abs(got[i]! - want[i]!));
    scale = Math.max(scale, Math.abs(want[i]!));
  }
  if (Number.isNaN(diff)) return Number.POSITIVE_INFINITY;
  return scale === 0 ? diff : diff / scale;
}

/** Worst relative error over several outputs; Infinity if any shape differs. */
export function worstError(got: Output[], want: Output[]): number {
  if (got.length !== want.length) return Number.POSITIVE_INFINITY;
  let worst = 0;
  got.forEach((g, i) => {
    const w = want[i]!;
    if (g.shape.join() !== w.shape.join()) worst = Number.POSITIVE_INFINITY;
    else worst = Math.max(worst, relativeError(g.values, w.values));
  });
  return worst;
}

/** tensors and backend data ids alive now (our kernels bypass the engine, so check both). */
export function liveCounts(): { tensors: number; dataIds: number } {
  return { tensors: tf.memory().numTensors, dataIds: tf.engine().backend.numDataIds() };
}

/** An NHWC shape or a [kh,kw,Ci,Co] filter shape. */
export type Shape4 = [number, number, number, number];
export type Pad =
  | 'same'
  | 'valid'
  | number
  | [[number, number], [number, number], [number, number], [number, number]];

const SHAPES: Array<[Shape4, Shape4]> = [
  // x [N,H,W,Ci], filter [kh,kw,Ci,Co]
  [
    [1, 5, 5, 1],
    [3, 3, 1, 2],
  ],
  [
    [2, 7, 6, 3],
    [3, 2, 3, 4],
  ],
  [
    [3, 9, 9, 2],
    [2, 2, 2, 3],
  ],
  [
    [2, 8, 8, 5],
    [4, 4, 5, 7],
  ],
  [
    [1, 6, 7, 16],
    [5, 5, 16, 8],
  ],
  [
    [2, 4, 5, 128],
    [3, 3, 128, 16],
  ],
  [
    [2, 5, 5, 24],
    [4, 4, 24, 128],
  ],
  [
    [1, 10, 11, 3],
    [1, 1, 3, 4],
  ],
];
const STRIDES: Array<number | [number, number]> = [1, 2, 3, [1, 2], [2, 3]];
const PADS: Pad[] = [
  'same',
  'valid',
  1,
  [
    [0, 0],
    [1, 2],
    [2, 0],
    [0, 0],
  ],
];

function outSize(size: number, k: number, s: number, pad: Pad, before: number, after: number): number {
  if (pad === 'same') return Math.ceil(size / s);
  if (pad === 'valid') return Math.ceil((size - k + 1) / s);
  return Math.floor((size + before + after - k) / s) + 1;
}

/** Both values of two flags (transposeA and transposeB, ...): [a, b] for every combination. */
export const FLAG_PAIRS: ReadonlyArray<readonly [boolean, boolean]> = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
];

/** One convolution of the parity grid. */
export interface ConvCase {
  label: string;
  x: Shape4;
  filter: Shape4;
  strides: number | [number, number];
  pad: Pad;
  dy: Shape4;
}

/**
 * The convolution parity grid: odd sizes, batch 1, strides 1-3 (equal and not), 'same',
 * 'valid', explicit and numeric padding, 1..128 channels.
 */
export function convCases(): ConvCase[] {
  const cases: ConvCase[] = [];
  for (const [x, filter] of SHAPES) {
    for (const strides of STRIDES) {
      const [sh, sw] = typeof strides === 'number' ? [strides, strides] : strides;
      for (const pad of PADS) {
        // tfjs computes numeric padding's output size from the height's stride and filter size
        // alone; stay where that is right
        if (typeof pad === 'number' && (sh !== sw || filter[0] !== filter[1])) continue;
        const [t, b] = typeof pad === 'object' ? pad[1] : [pad, pad];
        const [l, r] = typeof pad === 'object' ? pad[2] : [pad, pad];
        const ho = outSize(x[1], filter[0], sh, pad, Number(t), Number(b));
        const wo = outSize(x[2], filter[1], sw, pad, Number(l), Number(r));
        if (ho < 1 || wo < 1) continue;
        cases.push({
          label: `x[${x}] f[${filter}] s${strides} ${JSON.stringify(pad)}`,
          x,
          filter,
          strides,
          pad,
          dy: [x[0], ho, wo, filter[3]],
        });
      }
    }
  }
  return cases;
}

/** The filter and input gradient calls of one grid case. */
export function gradCalls(c: ConvCase, seed: number): KernelCall[] {
  const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC' } as NamedAttrMap;
  return [
    {
      label: `Conv2DBackpropFilter ${c.label}`,
      kernelName: 'Conv2DBackpropFilter',
      inputs: { x: seeded(c.x, seed), dy: seeded(c.dy, seed + 1) },
      attrs: { ...attrs, filterShape: c.filter },
    },
    {
      label: `Conv2DBackpropInput ${c.label}`,
      kernelName: 'Conv2DBackpropInput',
      inputs: { dy: seeded(c.dy, seed + 1), filter: seeded(c.filter, seed + 2) },
      attrs: { ...attrs, inputShape: c.x },
    },
  ];
}
