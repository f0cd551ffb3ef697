// Picks the fastest tfjs backend this browser has, and says why the faster ones were skipped.
import { registerTrainingKernels } from '@gankit/backend/kernels';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

/** The backends the page can run on, fastest first. */
export const BACKENDS = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

/** The backend in use, and why each faster one was not. */
export interface BackendChoice {
  name: BackendName;
  /** e.g. `webgpu: no adapter`. */
  skipped: string[];
}

/** What the page reads of a WebGPU adapter (lib.dom's types lag behind the spec). */
interface AdapterInfo {
  vendor?: string;
  architecture?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}
type Gpu = { requestAdapter(): Promise<{ info?: AdapterInfo; isFallbackAdapter?: boolean } | null> };

/** Software rasterizers: they run tfjs' shaders slower than the wasm backend. */
const SOFTWARE = /swiftshader|llvmpipe|lavapipe|software/i;

/**
 * Why WebGPU should not be used here, or undefined when it should. A software adapter
 * (SwiftShader, llvmpipe) is used only when asked for by name.
 */
async function webgpuProblem(allowSoftware: boolean): Promise<string | undefined> {
  const gpu = (navigator as Navigator & { gpu?: Gpu }).gpu;
  if (!gpu) return 'not in this browser';
  let adapter: Awaited<ReturnType<Gpu['requestAdapter']>>;
  try {
    adapter = await gpu.requestAdapter();
  } catch (e) {
    return `no adapter (${(e as Error).message})`;
  }
  if (!adapter) return 'no adapter';
  const info = adapter.info ?? {};
  const name = [info.vendor, info.architecture, info.description].filter(Boolean).join(' ');
  const software = info.isFallbackAdapter || adapter.isFallbackAdapter || SOFTWARE.test(name);
  if (software && !allowSoftware) return `software adapter (${name || 'fallback'})`;
  // the backend is 280 kB: fetched only where WebGPU runs
  await import('@tensorflow/tfjs-backend-webgpu');
  return undefined;
}

/** Why WebGL should not be used here, or undefined when it should (software: only by name). */
function webglProblem(allowSoftware: boolean): string | undefined {
  const canvas = document.createElement('canvas');
  const gl = canvas.getContext('webgl2') ?? canvas.getContext('webgl');
  if (!gl) return 'no WebGL context';
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = info ? String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)) : '';
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  if (!allowSoftware && SOFTWARE.test(renderer)) return `software renderer (${renderer})`;
  return undefined;
}

/**
 * Sets up tfjs on `requested` (or, for `auto`, on the first of WebGPU, WebGL, wasm, cpu that
 * works here). On wasm and cpu gankit's training kernels are registered, as the CLI does.
 * @param requested - a backend name, or `auto`
 * @returns the backend chosen and why the faster ones were skipped
 * @throws Error when a backend asked for by name does not start
 */
export async function chooseBackend(requested: string): Promise<BackendChoice> {
  // the wasm binaries lie beside the bundle: nothing is fetched from elsewhere
  setWasmPaths(new URL('./', import.meta.url).href);
  const order: readonly BackendName[] =
    requested === 'auto' ? BACKENDS : BACKENDS.filter((b) => b === requested);
  if (order.length === 0) {
    throw new Error(`backend must be one of auto, ${BACKENDS.join(', ')}; got '${requested}'`);
  }
  const skipped: string[] = [];
  for (const name of order) {
    const problem =
      name === 'webgpu'
        ? await webgpuProblem(requested === 'webgpu')
        : name === 'webgl'
          ? webglProblem(requested === 'webgl')
          : undefined;
    if (problem === undefined && (await tf.setBackend(name))) {
      await tf.ready();
      if (name === 'wasm' || name === 'cpu') registerTrainingKernels(name);
      return { name, skipped };
    }
    skipped.push(`${name}: ${problem ?? 'did not start'}`);
  }
  throw new Error(`no tfjs backend started (${skipped.join('; ')})`);
}
