import { GanError } from '@gankit/core';
import type { DataType, KernelBackend, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';

/** A typed array as the backends store numeric tensors. */
export type NumericArray = Float32Array | Int32Array | Uint8Array;

/** The arguments tfjs passes to every kernel function. */
export interface KernelArgs {
  inputs: Record<string, TensorInfo | undefined>;
  backend: object;
  attrs?: NamedAttrMap;
}

/** A kernel function as registered with tfjs, narrowed to one output. */
export type KernelImpl = (args: KernelArgs) => TensorInfo | TensorInfo[];

// The wasm backend keeps tensors on its heap; this method returns a view of one (no copy).
interface HeapBackend {
  typedArrayFromHeap(info: TensorInfo): NumericArray;
}

function isHeapBackend(backend: object): backend is HeapBackend {
  return typeof (backend as Partial<HeapBackend>).typedArrayFromHeap === 'function';
}

function arrayFor(dtype: DataType, size: number): NumericArray {
  if (dtype === 'float32') return new Float32Array(size);
  if (dtype === 'int32') return new Int32Array(size);
  if (dtype === 'bool') return new Uint8Array(size);
  throw new GanError('UNSUPPORTED', `training kernels: dtype '${dtype}' is not supported`);
}

/** Product of a shape's dimensions. */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major strides of a shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) strides[i] = strides[i + 1]! * shape[i + 1]!;
  return strides;
}

/** `input` narrowed to a present TensorInfo, or a GanError naming the kernel and the input. */
export function requireInput(kernel: string, inputs: KernelArgs['inputs'], name: string): TensorInfo {
  const info = inputs[name];
  if (info === undefined) {
    throw new GanError('INVALID_ARGUMENT', `${kernel}: input '${name}' is missing`);
  }
  return info;
}

