import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type DawnModule,
  defaultDawnBackends,
  findWebgpuAdapter,
  type GpuAdapterLike,
  gpuDeviceNodes,
  sharedLibraryFound,
  softwareAdapterReason,
} from './adapter.js';

describe('softwareAdapterReason', () => {
  it('names the software rasterisers by any info field, and the fallback flag', () => {
    // what Dawn reports on Debian bookworm's Mesa 22.3 through OpenGL ES
    const llvmpipe = {
      vendor: '',
      architecture: '',
      device: 'llvmpipe-llvm-15-0-6-256-bits-',
      description: 'OpenGL version OpenGL ES 3.2 Mesa 22.3.6',
      isFallbackAdapter: false,
    };
    expect(softwareAdapterReason(llvmpipe)).toBe('its device names llvmpipe');
    expect(softwareAdapterReason({ vendor: 'google', architecture: 'swiftshader', device: '' })).toBe(
      'its architecture names SwiftShader',
    );
    expect(softwareAdapterReason({ description: 'Mesa lavapipe 23.0' })).toBe(
      'its description names lavapipe',
    );
    expect(softwareAdapterReason({ vendor: 'mesa', device: 'softpipe' })).toBe('its device names softpipe');
    expect(softwareAdapterReason({ device: 'Microsoft Basic Render Driver' })).toMatch(/WARP/);
    expect(softwareAdapterReason({ device: 'anything', isFallbackAdapter: true })).toMatch(/fallback/);
    expect(softwareAdapterReason({ device: 'anything' }, true)).toMatch(/fallback/);
  });

  it('leaves GPUs alone, Mesa hardware drivers included', () => {
    expect(
      softwareAdapterReason({ vendor: 'nvidia', architecture: 'hopper', device: 'NVIDIA H100 80GB HBM3' }),
    ).toBe(null);
    expect(
      softwareAdapterReason({
        vendor: 'amd',
        device: 'AMD Radeon RX 7900 XTX (RADV NAVI31)',
        description: 'Mesa 23.3.1',
      }),
    ).toBe(null);
    expect(softwareAdapterReason({})).toBe(null);
  });
});

describe('adapter discovery helpers', () => {
  it('tries the native API of each platform first', () => {
    expect(defaultDawnBackends('linux')).toEqual(['vulkan', 'opengles']);
    expect(defaultDawnBackends('darwin')).toEqual(['metal']);
    expect(defaultDawnBackends('win32')).toEqual(['d3d12', 'vulkan']);
  });

  it('finds GPU device nodes: DRM render nodes, NVIDIA devices, WSL2', () => {
    const dev = mkdtempSync(join(tmpdir(), 'gankit-dev-'));
    try {
      expect(gpuDeviceNodes(dev)).toEqual([]);
      mkdirSync(join(dev, 'dri'));
      writeFileSync(join(dev, 'dri', 'card0'), '');
      writeFileSync(join(dev, 'nvidiactl'), '');
      expect(gpuDeviceNodes(dev)).toEqual([]);
      writeFileSync(join(dev, 'dri', 'renderD128'), '');
      writeFileSync(join(dev, 'nvidia0'), '');
      writeFileSync(join(dev, 'dxg'), '');
      expect(gpuDeviceNodes(dev).sort()).toEqual(
        [join(dev, 'dri', 'renderD128'), join(dev, 'dxg'), join(dev, 'nvidia0')].sort(),
      );
    } finally {
      rmSync(dev, { recursive: true, force: true });
    }
  });

  it.skipIf(process.platform !== 'linux')('finds shared libraries the way the loader would', () => {
    expect(sharedLibraryFound('libc.so.6')).toBe(true);
    expect(sharedLibraryFound('libgankit-no-such-library.so.7')).toBe(false);
  });
});

describe('findWebgpuAdapter with a stand-in Dawn', () => {
  // Dawn itself is exercised in setup.test.ts; here each backend's answer is scripted
  function fakeDawn(adapters: Record<string, { device: string; fallback?: boolean } | null>) {
    const asked: string[] = [];
    const dawn: DawnModule = {
      globals: {},
      create: (flags) => ({
        requestAdapter: async (opts) => {
          const backend = flags[0]!.replace('backend=', '');
          asked.push(`${backend}/${opts?.featureLevel ?? 'core'}`);
          const a = adapters[backend];
          if (!a) return null;
          const adapter: GpuAdapterLike = {
            info: {
              vendor: '',
              architecture: '',
              device: a.device,
              description: '',
              isFallbackAdapter: !!a.fallback,
            },
            features: { has: () => false },
            limits: {},
            requestDevice: async () => {
              throw new Error('not used');
            },
          };
          return adapter;
        },
      }),
    };
    return { dawn, asked };
  }

  it('skips software adapters unless allowed, and moves on to the next Dawn backend', async () => {
    const { dawn, asked } = fakeDawn({
      vulkan: { device: 'llvmpipe (LLVM 15.0.6, 256 bits)' },
      opengles: { device: 'AMD Radeon (radeonsi)' },
    });
    const found = await findWebgpuAdapter(dawn, { allowSoftware: false, checkDeviceNodes: false });
    expect(asked).toEqual(['vulkan/core', 'opengles/compatibility']);
    expect(found.ok).toBe(true);
    if (!found.ok) return;
    expect(found.summary).toMatchObject({
      device: 'AMD Radeon (radeonsi)',
      software: false,
      dawnBackend: 'opengles',
      featureLevel: 'compatibility',
    });
    expect(found.tried).toEqual([
      "vulkan: software adapter 'llvmpipe (LLVM 15.0.6, 256 bits)' skipped (its device names llvmpipe)",
    ]);
  });

  it('says what every Dawn backend offered when none will do', async () => {
    const { dawn } = fakeDawn({ vulkan: { device: 'SwiftShader Device', fallback: true }, opengles: null });
    const found = await findWebgpuAdapter(dawn, {
      allowSoftware: false,
      checkDeviceNodes: false,
      dawnBackends: ['vulkan', 'opengles'],
    });
    expect(found.ok).toBe(false);
    if (found.ok) return;
    expect(found.reason).toMatch(
      /^no hardware WebGPU adapter \(Dawn backends tried: vulkan: software adapter/,
    );
    expect(found.tried[0]).toMatch(/isFallbackAdapter/);
    expect(found.tried[1]).toMatch(/^opengles: no adapter \(/);
    const allowed = await findWebgpuAdapter(dawn, { allowSoftware: true, dawnBackends: ['vulkan'] });
    expect(allowed.ok && allowed.summary.software && allowed.summary.isFallbackAdapter).toBe(true);
  });

  it.skipIf(process.platform !== 'linux')(
    'under auto, gives up without loading drivers where no GPU device node exists',
    async () => {
      const { dawn, asked } = fakeDawn({ vulkan: { device: 'llvmpipe' } });
      const found = await findWebgpuAdapter(dawn, { allowSoftware: false });
      if (gpuDeviceNodes().length > 0) {
        expect(asked.length).toBeGreaterThan(0);
        return;
      }
      expect(asked).toEqual([]);
      expect(found.ok || found.reason).toMatch(/no GPU device node .* only a software adapter/);
    },
  );
});
