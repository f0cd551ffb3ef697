import { GanError } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { disableNativeKernels, nativeKernelStatus } from './native/index.js';
import { formatBackendReport, setupBackend } from './setup.js';

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
