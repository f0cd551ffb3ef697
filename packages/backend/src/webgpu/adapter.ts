import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// WebGPU adapters in Node through Dawn, the `webgpu` npm package (dawn.node): which Dawn
// backends to try, the adapter each one offers, whether that adapter is a GPU or a software
// rasteriser, and, when there is none, the likely reason. The `webgpu` package is optional and
// loaded on demand; these structural types cover the few parts of its API gankit uses, so that
// neither the build nor its declarations need @webgpu/types.

/**
 * A Dawn backend: the native graphics API that Dawn implements WebGPU on. `vulkan`, `metal`,
 * `d3d12` give full (core) WebGPU on a GPU; `opengles` and `opengl` give WebGPU's compatibility
 * feature level, enough for tfjs, and on Linux are how Mesa's software rasteriser (llvmpipe)
 * is reached without a GPU.
 * @category Backends
 */
export type DawnBackendType = 'vulkan' | 'metal' | 'd3d12' | 'd3d11' | 'opengles' | 'opengl';

/** Every Dawn backend name {@link WebgpuOptions.dawnBackends} accepts. @category Backends */
export const DAWN_BACKENDS: readonly DawnBackendType[] = [
  'vulkan',
  'metal',
  'd3d12',
  'd3d11',
  'opengles',
  'opengl',
];

/**
 * Options of the `webgpu` backend, given to `setupBackend` as `webgpu`.
 * @category Backends
 */
export interface WebgpuOptions {
  /**
   * Dawn backends to try, in order; the first that offers an acceptable adapter is used.
   * Default: Linux `['vulkan', 'opengles']`, macOS `['metal']`, Windows `['d3d12', 'vulkan']`.
   */
  dawnBackends?: readonly DawnBackendType[];
  /** Which adapter to ask for where there are several (default `high-performance`). */
  powerPreference?: 'high-performance' | 'low-power';
}

/**
 * The WebGPU adapter gankit runs on: what Dawn says about it, and whether it is a software
 * rasteriser (which `auto` never uses).
 * @category Backends
 */
export interface WebgpuAdapterSummary {
  /** GPUAdapterInfo.vendor (empty where the driver does not say). */
  vendor: string;
  /** GPUAdapterInfo.architecture (empty where the driver does not say). */
  architecture: string;
  /** GPUAdapterInfo.device: the device name (Dawn puts the renderer string here). */
  device: string;
  /** GPUAdapterInfo.description: the driver's description. */
  description: string;
  /** GPUAdapterInfo.isFallbackAdapter: the browser-style fallback flag. */
  isFallbackAdapter: boolean;
  /** Whether the adapter computes on the CPU (fallback flag, or a software rasteriser's name). */
  software: boolean;
  /** Why it counts as software, e.g. `its device names llvmpipe`; absent for a GPU. */
  softwareReason?: string;
  /** The Dawn backend that offered it. */
  dawnBackend: DawnBackendType;
  /** The WebGPU feature level it was requested at. */
  featureLevel: 'core' | 'compatibility';
}

/** The fields of GPUAdapterInfo gankit reads (any object with them will do). @category Backends */
export interface AdapterInfoLike {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}

/** The parts of GPUAdapter gankit uses. */
export interface GpuAdapterLike {
  readonly info?: AdapterInfoLike;
  readonly isFallbackAdapter?: boolean;
  readonly features: { has(name: string): boolean };
  readonly limits: Record<string, number>;
  requestDevice(descriptor?: {
    requiredFeatures?: string[];
    requiredLimits?: Record<string, number>;
  }): Promise<GpuDeviceLike>;
}

/** The parts of GPUDevice gankit uses. */
export interface GpuDeviceLike {
  readonly lost: Promise<{ reason?: string; message?: string }>;
  destroy(): void;
}

/** The GPU object of dawn.node (navigator.gpu's counterpart). */
export interface GpuLike {
  requestAdapter(options?: {
    powerPreference?: string;
    featureLevel?: string;
  }): Promise<GpuAdapterLike | null>;
}

/** The `webgpu` npm package's exports. */
export interface DawnModule {
  create(flags: string[]): GpuLike;
  globals: Record<string, unknown>;
}

/** A software rasteriser's name in adapter info, matched case-insensitively. */
const SOFTWARE_NAMES: readonly [RegExp, string][] = [
  [/llvmpipe/i, 'llvmpipe'],
  [/lavapipe/i, 'lavapipe'],
  [/swiftshader/i, 'SwiftShader'],
  [/softpipe/i, 'softpipe'],
  [/microsoft basic render/i, 'Microsoft Basic Render Driver (WARP)'],
];

