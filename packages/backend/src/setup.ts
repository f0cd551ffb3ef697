import { GanError } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';
import { registerMissingGradients } from './kernels/gradients.js';
import { registerTrainingKernels } from './kernels/index.js';
import { disableNativeKernels, enableNativeKernels } from './native/index.js';
import { MALLOC_TUNING, mallocTuned } from './native/malloc.js';
import { enableWasmThreads } from './threads/index.js';
import type { WebgpuAdapterSummary, WebgpuOptions } from './webgpu/adapter.js';
import { tryWebgpu } from './webgpu/backend.js';
import { registerWebgpuKernels } from './webgpu/kernels.js';

/**
 * Which compute backend to run on. `auto` tries, in order: `tensorflow-gpu` (tfjs-node-gpu,
 * CUDA), `tensorflow` (tfjs-node, native libtensorflow), `webgpu` (tfjs-backend-webgpu on
 * Dawn, the `webgpu` npm package; under `auto` only on a hardware adapter), `wasm` (XNNPACK +
 * SIMD with gankit's training kernels) and `cpu` (pure JavaScript).
 * @category Backends
 */
export type BackendChoice = 'auto' | 'tensorflow-gpu' | 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';

/** The concrete backends `auto` chooses between, fastest first. @category Backends */
export const BACKEND_PREFERENCE = ['tensorflow-gpu', 'tensorflow', 'webgpu', 'wasm', 'cpu'] as const;

/** Every value {@link setupBackend} accepts. @category Backends */
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', ...BACKEND_PREFERENCE];

/**
 * What {@link setupBackend} chose, why, and why each faster backend was skipped.
 * @category Backends
 */
export interface BackendReport {
  /** What the caller asked for. */
  requested: BackendChoice;
  /** The gankit name of the backend now active. */
  chosen: Exclude<BackendChoice, 'auto'>;
  /** tfjs' own name for it (`tensorflow`, `webgpu`, `wasm`, `cpu`). */
  tfjsBackend: string;
  /** One sentence on why this backend was chosen. */
  reason: string;
  /** Faster backends that were tried first, each with the reason it was not used. */
  skipped: { backend: Exclude<BackendChoice, 'auto'>; reason: string }[];
  /** Extra facts worth printing (SIMD, threads, kernels registered, the WebGPU adapter). */
  details: string[];
  /** The WebGPU adapter, when the chosen backend is `webgpu`. */
  adapter?: WebgpuAdapterSummary;
}

/**
 * Options of {@link setupBackend}.
 * @category Backends
 */
export interface SetupBackendOptions {
  /** Backend to use (default `auto`). */
  backend?: BackendChoice;
  /**
   * Register gankit's training kernels when the wasm, cpu or webgpu backend is chosen (default
   * true): without them wasm cannot train convolutions, cpu takes about a minute per conv
   * gradient, and webgpu's resize gradients ignore halfPixelCenters.
   */
  trainingKernels?: boolean;
  /**
   * CPU threads (default: every core, at most 8). With native kernels (see `nativeKernels`)
   * they are onnxruntime's, and the wasm build stays single-threaded so that its worker does
   * not compete with them; without, gankit starts tfjs' threaded SIMD wasm build on
   * node:worker_threads with this many threads (1 keeps the single-threaded build).
   */
  threads?: number;
  /**
   * Which Dawn backends the `webgpu` backend tries, and the power preference. A software
   * adapter (llvmpipe, SwiftShader, ...) is used only when `webgpu` is asked for by name.
   */
  webgpu?: WebgpuOptions;
  /**
   * Run the convolutions of the wasm and cpu backends on onnxruntime-node's native CPU kernels
   * ({@link enableNativeKernels}): `'auto'` (default) on wasm when onnxruntime-node is
   * installed (the cpu backend stays the pure-JS reference), `true` to require them on either,
   * `false` for tfjs' own and gankit's kernels only. Unset, the environment variable
   * `GANKIT_NATIVE_KERNELS` (`0`/`off` or `1`/`on`) decides, so the CLI can be told too.
   */
  nativeKernels?: boolean | 'auto';
}