/** A rank-4 shape, or a GanError naming the kernel and the argument. */
export function shape4(
  kernel: string,
  name: string,
  shape: readonly number[],
): [number, number, number, number] {
  if (shape.length !== 4) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${kernel}: ${name} must have rank 4, got shape [${shape.join(', ')}]`,
    );
  }
  return [shape[0]!, shape[1]!, shape[2]!, shape[3]!];
}

/**
 * One kernel invocation's workspace: runs the backend's registered kernels on raw TensorInfos,
 * makes and reads tensors, and frees every intermediate it made unless it was handed back
 * with {@link KernelScope.keep}. Kernels never go through the engine, so nothing here is
 * tracked by tfjs: what the scope does not free, leaks.
 */
export class KernelScope {
  private readonly temps: TensorInfo[] = [];

  constructor(
    readonly backend: KernelBackend,
    readonly backendName: string,
  ) {}

  /** Runs the kernel now registered as `name` on this backend; its output is a temporary. */
  run(name: string, inputs: Record<string, TensorInfo>, attrs: NamedAttrMap = {}): TensorInfo {
    const config = tf.getKernel(name, this.backendName) as tf.KernelConfig | undefined;
    if (config === undefined) {
      throw new GanError(
        'BACKEND_UNAVAILABLE',
        `training kernels: kernel '${name}' is not registered for backend '${this.backendName}'`,
      );
    }
    return this.call(config.kernelFunc as KernelImpl, inputs, attrs, name);
  }

  /** Runs a given kernel function on this backend; its output is a temporary. */
  call(
    kernel: KernelImpl,
    inputs: Record<string, TensorInfo>,
    attrs: NamedAttrMap = {},
    name = 'kernel',
  ): TensorInfo {
    const out = kernel({ inputs, backend: this.backend, attrs });
    if (Array.isArray(out)) {
      this.temps.push(...out);
      throw new GanError('UNSUPPORTED', `training kernels: ${name} returned several outputs`);
    }
    return this.track(out);
  }

  /** A float32/int32/bool tensor holding a copy of `values`; a temporary. */
  fromValues(shape: number[], dtype: DataType, values: NumericArray): TensorInfo {
    const dataId = this.backend.write(values, shape, dtype);
    return this.track({ dataId, shape, dtype });
  }

  /**
   * A new tensor whose values `fill` writes; a temporary. On wasm `fill` writes straight into
   * the heap: views taken inside `fill` (with {@link KernelScope.view}) stay valid because
   * nothing is allocated while it runs.
   */
  output(shape: number[], dtype: DataType, fill: (out: NumericArray) => void): TensorInfo {
    const size = sizeOf(shape);
    if (isHeapBackend(this.backend)) {
      const dataId = this.backend.write(null as unknown as Float32Array, shape, dtype);
      const info = this.track({ dataId, shape, dtype });
      fill(this.backend.typedArrayFromHeap(info));
      return info;
    }
    const values = arrayFor(dtype, size);
    fill(values);
    return this.fromValues(shape, dtype, values);
  }

  /**
   * The values of a numeric tensor without copying where the backend allows. On wasm the view
   * lasts only until the next allocation on the heap: take it, use it, drop it.
   */
  view(info: TensorInfo): NumericArray {
    if (isHeapBackend(this.backend)) return this.backend.typedArrayFromHeap(info);
    const values = this.backend.readSync(info.dataId);
    if (values instanceof Float32Array || values instanceof Int32Array || values instanceof Uint8Array) {
      return values;
    }
    throw new GanError('UNSUPPORTED', `training kernels: dtype '${info.dtype}' is not supported`);
  }

  /** Float32 view of a tensor (see {@link KernelScope.view}). */
  viewF32(info: TensorInfo): Float32Array {
    const v = this.view(info);
    if (!(v instanceof Float32Array)) {
      throw new GanError('UNSUPPORTED', `training kernels: expected a float32 tensor, got ${info.dtype}`);
    }
    return v;
  }

  /** Hands `info` to the caller: the scope will not free it. */
  keep(info: TensorInfo): TensorInfo {
    const i = this.temps.lastIndexOf(info);
    if (i >= 0) this.temps.splice(i, 1);
    return info;
  }

  /** Frees one temporary now (to bound memory inside a loop). */
  free(info: TensorInfo): void {
    const i = this.temps.lastIndexOf(info);
    if (i < 0) return;
    this.temps.splice(i, 1);
    this.backend.disposeData(info.dataId);
  }

  /** Frees every temporary still held. */
  dispose(): void {
    for (const info of this.temps.splice(0)) this.backend.disposeData(info.dataId);
  }

  private track(info: TensorInfo): TensorInfo {
    this.temps.push(info);
    return info;
  }
}

/**
 * Runs `body` in a fresh scope and frees its temporaries, except what `body` returns (one
 * tensor or several).
 */
export function withScope<T extends TensorInfo | TensorInfo[]>(
  backend: object,
  backendName: string,
  body: (scope: KernelScope) => T,
): T {
  const scope = new KernelScope(backend as KernelBackend, backendName);
  try {
    const out = body(scope);
    for (const info of Array.isArray(out) ? out : [out]) scope.keep(info);
    return out;
  } finally {
    scope.dispose();
  }
}

/** Copies `n` values from `src[from]` to `dst[to]`. */
export type CopyRun = (from: number, to: number, n: number) => void;

/**
 * A copier of runs from `src` to `dst`. On wasm both are views of the one heap, so a long run
 * is a copyWithin on a view of the whole heap (a memmove, no allocation); short runs are copied
 * in a loop, here and elsewhere, and long ones elsewhere with subarray() + set().
 */
export function runCopier(src: NumericArray, dst: NumericArray): CopyRun {
  const bytes = dst.BYTES_PER_ELEMENT;
  if (
    src.buffer === dst.buffer &&
    src.BYTES_PER_ELEMENT === bytes &&
    src.byteOffset % bytes === 0 &&
    dst.byteOffset % bytes === 0
  ) {
    const Ctor = dst.constructor as new (buffer: ArrayBufferLike) => NumericArray;
    const heap = new Ctor(dst.buffer);
    const s0 = src.byteOffset / bytes;
    const d0 = dst.byteOffset / bytes;
    return (from, to, n) => {
      if (n >= 16) {
        heap.copyWithin(d0 + to, s0 + from, s0 + from + n);
        return;
      }
      // a call per value costs more than the copy: a channel concat of 1-channel images
      for (let k = 0; k < n; k++) heap[d0 + to + k] = heap[s0 + from + k]!;
    };
  }
  return (from, to, n) => {
    if (n >= 32) dst.set(src.subarray(from, from + n), to);
    else for (let k = 0; k < n; k++) dst[to + k] = src[from + k]!;
  };
}
