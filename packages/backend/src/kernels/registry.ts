import { GanError } from '@gankit/core';
import type { KernelConfig } from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';
import { ADAM_UPDATE, createAdamUpdate } from './adam-update.js';
import {
  createConv2DBackpropFilter,
  createConv2DBackpropInput,
  createExplicitPaddingConv,
} from './conv2d.js';
import { createDepthwiseBackpropFilter, createDepthwiseBackpropInput } from './depthwise.js';
import { rerouteFusedOps, restoreFusedOps } from './fused-ops.js';
import { createGather } from './gather.js';
import { GRADIENTS_PROVIDED, registerFusedGradients, registerMissingGradients } from './gradients.js';
import type { KernelImpl } from './kernel-scope.js';
import { createDepthToSpace, createLeakyReluViaPrelu, createSharedIdentity, createTile } from './layout.js';
import { createLeakyReluGrad, LEAKY_RELU_GRAD } from './leaky-relu-grad.js';
import { createBatchMatMul } from './mat-mul.js';
import { createPreluGrad, PRELU_GRAD } from './prelu-grad.js';
import { createLeadingAxesReduction } from './reduce.js';
import {
  createAvgPoolGrad,
  createMaxPoolGrad,
  createResizeBilinearGrad,
  createResizeNearestNeighbor,
  createResizeNearestNeighborGrad,
} from './resize-pool.js';
import { createUnsortedSegmentSum } from './segment-sum.js';
import { createConcat, createSlice, createSplitV } from './slice.js';

/**
 * The tfjs backends gankit registers training kernels for.
 * @category Backends
 */
export type TrainingKernelBackend = 'wasm' | 'cpu';

/**
 * One training kernel gankit can register, as {@link listTrainingKernels} describes it.
 * @category Backends
 */
export interface TrainingKernelInfo {
  /** tfjs kernel name, e.g. `Conv2DBackpropFilter`. */
  kernelName: string;
  /** The backend it is registered for. */
  backend: TrainingKernelBackend;
  /** Why gankit provides it: what is missing, slow or wrong in the backend's own. */
  reason: string;
  /** Whether gankit's version is the one registered now. */
  active: boolean;
}

/**
 * What {@link registerTrainingKernels} did.
 * @category Backends
 */
export interface TrainingKernelReport {
  /** The backend the kernels were registered for. */
  backend: TrainingKernelBackend;
  /** Kernels the backend lacked that gankit now provides. */
  added: string[];
  /** Backend kernels that gankit's faster or corrected versions now replace. */
  replaced: string[];
  /**
   * Gradients registered (globally: tfjs has them per kernel, not per backend) because tfjs has
   * none, or to route LeakyRelu's through the fused kernel where a backend has it.
   */
  gradients: string[];
  /**
   * tfjs ops rerouted: `fused.conv2d` and `fused.matMul` (tfjs-layers' Conv2D and Dense) run as
   * separate ops under a gradient tape, so backprop computes only the gradients it needs.
   */
  ops: string[];
  /** False when an earlier call had already registered the kernels, so this one changed nothing. */
  changed: boolean;
}

interface KernelSpec {
  kernelName: string;
  backend: TrainingKernelBackend;
  reason: string;
  /** The kernel function, given the backend's own (if any); undefined to skip. */
  create(backendName: TrainingKernelBackend, original: KernelImpl | undefined): KernelImpl | undefined;
}

const paddingFix = (kernelName: string, depthwise: boolean): KernelSpec => ({
  kernelName,
  backend: 'wasm',
  reason:
    "passes 'same' padding as explicit pads: XNNPACK's TF-SAME mode is wrong when the total padding would be negative (e.g. kernel 2, stride 3)",
  create: (_b, original) => original && createExplicitPaddingConv(kernelName, original, depthwise),
});

const leakyReluGrad = (backend: TrainingKernelBackend): KernelSpec => ({
  kernelName: LEAKY_RELU_GRAD,
  backend,
  reason:
    "LeakyReLU's gradient in one pass over dy and x, where tfjs runs Greater, Multiply and Select (3 passes and a mask)",
  create: (b) => createLeakyReluGrad(b),
});

const preluGrad = (backend: TrainingKernelBackend): KernelSpec => ({
  kernelName: PRELU_GRAD,
  backend,
  reason:
    "PReLU's two gradients in one pass over dy and x, where tfjs runs Greater, two Selects, ZerosLike, two Multiplies and a Sum",
  create: (b) => createPreluGrad(b),
});