interface Attempt {
  ok: boolean;
  reason: string;
  /** The backend's package could not be imported because it is not installed. */
  notInstalled?: boolean;
  details?: string[];
  adapter?: WebgpuAdapterSummary;
}

/**
 * How setupBackend loads the optional packages. Tests replace it to act out a machine where
 * some are missing; not exported from the package.
 * @internal
 */
export interface SetupSeams {
  /** `import(specifier)`. */
  importModule: (specifier: string) => Promise<unknown>;
}

const defaultSeams: SetupSeams = {
  // literal specifiers where setup.ts always had them, so that bundlers (the GPU benchmark's
  // bundle) still see and resolve them; the native TensorFlow packages were never literal
  importModule: (specifier) => {
    switch (specifier) {
      case '@tensorflow/tfjs-backend-wasm':
        return import('@tensorflow/tfjs-backend-wasm');
      case '@tensorflow/tfjs-backend-cpu':
        return import('@tensorflow/tfjs-backend-cpu');
      case 'onnxruntime-node':
        return import('onnxruntime-node');
      default:
        return import(specifier);
    }
  },
};

/** The portable backends, and the command that installs them. */
const PORTABLE_INSTALL = 'npm i @tensorflow/tfjs-backend-wasm @tensorflow/tfjs-backend-cpu';

/**
 * Installs onnxruntime-node from the npm registry alone: without the variable its postinstall
 * downloads CUDA files from outside the registry, and npm drops the package when that fails.
 */
const ONNXRUNTIME_INSTALL = 'ONNXRUNTIME_NODE_INSTALL=skip npm i onnxruntime-node';

const NATIVE_KERNELS_NOT_INSTALLED = `native kernels: off (onnxruntime-node is not installed; installing it makes the convolutions ~2x faster: ${ONNXRUNTIME_INSTALL})`;

/** Whether a failed import failed because the package is not installed. */
function isNotInstalled(e: unknown): boolean {
  const code = (e as { code?: string }).code;
  const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
  return (
    code === 'ERR_MODULE_NOT_FOUND' ||
    code === 'MODULE_NOT_FOUND' ||
    /Cannot find (module|package)|Could not resolve/.test(String(msg))
  );
}

// Native backends register themselves on import; a failed import means "not installed" or
// "libtensorflow missing", and both are reasons to move on, not to crash.
async function tryNative(pkg: string, tfjsName: string, seams: SetupSeams): Promise<Attempt> {
  try {
    await seams.importModule(pkg);
  } catch (e) {
    const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
    const notInstalled = isNotInstalled(e);
    return {
      ok: false,
      notInstalled,
      reason: notInstalled
        ? `${pkg} is not installed (optional: it downloads libtensorflow at install time)`
        : `${pkg} failed to load: ${msg}`,
    };
  }
  if (!(await tf.setBackend(tfjsName)))
    return { ok: false, reason: `${pkg} loaded but tf.setBackend('${tfjsName}') failed` };
  return { ok: true, reason: `${pkg} is installed and its native backend initialised` };
}

/** What is asked of native kernels: the option, else the environment, else auto. */
function nativeKernelsWanted(options: SetupBackendOptions): boolean | 'auto' {
  return options.nativeKernels ?? nativeKernelsFromEnv() ?? 'auto';
}

/** Whether native kernels will run on `backend`: wanted and onnxruntime-node importable. */
async function nativeKernelsExpected(
  backend: 'wasm' | 'cpu',
  options: SetupBackendOptions,
  seams: SetupSeams,
): Promise<boolean> {
  const want = nativeKernelsWanted(options);
  if (want === false || (want === 'auto' && backend === 'cpu')) return false;
  try {
    await seams.importModule('onnxruntime-node');
    return true;
  } catch {
    return false;
  }
}

