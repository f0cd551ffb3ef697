import * as tf from '@tensorflow/tfjs-core';
import {
  type DawnModule,
  describeAdapter,
  findWebgpuAdapter,
  type GpuDeviceLike,
  type WebgpuAdapterSummary,
  type WebgpuOptions,
} from './adapter.js';

// The tfjs `webgpu` backend on an adapter gankit chose. tfjs-backend-webgpu registers its own
// backend only if navigator.gpu exists when it is imported, and then asks that object for an
// adapter with no feature level, which Dawn's OpenGL ES backend (the software path on Linux)
// refuses. So gankit imports it without navigator.gpu (its kernels register either way), picks
// the adapter itself and registers a backend built on that adapter's device.

const TFJS_PKG = '@tensorflow/tfjs-backend-webgpu';

/** The WebGPUBackend class of tfjs-backend-webgpu, as gankit uses it. */
type WebgpuBackendClass = new (device: GpuDeviceLike, adapterInfo: unknown) => tf.KernelBackend;

/** What gankit set up: one device for the life of the process. */
interface ActiveWebgpu {
  summary: WebgpuAdapterSummary;
  tried: string[];
  env: string[];
  backend: tf.KernelBackend;
}

let active: ActiveWebgpu | null = null;

/** How a webgpu attempt went, in setupBackend's terms. */
export interface WebgpuAttempt {
  ok: boolean;
  reason: string;
  details?: string[];
  adapter?: WebgpuAdapterSummary;
}

/**
 * The adapter the tfjs `webgpu` backend runs on, once `setupBackend` has set it up (null
 * before, or when the backend was set up outside gankit).
 *
 * @returns the adapter summary, or null
 * @example
 * ```ts
 * import { webgpuAdapter } from '@gankit/backend';
 * const adapter = webgpuAdapter();
 * if (adapter) console.log(adapter.device, adapter.software ? '(software)' : '');
 * ```
 * @category Backends
 */
export function webgpuAdapter(): WebgpuAdapterSummary | null {
  return active?.summary ?? null;
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';
}

function notInstalled(e: unknown): boolean {
  const code = (e as { code?: string }).code;
  return (
    code === 'ERR_MODULE_NOT_FOUND' ||
    code === 'MODULE_NOT_FOUND' ||
    /Cannot find (module|package)|Could not resolve/.test(firstLine(e))
  );
}

/** The fix for every "unavailable" message: what to install. */
export const WEBGPU_INSTALL_HINT =
  'install the npm packages webgpu and @tensorflow/tfjs-backend-webgpu, and a driver: for a GPU its ' +
  'Vulkan driver and the Vulkan loader (Debian: libvulkan1), for a software adapter Mesa ' +
  '(Debian: libegl1 libegl-dev libegl-mesa0 libgl1-mesa-dri)';

/** Makes navigator.gpu what tfjs-backend-webgpu checks for; Node 20 has no navigator at all. */
function exposeGpu(gpu: unknown): void {
  const g = globalThis as { navigator?: { gpu?: unknown } };
  if (g.navigator === undefined) {
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  } else if (!g.navigator.gpu) {
    Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true, writable: true });
  }
}

/** GPUBufferUsage, GPUMapMode and the other WebGPU globals tfjs-backend-webgpu reads. */
function installGlobals(globals: Record<string, unknown>): void {
  const g = globalThis as Record<string, unknown>;
  for (const [name, value] of Object.entries(globals)) if (g[name] === undefined) g[name] = value;
}

function details(a: ActiveWebgpu): string[] {
  const s = a.summary;
  const lines = [
    `webgpu adapter: ${describeAdapter(s)}; vendor '${s.vendor || 'n/a'}', architecture '${s.architecture || 'n/a'}'`,
    `  fallback adapter: ${s.isFallbackAdapter ? 'yes' : 'no'}; software: ${s.software ? `yes (${s.softwareReason})` : 'no (a GPU)'}`,
    `  Dawn backend: ${s.dawnBackend} (feature level ${s.featureLevel}${a.env.length ? `; ${a.env.join(', ')}` : ''})`,
  ];
  for (const t of a.tried) lines.push(`  Dawn backend tried first: ${t}`);
  return lines;
}

