import '@tensorflow/tfjs-backend-cpu';
import { GanError } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { formatBackendReport, setupBackend } from '../setup.js';
import { type DawnModule, findWebgpuAdapter, gpuDeviceNodes } from './adapter.js';
import { webgpuAdapter } from './backend.js';

// Backend selection with the real Dawn (the `webgpu` package). On a machine without a GPU the
// only adapter is Mesa's llvmpipe through Dawn's OpenGL ES backend: `webgpu` by name takes it
// and says it is software; `auto` never does. The tests are in order: a device, once made, is
// reused for the rest of the process.

const dawn = (await import('webgpu')) as unknown as DawnModule;
const software = await findWebgpuAdapter(dawn, { allowSoftware: true });
const noAdapter = software.ok ? null : software.reason;
if (noAdapter && process.env.CI) {
  throw new Error(`CI must run the webgpu tests, but: ${noAdapter} (.ci/run installs Mesa for this)`);
}

describe('webgpu backend selection', () => {
  it.skipIf(process.platform !== 'linux')(
    'a named webgpu backend that cannot start fails with what was tried and how to fix it',
    async () => {
      // Dawn has no Direct3D on Linux: a Dawn backend that offers nothing, on every machine
      const err = await setupBackend({ backend: 'webgpu', webgpu: { dawnBackends: ['d3d12'] } }).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(GanError);
      expect((err as GanError).code).toBe('BACKEND_UNAVAILABLE');
      expect((err as GanError).message).toBe(
        "setupBackend: backend 'webgpu' is unavailable: no WebGPU adapter (Dawn backends tried: d3d12: no adapter " +
          "(Dawn's d3d12 backend is not available on Linux)); to fix: install the npm packages webgpu and " +
          '@tensorflow/tfjs-backend-webgpu, and a driver: for a GPU its Vulkan driver and the Vulkan loader ' +
          '(Debian: libvulkan1), for a software adapter Mesa (Debian: libegl1 libegl-dev libegl-mesa0 libgl1-mesa-dri)',
      );
      expect(webgpuAdapter()).toBe(null);
    },
  );

  it('auto skips a software adapter and says why', async () => {
    if (noAdapter) return void expect(noAdapter).toMatch(/no WebGPU adapter/);
    // past the device-node shortcut, to the adapter Dawn offers
    const hardwareOnly = await findWebgpuAdapter(dawn, { allowSoftware: false, checkDeviceNodes: false });
    if (hardwareOnly.ok) {
      // a machine with a GPU: whatever auto takes is not software
      expect(hardwareOnly.summary.software).toBe(false);
      return;
    }
    expect(hardwareOnly.reason).toMatch(
      /^no hardware WebGPU adapter \(Dawn backends tried: .*software adapter '.*llvmpipe.*' \(.*\) skipped \(its device names llvmpipe\)/,
    );
    const report = await setupBackend({ backend: 'auto', threads: 1 });
    expect(report.chosen).toBe('wasm');
    const skipped = report.skipped.find((s) => s.backend === 'webgpu');
    expect(skipped?.reason).toMatch(
      gpuDeviceNodes().length === 0
        ? /^no GPU device node .* only a software adapter; auto uses only a GPU adapter \(backend 'webgpu' accepts a software one\)$/
        : /software adapter .* skipped/,
    );
    expect(formatBackendReport(report).join('\n')).toMatch(/^ {2}skipped webgpu: .*software/m);
  });

  it.skipIf(noAdapter !== null)('webgpu by name takes the software adapter and says so', async () => {
    const report = await setupBackend({ backend: 'webgpu' });
    expect(tf.getBackend()).toBe('webgpu');
    expect(report).toMatchObject({
      requested: 'webgpu',
      chosen: 'webgpu',
      tfjsBackend: 'webgpu',
      skipped: [],
    });
    const adapter = report.adapter!;
    expect(adapter).toEqual(webgpuAdapter());
    expect(adapter.device.length + adapter.description.length).toBeGreaterThan(0);
    const text = formatBackendReport(report).join('\n');
    expect(text).toMatch(/^backend: webgpu \(requested explicitly; /);
    expect(text).toMatch(/ {2}webgpu adapter: '.+'.*; vendor '.*', architecture '.*'/);
    expect(text).toMatch(/fallback adapter: (yes|no); software: (yes \(.+\)|no \(a GPU\))/);
    expect(text).toContain(`Dawn backend: ${adapter.dawnBackend} (feature level ${adapter.featureLevel}`);
    if (gpuDeviceNodes().length === 0) {
      // this machine and CI: Mesa's llvmpipe through OpenGL ES
      expect(adapter).toMatchObject({
        software: true,
        dawnBackend: 'opengles',
        featureLevel: 'compatibility',
      });
      expect(report.reason).toMatch(
        /software WebGPU adapter '.*llvmpipe.*' \(.*Mesa.*\) through Dawn's opengles backend/,
      );
      expect(text).toContain('software: yes (its device names llvmpipe)');
    }
    // it computes: read back asynchronously (dataSync throws on webgpu in Node)
    const before = tf.memory().numTensors;
    const y = tf.tidy(() => tf.matMul(tf.tensor2d([1, 2, 3, 4], [2, 2]), tf.tensor2d([5, 6, 7, 8], [2, 2])));
    expect(Array.from(await y.data())).toEqual([19, 22, 43, 50]);
    y.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it.skipIf(noAdapter !== null)('auto does not fall back on the software device made earlier', async () => {
    const report = await setupBackend({ backend: 'auto', threads: 1 });
    if (report.chosen === 'webgpu') {
      expect(report.adapter?.software).toBe(false);
      return;
    }
    expect(report.chosen).toBe('wasm');
    expect(report.skipped.find((s) => s.backend === 'webgpu')?.reason).toMatch(
      /^the webgpu backend set up earlier runs on a software adapter '.*' \(.*\), which auto does not use$/,
    );
    // and webgpu by name reuses it
    const again = await setupBackend({ backend: 'webgpu' });
    expect(again.adapter).toEqual(webgpuAdapter());
    expect(tf.getBackend()).toBe('webgpu');
  });
});