async function tryWasm(options: SetupBackendOptions, seams: SetupSeams): Promise<Attempt> {
  // With native kernels the heavy kernels run on onnxruntime's threads; a threaded wasm
  // build's worker would compete with them for the cores (a DCGAN step: 97-105 ms with
  // single-threaded wasm against 109-122 ms threaded), and its shared heap must be copied
  // out before onnxruntime can read it.
  const native = await nativeKernelsExpected('wasm', options, seams);
  const threads = native ? 1 : options.threads;
  try {
    await seams.importModule('@tensorflow/tfjs-backend-wasm');
  } catch (e) {
    return {
      ok: false,
      notInstalled: isNotInstalled(e),
      reason: `@tensorflow/tfjs-backend-wasm is not installed (${String(e).split('\n')[0]})`,
    };
  }
  try {
    // starts the threaded build where it can, the ordinary one otherwise, and says which
    const report = await enableWasmThreads(threads === undefined ? {} : { threads });
    const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
    const why = native && report.threads === 1 ? 'native kernels use the cores' : report.reason;
    return {
      ok: true,
      reason: 'no native TensorFlow is installed; wasm (XNNPACK) is the fastest CPU backend available',
      details: [`wasm SIMD: ${simd ? 'yes' : 'no'}; threads: ${report.threads} (${why})`, ...report.details],
    };
  } catch (e) {
    return {
      ok: false,
      reason: `the wasm backend failed to initialise: ${e instanceof Error ? e.message : String(e)}`,
    };
  }
}

/** GANKIT_NATIVE_KERNELS=0|1 (off|on, false|true): the default for tools such as the CLI. */
function nativeKernelsFromEnv(): boolean | undefined {
  const v = typeof process === 'undefined' ? undefined : process.env.GANKIT_NATIVE_KERNELS?.toLowerCase();
  if (v === '0' || v === 'off' || v === 'false') return false;
  if (v === '1' || v === 'on' || v === 'true') return true;
  return undefined;
}

/** Enables native kernels as `options.nativeKernels` asks; returns the report line. */
async function setupNativeKernels(
  backend: 'wasm' | 'cpu',
  options: SetupBackendOptions,
  seams: SetupSeams,
): Promise<string> {
  const want = nativeKernelsWanted(options);
  if (want === false) {
    disableNativeKernels(backend);
    return `native kernels: off (${options.nativeKernels === false ? 'nativeKernels: false' : 'GANKIT_NATIVE_KERNELS'})`;
  }
  if (want === 'auto' && backend === 'cpu') {
    disableNativeKernels(backend);
    return "native kernels: off (the cpu backend keeps tfjs' own math as the reference unless nativeKernels is true)";
  }
  if (want === 'auto' && !(await onnxruntimeInstalled(seams))) {
    disableNativeKernels(backend);
    return NATIVE_KERNELS_NOT_INSTALLED;
  }
  try {
    const r = await enableNativeKernels(
      backend,
      options.threads === undefined ? {} : { threads: options.threads },
    );
    const line = `native kernels: onnxruntime-node ${r.version} (MLAS), ${r.threads} threads, for ${r.kernels.join(', ')}`;
    return mallocTuned()
      ? line
      : `${line}; tip: start node with ${Object.entries(MALLOC_TUNING)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')} (~15% faster steps; the gankit CLI does)`;
  } catch (e) {
    if (want === true) {
      throw new GanError('BACKEND_UNAVAILABLE', `setupBackend: ${(e as Error).message}`, { cause: e });
    }
    // loadNativeRuntime wraps the failed import in a GanError
    return isNotInstalled((e as GanError).cause ?? e)
      ? NATIVE_KERNELS_NOT_INSTALLED
      : `native kernels: off (${(e as Error).message})`;
  }
}

/** False only when onnxruntime-node is not installed (a failure to load is reported later). */
async function onnxruntimeInstalled(seams: SetupSeams): Promise<boolean> {
  try {
    await seams.importModule('onnxruntime-node');
    return true;
  } catch (e) {
    return !isNotInstalled(e);
  }
}