const adamUpdate = (backend: TrainingKernelBackend): KernelSpec => ({
  kernelName: ADAM_UPDATE,
  backend,
  reason:
    "Adam's update of one variable in one pass (gankit's optimizer calls it), where tfjs' AdamOptimizer runs 13 kernels per variable",
  create: (b) => createAdamUpdate(b),
});

const leadingAxes = (kernelName: 'Sum' | 'Mean', backend: TrainingKernelBackend): KernelSpec => ({
  kernelName,
  backend,
  reason: 'reductions over leading axes (bias and batch-norm gradients) as one ones-vector matrix product',
  create: (b, original) => original && createLeadingAxesReduction(kernelName, b, original),
});

const WASM_SPECS: readonly KernelSpec[] = [
  {
    kernelName: 'Conv2DBackpropFilter',
    backend: 'wasm',
    reason:
      'missing in tfjs-wasm: one dilated forward Conv2D of x^T with dy^T as the filter (a matrix product for few input channels)',
    create: (b, original) => createConv2DBackpropFilter(b, original),
  },
  {
    kernelName: 'Conv2DBackpropInput',
    backend: 'wasm',
    reason:
      "tfjs-wasm's is a naive loop: sub-pixel split into stride^2 small stride-1 forward convs (also conv2dTranspose's forward)",
    create: (b, original) => createConv2DBackpropInput(b, original),
  },
  paddingFix('Conv2D', false),
  paddingFix('FusedConv2D', false),
  paddingFix('DepthwiseConv2dNative', true),
  paddingFix('FusedDepthwiseConv2D', true),
  {
    kernelName: 'DepthwiseConv2dNativeBackpropFilter',
    backend: 'wasm',
    reason: 'missing in tfjs-wasm: direct JS loop (no gankit architecture uses depthwise convs yet)',
    create: (b, original) => createDepthwiseBackpropFilter(b, original),
  },
  {
    kernelName: 'DepthwiseConv2dNativeBackpropInput',
    backend: 'wasm',
    reason: 'missing in tfjs-wasm: direct JS loop (no gankit architecture uses depthwise convs yet)',
    create: (b, original) => createDepthwiseBackpropInput(b, original),
  },
  {
    kernelName: 'UnsortedSegmentSum',
    backend: 'wasm',
    reason: 'missing in tfjs-wasm: the gradient of gather (embedding layers, conditional GANs)',
    create: (b, original) => createUnsortedSegmentSum(b, original),
  },
  {
    kernelName: 'BatchMatMul',
    backend: 'wasm',
    reason:
      'tfjs-wasm runs transposed products (every dense gradient) at ~1.7 GFLOP/s: transpose first, then the XNNPACK path',
    create: (b, original) => original && createBatchMatMul(b, original),
  },
  {
    kernelName: 'MaxPoolGrad',
    backend: 'wasm',
    reason:
      "tfjs-wasm's is wrong whenever there is more than one channel (gradients through VGG's max pooling)",
    create: (b, original) => original && createMaxPoolGrad(b, original),
  },
  {
    kernelName: 'AvgPoolGrad',
    backend: 'wasm',
    reason:
      "averagePooling2d gradient for tiling windows (2x2 stride 2): a copy-upsample instead of tfjs-wasm's gather per value",
    create: (b, original) => original && createAvgPoolGrad(b, original),
  },
  {
    kernelName: 'ResizeNearestNeighbor',
    backend: 'wasm',
    reason: "upSampling2d 'nearest': a gather of whole pixels instead of tfjs-wasm's per-value loop",
    create: (b, original) => original && createResizeNearestNeighbor(b, original),
  },
  {
    kernelName: 'ResizeNearestNeighborGrad',
    backend: 'wasm',
    reason:
      "upSampling2d 'nearest' gradient: average pooling times the block area (integer factors) or a scatter-add, instead of tfjs-wasm's window search per value",
    create: (b, original) => original && createResizeNearestNeighborGrad(b, original),
  },
  {
    kernelName: 'Tile',
    backend: 'wasm',
    reason: "tfjs-wasm's Tile (used by batch norm's gradient) is ~50x slower than copying blocks in JS",
    create: (b, original) => original && createTile(b, original),
  },
  {
    kernelName: 'DepthToSpace',
    backend: 'wasm',
    reason: "tfjs-wasm's DepthToSpace (sub-pixel upsampling) is ~20x slower than copying runs in JS",
    create: (b, original) => original && createDepthToSpace(b, original),
  },
  {
    kernelName: 'LeakyRelu',
    backend: 'wasm',
    reason: "tfjs-wasm's LeakyRelu is a plain loop (~30x slower than its XNNPACK Prelu, which this calls)",
    create: (b, original) => original && createLeakyReluViaPrelu(b, original),
  },
  leakyReluGrad('wasm'),
  preluGrad('wasm'),
  adamUpdate('wasm'),
  leadingAxes('Sum', 'wasm'),
  leadingAxes('Mean', 'wasm'),
  {
    kernelName: 'Slice',
    backend: 'wasm',
    reason:
      "tfjs-wasm's Slice copies the whole input out of the heap first (GC pressure: 10-20 ms medians on MB-sized tensors)",
    create: (b, original) => original && createSlice(b, original),
  },
  {
    kernelName: 'Concat',
    backend: 'wasm',
    reason:
      "tfjs-wasm's copies every input out of the heap, then one set() per outer index and input (~10 ms for a [64, 32, 32, 2] channel concat)",
    create: (b, original) => original && createConcat(b, original),
  },
  {
    kernelName: 'SplitV',
    backend: 'wasm',
    reason: "concat's gradient; tfjs-wasm's copies the whole input once per output",
    create: (b, original) => original && createSplitV(b, original),
  },
  {
    kernelName: 'GatherV2',
    backend: 'wasm',
    reason:
      'embedding lookups and image-pool draws: one copy per row (0.04 ms for 16 rows of 3136, 2.7 ms in tfjs-wasm)',
    create: (b, original) => original && createGather(b, original),
  },
  {
    kernelName: 'Identity',
    backend: 'wasm',
    reason:
      "shares memory instead of copying; tfjs-wasm's copy trips tfjs' IS_TEST leak check in every customGrad op (dense layers)",
    create: (_b, original) => original && createSharedIdentity(original),
  },
];