function attemptOf(a: ActiveWebgpu): WebgpuAttempt {
  const s = a.summary;
  return {
    ok: true,
    reason: s.software
      ? `software WebGPU adapter ${describeAdapter(s)} through Dawn's ${s.dawnBackend} backend: it computes on the CPU, slower than wasm`
      : `hardware WebGPU adapter ${describeAdapter(s)} through Dawn's ${s.dawnBackend} backend`,
    details: details(a),
    adapter: s,
  };
}

/**
 * Sets up the tfjs `webgpu` backend on a Dawn adapter and makes it active. With
 * `allowSoftware` false (what `auto` asks), a software adapter is skipped with the reason.
 * The device is created once per process; later calls reuse it.
 */
export async function tryWebgpu(options: {
  allowSoftware: boolean;
  webgpu?: WebgpuOptions;
}): Promise<WebgpuAttempt> {
  if (active) {
    if (active.summary.software && !options.allowSoftware) {
      return {
        ok: false,
        reason: `the webgpu backend set up earlier runs on a software adapter ${describeAdapter(active.summary)}, which auto does not use`,
      };
    }
    if (!(await tf.setBackend('webgpu'))) {
      return { ok: false, reason: "tf.setBackend('webgpu') failed on the device set up earlier" };
    }
    return attemptOf(active);
  }
  let dawn: DawnModule;
  try {
    // literal specifiers, so that bundlers (the GPU benchmark's bundle) can resolve them
    dawn = (await import('webgpu')) as unknown as DawnModule;
  } catch (e) {
    return {
      ok: false,
      reason: notInstalled(e)
        ? `the webgpu package (Dawn for Node) is not installed; ${WEBGPU_INSTALL_HINT}`
        : `the webgpu package (Dawn for Node) failed to load: ${firstLine(e)}; ${WEBGPU_INSTALL_HINT}`,
    };
  }
  let WebGPUBackend: WebgpuBackendClass;
  try {
    WebGPUBackend = (
      (await import('@tensorflow/tfjs-backend-webgpu')) as unknown as { WebGPUBackend: WebgpuBackendClass }
    ).WebGPUBackend;
  } catch (e) {
    return {
      ok: false,
      reason: notInstalled(e)
        ? `${TFJS_PKG} is not installed; ${WEBGPU_INSTALL_HINT}`
        : `${TFJS_PKG} failed to load: ${firstLine(e)}`,
    };
  }
  if (tf.findBackend('webgpu')) {
    // made by tfjs' own factory (navigator.gpu existed when tfjs-backend-webgpu was imported)
    return {
      ok: false,
      reason:
        'a webgpu backend was already initialised outside gankit, on an adapter gankit cannot vouch for',
    };
  }
  const found = await findWebgpuAdapter(dawn, { ...options.webgpu, allowSoftware: options.allowSoftware });
  if (!found.ok) {
    return {
      ok: false,
      reason: options.allowSoftware
        ? `${found.reason}; to fix: ${WEBGPU_INSTALL_HINT}`
        : `${found.reason}; auto uses only a GPU adapter (backend 'webgpu' accepts a software one)`,
    };
  }
  const { adapter } = found;
  // the limits tfjs' own factory asks for: without them a device gets WebGPU's small defaults
  const limits = adapter.limits;
  const wanted = [
    'maxComputeWorkgroupStorageSize',
    'maxComputeWorkgroupsPerDimension',
    'maxStorageBufferBindingSize',
    'maxBufferSize',
    'maxComputeWorkgroupSizeX',
    'maxComputeInvocationsPerWorkgroup',
  ];
  const requiredLimits: Record<string, number> = {};
  for (const name of wanted) if (typeof limits[name] === 'number') requiredLimits[name] = limits[name];
  let backend: tf.KernelBackend;
  try {
    const device = await adapter.requestDevice({
      requiredFeatures: adapter.features.has('timestamp-query') ? ['timestamp-query'] : [],
      requiredLimits,
    });
    installGlobals(dawn.globals);
    exposeGpu(found.gpu);
    backend = new WebGPUBackend(device, adapter.info ?? {});
  } catch (e) {
    return { ok: false, reason: `the WebGPU device could not be created: ${firstLine(e)}` };
  }
  // tfjs' own factory exists only where navigator.gpu existed at import (a browser, Deno)
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', () => backend, 0);
  if (!(await tf.setBackend('webgpu'))) {
    return { ok: false, reason: "tf.setBackend('webgpu') failed on the new device" };
  }
  active = { summary: found.summary, tried: found.tried, env: found.env, backend };
  return attemptOf(active);
}