async function tryCpu(_options: SetupBackendOptions, seams: SetupSeams): Promise<Attempt> {
  try {
    await seams.importModule('@tensorflow/tfjs-backend-cpu');
  } catch (e) {
    const notInstalled = isNotInstalled(e);
    const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
    return {
      ok: false,
      notInstalled,
      reason: notInstalled
        ? `@tensorflow/tfjs-backend-cpu is not installed (${PORTABLE_INSTALL})`
        : `@tensorflow/tfjs-backend-cpu failed to load: ${msg}`,
    };
  }
  if (!(await tf.setBackend('cpu'))) return { ok: false, reason: 'the cpu backend failed to initialise' };
  // tfjs' cpu backend prints a banner on its first tensor in Node that points at tfjs-node,
  // which cannot install offline; the report's own line (and the warning for auto) says what
  // is slow and what to install instead
  const cpu = tf.backend() as { firstUse?: boolean };
  if (cpu.firstUse === true) cpu.firstUse = false;
  return { ok: true, reason: 'pure-JavaScript backend: always available, slowest' };
}

/**
 * The warning when `auto` ends on the pure-JS cpu backend: what to install, and what it costs
 * not to (a small conv net: ~87 s per training step on cpu against well under a second on
 * wasm with native kernels).
 */
async function cpuFallbackWarning(seams: SetupSeams): Promise<string> {
  const onnx = (await onnxruntimeInstalled(seams))
    ? ''
    : `, and onnxruntime-node for the native kernels (${ONNXRUNTIME_INSTALL})`;
  return (
    'warning: only the pure-JavaScript cpu backend is available; it trains convolutional nets ~100x ' +
    'slower than wasm with native kernels (tens of seconds per step for a small conv net); for speed install ' +
    `@tensorflow/tfjs-backend-wasm (npm i @tensorflow/tfjs-backend-wasm)${onnx}`
  );
}

/** The error when `auto` found no backend at all: what is missing and the command to fix it. */
function noBackendError(skipped: BackendReport['skipped'], missing: Set<string>): GanError {
  const portableMissing = missing.has('wasm') && missing.has('cpu');
  const nativeMissing = missing.has('tensorflow-gpu') && missing.has('tensorflow');
  if (portableMissing && nativeMissing) {
    return new GanError(
      'BACKEND_UNAVAILABLE',
      'setupBackend: no tfjs backend package is installed: neither @tensorflow/tfjs-backend-wasm nor ' +
        '@tensorflow/tfjs-backend-cpu can be imported, and there is no @tensorflow/tfjs-node; ' +
        `install them with: ${PORTABLE_INSTALL}`,
    );
  }
  return new GanError(
    'BACKEND_UNAVAILABLE',
    `setupBackend: no backend could be initialised (${skipped
      .map((s) => `${s.backend}: ${s.reason}`)
      .join('; ')}); the portable ones install with: ${PORTABLE_INSTALL}`,
  );
}

type AttemptFn = (options: SetupBackendOptions, seams: SetupSeams) => Promise<Attempt>;

const attempts: Record<Exclude<BackendChoice, 'auto'>, AttemptFn> = {
  'tensorflow-gpu': (_options, seams) => tryNative('@tensorflow/tfjs-node-gpu', 'tensorflow', seams),
  tensorflow: (_options, seams) => tryNative('@tensorflow/tfjs-node', 'tensorflow', seams),
  webgpu: (options) =>
    tryWebgpu({
      allowSoftware: options.backend === 'webgpu',
      ...(options.webgpu === undefined ? {} : { webgpu: options.webgpu }),
    }),
  wasm: tryWasm,
  cpu: tryCpu,
};

const tfjsNames: Record<Exclude<BackendChoice, 'auto'>, string> = {
  'tensorflow-gpu': 'tensorflow',
  tensorflow: 'tensorflow',
  webgpu: 'webgpu',
  wasm: 'wasm',
  cpu: 'cpu',
};

/**
 * Makes a tfjs backend active and says which and why. With `auto`, faster backends are tried
 * first and each one skipped is listed with its reason; a named backend that cannot start is
 * a `BACKEND_UNAVAILABLE` GanError.
 *
 * @param options - the backend to use and a hook run once a wasm/cpu backend is active
 * @returns the report of what was chosen and why
 * @throws GanError `INVALID_ARGUMENT` for an unknown backend name, `BACKEND_UNAVAILABLE` when a named backend cannot start, or when `auto` finds none (naming the packages to install)
 * @example
 * ```ts
 * import { setupBackend } from '@gankit/backend';
 * const report = await setupBackend({ backend: 'cpu' });
 * console.log(report.chosen, '-', report.reason);
 * ```
 * @category Backends
 */