const CPU_SPECS: readonly KernelSpec[] = [
  {
    kernelName: 'Conv2DBackpropFilter',
    backend: 'cpu',
    reason:
      "the cpu backend's loop order takes about a minute for one DCGAN layer: one forward Conv2D of x^T with dy^T instead",
    create: (b, original) => createConv2DBackpropFilter(b, original),
  },
  {
    kernelName: 'ResizeNearestNeighborGrad',
    backend: 'cpu',
    reason:
      "upSampling2d 'nearest' gradient: the cpu backend's is wrong (misses contributions; NaN when downsampling)",
    create: (b, original) => original && createResizeNearestNeighborGrad(b, original),
  },
  {
    kernelName: 'ResizeBilinearGrad',
    backend: 'cpu',
    reason: "upSampling2d 'bilinear' gradient: the cpu backend's has the wrong shape for non-square images",
    create: (b, original) => original && createResizeBilinearGrad(b, original),
  },
  {
    kernelName: 'Tile',
    backend: 'cpu',
    reason:
      "the cpu backend's Tile indexes every value through a TensorBuffer (~30 ms for batch norm's gradient)",
    create: (b, original) => original && createTile(b, original),
  },
  leakyReluGrad('cpu'),
  preluGrad('cpu'),
  adamUpdate('cpu'),
  leadingAxes('Sum', 'cpu'),
  leadingAxes('Mean', 'cpu'),
];

const SPECS: readonly KernelSpec[] = [...WASM_SPECS, ...CPU_SPECS];

interface BackendState {
  /** The kernel each registration replaced (undefined: the backend had none). */
  originals: Map<string, KernelConfig | undefined>;
  gradients: string[];
  ops: string[];
}

// Global, so two copies of @gankit/core (ESM and CJS builds) agree on what is registered,
// as tfjs' own registries are global.
const STATE_KEY = Symbol.for('@gankit/core/training-kernels');

function registryState(): Map<TrainingKernelBackend, BackendState> {
  const g = globalThis as { [STATE_KEY]?: Map<TrainingKernelBackend, BackendState> };
  g[STATE_KEY] ??= new Map();
  return g[STATE_KEY];
}

function currentKernel(kernelName: string, backendName: string): KernelConfig | undefined {
  return tf.getKernel(kernelName, backendName) as KernelConfig | undefined;
}