/**
 * Why an adapter is a software rasteriser, or null for a GPU: the fallback flag, or a vendor,
 * architecture, device or description naming llvmpipe, lavapipe, SwiftShader, softpipe or WARP.
 * (Mesa's lavapipe reports its device as llvmpipe; the OpenGL ES path reports llvmpipe with
 * `isFallbackAdapter` false, so the name is what gives it away.)
 *
 * @param info - the adapter's GPUAdapterInfo (or the same fields)
 * @param fallbackFlag - GPUAdapter.isFallbackAdapter where the implementation has the older flag
 * @returns a short reason such as `its device names llvmpipe`, or null for a hardware adapter
 * @example
 * ```ts
 * import { softwareAdapterReason } from '@gankit/backend';
 * softwareAdapterReason({ vendor: 'google', architecture: 'swiftshader' }); // 'its architecture names SwiftShader'
 * softwareAdapterReason({ vendor: 'nvidia', device: 'NVIDIA H100 80GB HBM3' }); // null
 * ```
 * @category Backends
 */
export function softwareAdapterReason(info: AdapterInfoLike, fallbackFlag = false): string | null {
  if (info.isFallbackAdapter || fallbackFlag) return 'it is a fallback adapter (isFallbackAdapter)';
  for (const field of ['device', 'description', 'architecture', 'vendor'] as const) {
    const text = info[field] ?? '';
    for (const [pattern, name] of SOFTWARE_NAMES) {
      if (pattern.test(text)) return `its ${field} names ${name}`;
    }
  }
  return null;
}

/** The Dawn backends worth trying on this platform, best first. */
export function defaultDawnBackends(platform: NodeJS.Platform = process.platform): DawnBackendType[] {
  if (platform === 'darwin') return ['metal'];
  if (platform === 'win32') return ['d3d12', 'vulkan'];
  return ['vulkan', 'opengles'];
}

/**
 * GPU device nodes on Linux: DRM render nodes (Mesa and AMD/Intel drivers), NVIDIA's device
 * files, WSL2's /dev/dxg. A machine with none of them has no hardware adapter to offer.
 */
export function gpuDeviceNodes(dev = '/dev'): string[] {
  const found: string[] = [];
  try {
    for (const name of readdirSync(join(dev, 'dri'))) {
      if (name.startsWith('renderD')) found.push(join(dev, 'dri', name));
    }
  } catch {}
  try {
    for (const name of readdirSync(dev)) {
      if (/^nvidia\d+$/.test(name) || name === 'dxg') found.push(join(dev, name));
    }
  } catch {}
  return found;
}

/**
 * Whether the dynamic loader can find a shared library by this exact name: the directories
 * of LD_LIBRARY_PATH, the loader cache (/etc/ld.so.cache) and the usual library folders.
 * Only used to explain a missing adapter, never to decide.
 */
export function sharedLibraryFound(name: string): boolean {
  const dirs = [
    ...(process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean),
    `/usr/lib/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu`,
    '/usr/lib64',
    '/usr/lib',
    '/lib64',
    '/lib',
  ];
  if (dirs.some((d) => existsSync(join(d, name)))) return true;
  try {
    return readFileSync('/etc/ld.so.cache').includes(Buffer.from(`\0${name}\0`));
  } catch {
    return false;
  }
}

const FEATURE_LEVEL: Record<DawnBackendType, 'core' | 'compatibility'> = {
  vulkan: 'core',
  metal: 'core',
  d3d12: 'core',
  d3d11: 'compatibility',
  opengles: 'compatibility',
  opengl: 'compatibility',
};

/** What the missing pieces probably are when a Dawn backend offered no adapter (Linux only). */
function whyNoAdapter(backend: DawnBackendType): string {
  if (process.platform !== 'linux') return `Dawn's ${backend} backend offered no adapter`;
  if (backend === 'vulkan') {
    return sharedLibraryFound('libvulkan.so.1')
      ? 'no Vulkan driver offered an adapter Dawn accepts (no GPU driver, or only an old lavapipe)'
      : 'libvulkan.so.1 (the Vulkan loader, Debian package libvulkan1) was not found';
  }
  if (backend === 'opengles' || backend === 'opengl') {
    if (!sharedLibraryFound('libEGL.so')) {
      return 'libEGL.so, which Dawn loads by that unversioned name, was not found (Debian packages libegl1 and libegl-dev)';
    }
    return "EGL offered no usable display (Mesa's EGL and DRI drivers: libegl-mesa0, libgl1-mesa-dri)";
  }
  return `Dawn's ${backend} backend is not available on Linux`;
}