export async function setupBackend(options: SetupBackendOptions = {}): Promise<BackendReport> {
  return setupBackendWith(defaultSeams, options);
}

/**
 * {@link setupBackend} with its package loader replaced (tests act out missing packages with
 * it); not exported from the package.
 * @internal
 */
export async function setupBackendWith(
  seams: SetupSeams,
  options: SetupBackendOptions = {},
): Promise<BackendReport> {
  const requested = options.backend ?? 'auto';
  if (!BACKEND_CHOICES.includes(requested)) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `setupBackend: backend must be one of ${BACKEND_CHOICES.join(', ')}, got '${String(requested)}'`,
    );
  }
  const order = requested === 'auto' ? BACKEND_PREFERENCE : [requested];
  const skipped: BackendReport['skipped'] = [];
  const missing = new Set<string>();
  for (const name of order) {
    const attempt = await attempts[name](options, seams);
    if (!attempt.ok) {
      if (requested !== 'auto') {
        throw new GanError(
          'BACKEND_UNAVAILABLE',
          `setupBackend: backend '${name}' is unavailable: ${attempt.reason}`,
        );
      }
      skipped.push({ backend: name, reason: attempt.reason });
      if (attempt.notInstalled) missing.add(name);
      continue;
    }
    await tf.ready();
    const details = [...(attempt.details ?? [])];
    const tfjsBackend = tfjsNames[name];
    if (tfjsBackend === 'webgpu' && options.trainingKernels !== false) {
      const added = registerWebgpuKernels();
      const gradients = registerMissingGradients();
      if (added.length || gradients.length) {
        details.push(
          `gankit kernels for webgpu: replaced ${added.join(', ') || 'none'} (tfjs' own ignore halfPixelCenters); ` +
            `gradients added: ${gradients.join(', ') || 'none'}`,
        );
      }
    }
    if ((tfjsBackend === 'wasm' || tfjsBackend === 'cpu') && options.trainingKernels !== false) {
      const kernels = registerTrainingKernels(tfjsBackend);
      const n = kernels.added.length + kernels.replaced.length;
      details.push(
        `gankit training kernels: ${n} registered for ${tfjsBackend} (added ${kernels.added.join(', ') || 'none'}; replaced ${kernels.replaced.join(', ') || 'none'})` +
          (kernels.ops.length > 0 ? `; ${kernels.ops.join(', ')} unfused under a gradient tape` : ''),
      );
      details.push(await setupNativeKernels(tfjsBackend, options, seams));
    }
    if (requested === 'auto' && name === 'cpu') details.push(await cpuFallbackWarning(seams));
    return {
      requested,
      chosen: name,
      tfjsBackend,
      reason: requested === 'auto' ? attempt.reason : `requested explicitly; ${attempt.reason}`,
      skipped,
      details,
      ...(attempt.adapter === undefined ? {} : { adapter: attempt.adapter }),
    };
  }
  // only when not even @tensorflow/tfjs-backend-cpu could be imported
  throw noBackendError(skipped, missing);
}

/**
 * Formats a {@link BackendReport} as the lines gankit prints at start-up.
 * @param report - the report from {@link setupBackend}
 * @returns human-readable lines
 * @example
 * ```ts
 * import { formatBackendReport, setupBackend } from '@gankit/backend';
 * console.log(formatBackendReport(await setupBackend({ backend: 'cpu' })).join('\n'));
 * ```
 * @category Backends
 */
export function formatBackendReport(report: BackendReport): string[] {
  const lines = [`backend: ${report.chosen} (${report.reason})`];
  for (const s of report.skipped) lines.push(`  skipped ${s.backend}: ${s.reason}`);
  for (const d of report.details) lines.push(`  ${d}`);
  return lines;
}