/** `backendName` as a {@link TrainingKernelBackend}, or a GanError naming `fn`. */
export function checkBackendName(fn: string, backendName: unknown): TrainingKernelBackend {
  if (backendName !== 'wasm' && backendName !== 'cpu') {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: backendName must be 'wasm' or 'cpu', got '${String(backendName)}'`,
    );
  }
  return backendName;
}

function reportOf(
  backend: TrainingKernelBackend,
  state: BackendState,
  changed: boolean,
): TrainingKernelReport {
  const added: string[] = [];
  const replaced: string[] = [];
  for (const [name, original] of state.originals) (original ? replaced : added).push(name);
  return { backend, added, replaced, gradients: [...state.gradients], ops: [...state.ops], changed };
}

/**
 * Registers gankit's training kernels for the tfjs `wasm` or `cpu` backend: the kernels a GAN
 * training step needs that the backend lacks (wasm: Conv2DBackpropFilter, UnsortedSegmentSum,
 * the depthwise gradients), faster versions of pathologically slow ones (wasm:
 * Conv2DBackpropInput, which is also conv2dTranspose's forward pass, BatchMatMul with
 * transposes, Tile, DepthToSpace, LeakyRelu, Sum/Mean, resize and pooling gradients; cpu:
 * Conv2DBackpropFilter, Tile, Sum/Mean) and corrected versions of wrong ones (wasm: MaxPoolGrad
 * with several channels, 'same'-padded forward convs; cpu: the nearest and bilinear resize
 * gradients). Each is registered for that backend only, with `tf.registerKernel`, and is
 * composed of the backend's own fast kernels (XNNPACK's forward Conv2D, BatchMatMul, Prelu and
 * AvgPool on wasm) or of JS loops over its memory; {@link listTrainingKernels} gives the
 * reason for each. Also registers the gradients tfjs lacks on every backend (DepthToSpace, and
 * the comparisons that second-order gradients through LeakyReLU walk through) and routes
 * LeakyReLU's gradient through a one-pass kernel on the backends that have it. Under a
 * gradient tape on this backend, `tf.fused.conv2d` and `tf.fused.matMul` with a linear
 * activation (tfjs-layers' Conv2D and Dense) run as a conv or matMul plus an add, so backprop
 * computes only the gradients it needs instead of the fused op's input, weight and bias
 * gradients every time. Idempotent; the replaced kernels and ops are kept and
 * {@link restoreOriginalKernels} puts them back.
 *
 * gankit calls this when it sets up a wasm or cpu backend; call it yourself when you set up
 * tfjs without gankit. The backend's package must be imported first.
 *
 * @param backendName - `'wasm'` or `'cpu'`
 * @returns which kernels were added and which replaced, and whether this call changed anything
 * @throws GanError `INVALID_ARGUMENT` for another backend name; `BACKEND_UNAVAILABLE` when the
 *   backend's kernels are not registered (its package was not imported)
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import '@tensorflow/tfjs-backend-wasm';
 * import { registerTrainingKernels } from '@gankit/backend';
 * await tf.setBackend('wasm');
 * const report = registerTrainingKernels('wasm');
 * console.log(`added ${report.added.join(', ')}; replaced ${report.replaced.join(', ')}`);
 * ```
 * @category Backends
 */
export function registerTrainingKernels(backendName: TrainingKernelBackend): TrainingKernelReport {
  const backend = checkBackendName('registerTrainingKernels', backendName);
  const states = registryState();
  const existing = states.get(backend);
  if (existing) return reportOf(backend, existing, false);
  if (currentKernel('Conv2D', backend) === undefined) {
    const pkg = `@tensorflow/tfjs-backend-${backend}`;
    throw new GanError(
      'BACKEND_UNAVAILABLE',
      `registerTrainingKernels: the '${backend}' backend's kernels are not registered; import '${pkg}' first`,
    );
  }
  const state: BackendState = { originals: new Map(), gradients: [], ops: [] };
  for (const spec of SPECS) {
    if (spec.backend !== backend) continue;
    const original = currentKernel(spec.kernelName, backend);
    const kernelFunc = spec.create(backend, original?.kernelFunc as KernelImpl | undefined);
    if (kernelFunc === undefined) continue;
    if (original) tf.unregisterKernel(spec.kernelName, backend);
    const config: KernelConfig = { kernelName: spec.kernelName, backendName: backend, kernelFunc };
    // The wasm kernels we wrap bind their wasm functions in setupFunc, which tfjs runs on
    // setBackend for the kernels registered then: keep theirs on ours.
    if (original?.setupFunc) config.setupFunc = original.setupFunc;
    if (original?.disposeFunc) config.disposeFunc = original.disposeFunc;
    tf.registerKernel(config);
    state.originals.set(spec.kernelName, original);
  }
  state.gradients = [...registerMissingGradients(), ...registerFusedGradients()];
  state.ops = rerouteFusedOps(backend);
  states.set(backend, state);
  return reportOf(backend, state, true);
}

/**
 * Puts back the backend's own kernels that {@link registerTrainingKernels} replaced and
 * removes the ones it added; tfjs' own `tf.fused` ops come back once no backend has gankit's
 * kernels. Gradients it added stay (they replace nothing). A no-op when
 * nothing is registered.
 *
 * @param backendName - `'wasm'` or `'cpu'`
 * @returns the kernel names restored or removed
 * @throws GanError `INVALID_ARGUMENT` for another backend name
 * @example
 * ```ts
 * import { registerTrainingKernels, restoreOriginalKernels } from '@gankit/backend';
 * registerTrainingKernels('cpu');
 * restoreOriginalKernels('cpu'); // the cpu backend's own Conv2DBackpropFilter again
 * ```
 * @category Backends
 */
export function restoreOriginalKernels(backendName: TrainingKernelBackend): string[] {
  const backend = checkBackendName('restoreOriginalKernels', backendName);
  const states = registryState();
  const state = states.get(backend);
  if (!state) return [];
  for (const [name, original] of state.originals) {
    if (currentKernel(name, backend) !== undefined) tf.unregisterKernel(name, backend);
    if (original) tf.registerKernel(original);
  }
  restoreFusedOps(backend);
  states.delete(backend);
  return [...state.originals.keys()];
}

/**
 * The backend's own kernel for `kernelName`, as registered before gankit replaced it (or as
 * registered now, if gankit did not); undefined where the backend has none. Useful for
 * comparing against the reference kernels.
 *
 * @param kernelName - a tfjs kernel name, e.g. `Conv2DBackpropFilter`
 * @param backendName - `'wasm'` or `'cpu'`
 * @returns the original kernel config, or undefined
 * @throws GanError `INVALID_ARGUMENT` for another backend name
 * @example
 * ```ts
 * import { getOriginalKernel } from '@gankit/backend';
 * const cpuFilterGrad = getOriginalKernel('Conv2DBackpropFilter', 'cpu');
 * console.log(cpuFilterGrad !== undefined);
 * ```
 * @category Backends
 */
export function getOriginalKernel(
  kernelName: string,
  backendName: TrainingKernelBackend,
): KernelConfig | undefined {
  const backend = checkBackendName('getOriginalKernel', backendName);
  const state = registryState().get(backend);
  if (state?.originals.has(kernelName)) return state.originals.get(kernelName);
  return currentKernel(kernelName, backend);
}

/**
 * Every training kernel gankit can register, per backend, with the reason and whether it is
 * registered now.
 *
 * @returns one entry per kernel and backend
 * @example
 * ```ts
 * import { listTrainingKernels } from '@gankit/backend';
 * for (const k of listTrainingKernels()) console.log(`${k.backend} ${k.kernelName}: ${k.reason}`);
 * ```
 * @category Backends
 */
export function listTrainingKernels(): TrainingKernelInfo[] {
  const states = registryState();
  return SPECS.map((spec) => ({
    kernelName: spec.kernelName,
    backend: spec.backend,
    reason: spec.reason,
    active: states.get(spec.backend)?.originals.has(spec.kernelName) ?? false,
  }));
}

/**
 * Formats a {@link TrainingKernelReport} as the lines gankit prints at start-up (for
 * `setupBackend`'s `onCpuBackendReady` hook).
 *
 * @param report - what {@link registerTrainingKernels} returned
 * @returns human-readable lines, one per category that is not empty
 * @example
 * ```ts
 * import { formatTrainingKernelReport, registerTrainingKernels } from '@gankit/backend';
 * console.log(formatTrainingKernelReport(registerTrainingKernels('cpu')).join('\n'));
 * ```
 * @category Backends
 */
export function formatTrainingKernelReport(report: TrainingKernelReport): string[] {
  const lines: string[] = [];
  const again = report.changed ? '' : ' (already registered)';
  if (report.added.length > 0) {
    lines.push(`training kernels (${report.backend}): added ${report.added.join(', ')}${again}`);
  }
  if (report.replaced.length > 0) {
    lines.push(`training kernels (${report.backend}): faster or fixed ${report.replaced.join(', ')}${again}`);
  }
  if (report.gradients.length > 0) lines.push(`gradients added: ${report.gradients.join(', ')}`);
  if (report.ops.length > 0) {
    lines.push(`ops unfused under a gradient tape (${report.backend}): ${report.ops.join(', ')}`);
  }
  return lines;
}

/**
 * Kernel names whose gradients gankit registers when tfjs has none.
 * @category Backends
 */
export const TRAINING_GRADIENTS: readonly string[] = GRADIENTS_PROVIDED;