/** What {@link findWebgpuAdapter} was asked for. */
export interface FindAdapterOptions extends WebgpuOptions {
  /** Accept a software adapter (llvmpipe and the like). */
  allowSoftware: boolean;
  /**
   * On Linux, give up at once when no GPU device node exists and software adapters are not
   * allowed (default true): that saves loading Dawn's drivers and its warnings on stderr.
   */
  checkDeviceNodes?: boolean;
}

/** An adapter and the Dawn instance that owns it. */
export interface FoundAdapter {
  ok: true;
  gpu: GpuLike;
  adapter: GpuAdapterLike;
  summary: WebgpuAdapterSummary;
  /** One line per Dawn backend tried before this one, with what it offered. */
  tried: string[];
  /** Environment set for Dawn, e.g. `EGL_PLATFORM=surfaceless`. */
  env: string[];
}

/** No acceptable adapter: why, per Dawn backend tried. */
export interface NoAdapter {
  ok: false;
  reason: string;
  tried: string[];
}

/**
 * Asks each Dawn backend in turn for an adapter and returns the first acceptable one: any
 * adapter when software is allowed, only a GPU otherwise. For Dawn's OpenGL backends on Linux,
 * sets `EGL_PLATFORM=surfaceless` when EGL_PLATFORM is unset (no display server needed) and
 * removes it again when that backend offers nothing.
 */
export async function findWebgpuAdapter(
  dawn: DawnModule,
  options: FindAdapterOptions,
): Promise<FoundAdapter | NoAdapter> {
  const backends = options.dawnBackends ?? defaultDawnBackends();
  if (!options.allowSoftware && options.checkDeviceNodes !== false && process.platform === 'linux') {
    if (gpuDeviceNodes().length === 0) {
      return {
        ok: false,
        reason:
          'no GPU device node (/dev/dri/renderD*, /dev/nvidia*, /dev/dxg) exists here, so Dawn could offer only a software adapter',
        tried: [],
      };
    }
  }
  const tried: string[] = [];
  for (const backend of backends) {
    const featureLevel = FEATURE_LEVEL[backend];
    const env: string[] = [];
    const gl = backend === 'opengles' || backend === 'opengl';
    if (gl && process.platform === 'linux' && process.env.EGL_PLATFORM === undefined) {
      process.env.EGL_PLATFORM = 'surfaceless';
      env.push('EGL_PLATFORM=surfaceless');
    }
    let adapter: GpuAdapterLike | null = null;
    let gpu: GpuLike | null = null;
    try {
      gpu = dawn.create([`backend=${backend}`]);
      adapter = await gpu.requestAdapter({
        powerPreference: options.powerPreference ?? 'high-performance',
        ...(featureLevel === 'compatibility' ? { featureLevel } : {}),
      });
    } catch (e) {
      tried.push(`${backend}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
    }
    if (!adapter || !gpu) {
      if (env.length) delete process.env.EGL_PLATFORM;
      if (tried.length === 0 || !tried[tried.length - 1]!.startsWith(`${backend}:`)) {
        tried.push(`${backend}: no adapter (${whyNoAdapter(backend)})`);
      }
      continue;
    }
    const info = adapter.info ?? {};
    const softwareReason = softwareAdapterReason(info, adapter.isFallbackAdapter === true);
    const summary: WebgpuAdapterSummary = {
      vendor: info.vendor ?? '',
      architecture: info.architecture ?? '',
      device: info.device ?? '',
      description: info.description ?? '',
      isFallbackAdapter: info.isFallbackAdapter === true || adapter.isFallbackAdapter === true,
      software: softwareReason !== null,
      dawnBackend: backend,
      featureLevel,
      ...(softwareReason === null ? {} : { softwareReason }),
    };
    if (summary.software && !options.allowSoftware) {
      if (env.length) delete process.env.EGL_PLATFORM;
      tried.push(`${backend}: software adapter ${describeAdapter(summary)} skipped (${softwareReason})`);
      continue;
    }
    return { ok: true, gpu, adapter, summary, tried, env };
  }
  const what = options.allowSoftware ? 'no WebGPU adapter' : 'no hardware WebGPU adapter';
  return { ok: false, reason: `${what} (Dawn backends tried: ${tried.join('; ')})`, tried };
}

/** `'llvmpipe-llvm-15-0-6-256-bits-' (OpenGL version OpenGL ES 3.2 Mesa 22.3.6)` and the like. */
export function describeAdapter(s: WebgpuAdapterSummary): string {
  const name = s.device || [s.vendor, s.architecture].filter(Boolean).join(' ') || 'unnamed';
  return s.description ? `'${name}' (${s.description})` : `'${name}'`;
}
