import { GanError } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import * as api from './index.js';
import { disableNativeKernels, nativeKernelStatus } from './native/index.js';
import { formatBackendReport, type SetupSeams, setupBackend, setupBackendWith } from './setup.js';

describe('setupBackend', () => {
  it('auto picks wasm here and says why it skipped the native backends', async () => {
    const report = await setupBackend({ backend: 'auto' });
    if (report.chosen === 'webgpu') {
      // a machine with a GPU: auto takes webgpu, never on a software adapter
      expect(report.adapter?.software).toBe(false);
      return;
    }
    expect(report.chosen).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(report.skipped.map((s) => s.backend)).toEqual(['tensorflow-gpu', 'tensorflow', 'webgpu']);
    expect(report.skipped[0]!.reason).toMatch(/tfjs-node-gpu is not installed/);
    // no GPU here: webgpu is skipped, never run on a software adapter
    expect(report.skipped[2]!.reason).toMatch(/software adapter|no GPU device node|is not installed/);
    const text = formatBackendReport(report).join('\n');
    expect(text).toMatch(/^backend: wasm \(/);
    expect(text).toMatch(/gankit training kernels: \d+ registered for wasm/);
    // onnxruntime-node is a dev dependency here: auto runs wasm's convolutions natively
    expect(text).toMatch(
      /native kernels: onnxruntime-node \d+\.\d+\.\d+ \(MLAS\), \d+ threads, for Conv2D, /,
    );
  });

  it('turns native kernels off on request, and keeps them off the cpu reference unless asked', async () => {
    const off = await setupBackend({ backend: 'wasm', nativeKernels: false });
    expect(off.details.join('\n')).toMatch(/native kernels: off \(nativeKernels: false\)/);
    expect(nativeKernelStatus('wasm')).toBeUndefined();
    const cpu = await setupBackend({ backend: 'cpu' });
    expect(cpu.details.join('\n')).toMatch(/native kernels: off \(the cpu backend keeps tfjs' own math/);
    const cpuNative = await setupBackend({ backend: 'cpu', nativeKernels: true });
    expect(cpuNative.details.join('\n')).toMatch(/native kernels: onnxruntime-node/);
    expect(nativeKernelStatus('cpu')?.kernels).toContain('Conv2DBackpropFilter');
    disableNativeKernels('cpu');
  });

  it('reads GANKIT_NATIVE_KERNELS when nativeKernels is not given', async () => {
    process.env.GANKIT_NATIVE_KERNELS = 'off';
    try {
      const report = await setupBackend({ backend: 'wasm' });
      expect(report.details.join('\n')).toMatch(/native kernels: off \(GANKIT_NATIVE_KERNELS\)/);
      expect(nativeKernelStatus('wasm')).toBeUndefined();
    } finally {
      delete process.env.GANKIT_NATIVE_KERNELS;
    }
  });

  it('uses cpu when asked and registers its kernel replacements', async () => {
    const report = await setupBackend({ backend: 'cpu' });
    expect(report).toMatchObject({ chosen: 'cpu', requested: 'cpu', tfjsBackend: 'cpu' });
    expect(report.details.join()).toMatch(/Conv2DBackpropFilter/);
  });

  it('fails clearly for a named backend that is not installed, or an unknown name', async () => {
    await expect(setupBackend({ backend: 'tensorflow' })).rejects.toThrow(
      new GanError(
        'BACKEND_UNAVAILABLE',
        "setupBackend: backend 'tensorflow' is unavailable: @tensorflow/tfjs-node is not installed (optional: it downloads libtensorflow at install time)",
      ),
    );
    await expect(setupBackend({ backend: 'cuda' as never })).rejects.toThrow(
      "setupBackend: backend must be one of auto, tensorflow-gpu, tensorflow, webgpu, wasm, cpu, got 'cuda'",
    );
  });
});

/** A loader on which `missing` are not installed (the error Node gives), the rest real. */
function without(...missing: string[]): SetupSeams {
  return {
    importModule: async (specifier) => {
      if (missing.includes(specifier)) {
        throw Object.assign(new Error(`Cannot find package '${specifier}' imported from setup.ts`), {
          code: 'ERR_MODULE_NOT_FOUND',
        });
      }
      return import(specifier);
    },
  };
}

const NATIVE = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'];
// no Dawn adapter at all, so that auto goes past webgpu on a machine with a GPU too
const noWebgpu = { webgpu: { dawnBackends: [] } };

describe('setupBackend without the packages it needs', () => {
  it('names the packages and the command when no backend package is installed', async () => {
    // a GPU machine where an earlier test set webgpu up: auto reuses it, nothing to test
    if (tf.engine().registry.webgpu !== undefined) return;
    const seams = without(...NATIVE, '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-backend-cpu');
    const error = await setupBackendWith(seams, { backend: 'auto', ...noWebgpu }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GanError);
    expect(error).toMatchObject({
      code: 'BACKEND_UNAVAILABLE',
      message:
        'setupBackend: no tfjs backend package is installed: neither @tensorflow/tfjs-backend-wasm nor ' +
        '@tensorflow/tfjs-backend-cpu can be imported, and there is no @tensorflow/tfjs-node; ' +
        'install them with: npm i @tensorflow/tfjs-backend-wasm @tensorflow/tfjs-backend-cpu',
    });
    await expect(setupBackendWith(seams, { backend: 'cpu' })).rejects.toThrow(
      new GanError(
        'BACKEND_UNAVAILABLE',
        "setupBackend: backend 'cpu' is unavailable: @tensorflow/tfjs-backend-cpu is not installed (npm i @tensorflow/tfjs-backend-wasm @tensorflow/tfjs-backend-cpu)",
      ),
    );
  });

  it('warns, with what to install and what it costs, when auto ends on the cpu backend', async () => {
    if (tf.engine().registry.webgpu !== undefined) return;
    const seams = without(...NATIVE, '@tensorflow/tfjs-backend-wasm', 'onnxruntime-node');
    const report = await setupBackendWith(seams, { backend: 'auto', ...noWebgpu });
    expect(report.chosen).toBe('cpu');
    expect(report.skipped.map((s) => s.backend)).toEqual(['tensorflow-gpu', 'tensorflow', 'webgpu', 'wasm']);
    const lines = formatBackendReport(report);
    expect(lines).toContain(
      '  warning: only the pure-JavaScript cpu backend is available; it trains convolutional nets ~100x slower ' +
        'than wasm with native kernels (tens of seconds per step for a small conv net); for speed install @tensorflow/tfjs-backend-wasm ' +
        '(npm i @tensorflow/tfjs-backend-wasm), and onnxruntime-node for the native kernels ' +
        '(ONNXRUNTIME_NODE_INSTALL=skip npm i onnxruntime-node)',
    );
    // with onnxruntime-node installed only wasm is missing
    const withOrt = await setupBackendWith(without(...NATIVE, '@tensorflow/tfjs-backend-wasm'), {
      backend: 'auto',
      ...noWebgpu,
    });
    const warning = withOrt.details.find((d) => d.startsWith('warning:'));
    expect(warning).toMatch(
      /install @tensorflow\/tfjs-backend-wasm \(npm i @tensorflow\/tfjs-backend-wasm\)$/,
    );
    // asked for by name, cpu is the caller's choice: no warning
    const named = await setupBackendWith(seams, { backend: 'cpu' });
    expect(named.details.some((d) => d.startsWith('warning:'))).toBe(false);
  });

  it('gives the offline install command when native kernels are off for want of onnxruntime-node', async () => {
    const report = await setupBackendWith(without('onnxruntime-node'), { backend: 'wasm', threads: 1 });
    expect(report.details).toContain(
      'native kernels: off (onnxruntime-node is not installed; installing it makes the convolutions ~2x faster: ONNXRUNTIME_NODE_INSTALL=skip npm i onnxruntime-node)',
    );
    expect(nativeKernelStatus('wasm')).toBeUndefined();
  });

  it('keeps the loader seam out of the public API', () => {
    expect(Object.keys(api)).not.toContain('setupBackendWith');
    expect(api.setupBackend).toBe(setupBackend);
  });
});
