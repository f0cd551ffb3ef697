import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import type { NamedAttrMap } from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerTrainingKernels, restoreOriginalKernels } from './registry.js';
import {
  FLAG_PAIRS,
  type InputSpec,
  type KernelCall,
  liveCounts,
  type Output,
  runOriginalCpu,
  runRegistered,
  seeded,
  tensorOf,
  worstError,
} from './test-helpers.js';

// Parity of gankit's non-convolution kernels against the cpu backend's ORIGINAL kernels, to
// 1e-4 relative, run on wasm and on cpu with gankit's kernels registered.

const TOLERANCE = 1e-4;

function ints(values: number[], shape = [values.length]): InputSpec {
  return { shape, values: Int32Array.from(values), dtype: 'int32' };
}

function bools(shape: number[], seed: number): InputSpec {
  const s = seeded(shape, seed);
  return { shape, values: Int32Array.from(s.values, (v) => (v > 0 ? 1 : 0)), dtype: 'bool' };
}

function call(
  kernelName: string,
  label: string,
  inputs: KernelCall['inputs'],
  attrs: NamedAttrMap,
): KernelCall {
  return { label: `${kernelName} ${label}`, kernelName, inputs, attrs };
}

const CALLS: KernelCall[] = [];

// BatchMatMul: every transpose combination, batched and broadcast
for (const [ta, tb] of FLAG_PAIRS) {
  const shapes: Array<[number[], number[]]> = [
    [
      [5, 7],
      [7, 3],
    ],
    [
      [3, 33, 65],
      [3, 65, 129],
    ],
    [
      [1, 4, 6],
      [4, 6, 2],
    ],
    [
      [1, 64, 100],
      [1, 100, 300],
    ],
  ];
  shapes.forEach(([a, b], i) => {
    const swap = (s: number[]) => [...s.slice(0, -2), s[s.length - 1]!, s[s.length - 2]!];
    const aShape = ta ? swap(a) : a;
    const bShape = tb ? swap(b) : b;
    CALLS.push(
      call(
        'BatchMatMul',
        `a[${aShape}] b[${bShape}] tA=${ta} tB=${tb}`,
        { a: seeded(aShape, 10 + i), b: seeded(bShape, 20 + i) },
        { transposeA: ta, transposeB: tb },
      ),
    );
  });
}

// Tile: batch norm's [1,1,1,C] -> [N,H,W,C], inner repeats, int32 and bool
for (const [shape, reps, spec] of [
  [[1, 1, 1, 64], [3, 5, 4, 1], undefined],
  [[2, 3], [2, 2], undefined],
  [[3, 1, 4], [1, 5, 1], undefined],
  [[2, 3, 2, 1, 2], [2, 1, 3, 4, 1], undefined],
  [[4, 5], [3, 1], ints([...Array(20).keys()], [4, 5])],
  [[3, 4], [2, 3], bools([3, 4], 5)],
  [[7], [1], undefined],
] as Array<[number[], number[], InputSpec | undefined]>) {
  CALLS.push(
    call('Tile', `[${shape}] x [${reps}] ${spec?.dtype ?? ''}`, { x: spec ?? seeded(shape, 30) }, { reps }),
  );
}

// GatherV2: embedding rows (axis 0), inner axes, 2-D indices, repeated indices, int32 values
for (const [shape, idx, idxShape, axis, spec] of [
  [[10, 36], [3, 0, 9, 3], [4], 0, undefined],
  [[2, 5, 3], [4, 1], [2], 1, undefined],
  [[6, 4], [5, 0, 5, 2, 1, 1], [2, 3], 0, undefined],
  [[3, 7], [6, 0], [2], -1, undefined],
  [[4, 5], [2, 2], [2], 0, ints([...Array(20).keys()], [4, 5])],
] as Array<[number[], number[], number[], number, InputSpec | undefined]>) {
  CALLS.push(
    call(
      'GatherV2',
      `[${shape}] at [${idx}] axis ${axis} ${spec?.dtype ?? ''}`,
      { x: spec ?? seeded(shape, 33), indices: ints(idx, idxShape) },
      { axis, batchDims: 0 },
    ),
  );
}

// DepthToSpace
for (const [shape, blockSize, dataFormat] of [
  [[2, 3, 4, 8], 2, 'NHWC'],
  [[1, 2, 3, 27], 3, 'NHWC'],
  [[3, 5, 5, 4], 2, 'NHWC'],
] as Array<[number[], number, string]>) {
  CALLS.push(
    call(
      'DepthToSpace',
      `[${shape}] b${blockSize} ${dataFormat}`,
      { x: seeded(shape, 31) },
      { blockSize, dataFormat },
    ),
  );
}
CALLS.push(
  call(
    'DepthToSpace',
    'int32',
    { x: ints([...Array(32).keys()], [1, 2, 2, 8]) },
    { blockSize: 2, dataFormat: 'NHWC' },
  ),
);

// LeakyRelu (through Prelu on wasm)
for (const [shape, alpha] of [
  [[2, 5, 6, 7], 0.2],
  [[3, 64], 0.01],
  [[9], 0.3],
  [[2, 3, 4, 1], -0.5],
] as Array<[number[], number]>) {
  CALLS.push(call('LeakyRelu', `[${shape}] alpha ${alpha}`, { x: seeded(shape, 55) }, { alpha }));
}
CALLS.push(call('LeakyRelu', 'int32', { x: ints([-3, 0, 2, 5]) }, { alpha: 0.5 }));

// Identity
CALLS.push(call('Identity', 'float32', { x: seeded([4, 5], 32) }, {}));
CALLS.push(call('Identity', 'int32', { x: ints([1, -2, 3]) }, {}));
CALLS.push(call('Identity', 'bool', { x: bools([6], 33) }, {}));

// UnsortedSegmentSum (gather's gradient): repeated, negative and out-of-range ids dropped
CALLS.push(
  call(
    'UnsortedSegmentSum',
    '[6,4] ids [6]',
    { x: seeded([6, 4], 34), segmentIds: ints([2, 0, 2, -1, 3, 7]) },
    { numSegments: 5 },
  ),
);
CALLS.push(
  call(
    'UnsortedSegmentSum',
    '[5,3,4] ids [5]',
    { x: seeded([5, 3, 4], 35), segmentIds: ints([0, 1, 1, 2, 0]) },
    { numSegments: 3 },
  ),
);
CALLS.push(
  call(
    'UnsortedSegmentSum',
    'embedding [64,16] ids [64]',
    { x: seeded([64, 16], 36), segmentIds: ints(Array.from({ length: 64 }, (_, i) => (i * 7) % 10)) },
    { numSegments: 10 },
  ),
);

// Slice and SplitV
for (const [shape, begin, size] of [
  [
    [4, 6, 5, 8],
    [1, 2, 0, 3],
    [2, 3, 5, 4],
  ],
  [
    [4, 6, 5, 8],
    [0, 1, 1, 0],
    [4, 4, 3, 8],
  ],
  [
    [4, 6, 5, 8],
    [2, 0, 0, 0],
    [-1, -1, -1, -1],
  ],
  [[10], [3], [5]],
  [
    [3, 7],
    [1, 0],
    [2, 7],
  ],
  [
    [2, 3, 4, 5, 6],
    [1, 0, 2, 1, 3],
    [1, 3, 2, 3, 2],
  ],
] as Array<[number[], number[], number[]]>) {
  CALLS.push(
    call('Slice', `[${shape}] begin [${begin}] size [${size}]`, { x: seeded(shape, 37) }, { begin, size }),
  );
}
CALLS.push(
  call('Slice', 'int32', { x: ints([...Array(24).keys()], [4, 6]) }, { begin: [1, 2], size: [2, 3] }),
);
for (const [shape, numOrSizeSplits, axis] of [
  [[2, 5, 5, 12], [4, 8], 3],
  [[2, 5, 5, 12], 3, -1],
  [[6, 4], [1, 2, -1], 0],
  [[3, 7, 2], [2, 5], 1],
] as Array<[number[], number[] | number, number]>) {
  CALLS.push(
    call(
      'SplitV',
      `[${shape}] ${JSON.stringify(numOrSizeSplits)} axis ${axis}`,
      { x: seeded(shape, 38) },
      { numOrSizeSplits, axis },
    ),
  );
}

// Concat: channel concats of thin inputs (noise planes, label maps), leading and middle axes, int32
for (const [shapes, axis] of [
  [
    [
      [4, 8, 8, 1],
      [4, 8, 8, 1],
      [4, 8, 8, 3],
    ],
    3,
  ],
  [
    [
      [2, 5, 5, 12],
      [2, 5, 5, 4],
    ],
    -1,
  ],
  [
    [
      [3, 4],
      [5, 4],
    ],
    0,
  ],
  [
    [
      [2, 3, 4],
      [2, 1, 4],
      [2, 0, 4],
    ],
    1,
  ],
] as Array<[number[][], number]>) {
  CALLS.push(
    call(
      'Concat',
      `${shapes.map((sh) => `[${sh}]`).join(' + ')} axis ${axis}`,
      { list: shapes.map((sh, i) => seeded(sh, 60 + i)) },
      { axis },
    ),
  );
}
CALLS.push(
  call(
    'Concat',
    'int32 axis 1',
    {
      list: [ints([1, 2, 3, 4], [2, 2]), ints([5, 6], [2, 1])],
    },
    { axis: 1 },
  ),
);

// Nearest-neighbour resize and its gradient; 2x2 average pooling's gradient
for (const [h, w, outH, outW] of [
  [5, 7, 10, 14],
  [5, 7, 9, 11],
  [6, 6, 3, 4],
  [4, 4, 12, 8],
]) {
  for (const alignCorners of [false, true]) {
    for (const halfPixelCenters of alignCorners ? [false] : [false, true]) {
      const label = `${h}x${w} -> ${outH}x${outW} ac=${alignCorners} hpc=${halfPixelCenters}`;
      const images = seeded([2, h!, w!, 3], 39);
      CALLS.push(
        call(
          'ResizeNearestNeighbor',
          label,
          { images },
          { alignCorners, halfPixelCenters, size: [outH!, outW!] },
        ),
      );
    }
  }
}
// Max pooling's gradient: several channels (tfjs-wasm's own is wrong there), overlapping windows
for (const [shape, filterSize, strides, pad] of [
  [[2, 6, 7, 3], 2, 2, 'valid'],
  [[2, 7, 7, 5], 3, 2, 'same'],
  [[1, 8, 6, 16], 3, 1, 'same'],
  [[2, 9, 9, 4], [2, 3], [2, 1], 'valid'],
] as Array<[number[], number | [number, number], number | [number, number], 'same' | 'valid']>) {
  const info = tf.backend_util.computePool2DInfo(
    shape as [number, number, number, number],
    filterSize,
    strides,
    1,
    pad,
  );
  CALLS.push(
    call(
      'MaxPoolGrad',
      `[${shape}] f${filterSize} s${strides} ${pad}`,
      { dy: seeded(info.outShape, 47), input: seeded(shape, 48), output: seeded(info.outShape, 49) },
      { filterSize, strides, pad },
    ),
  );
}
// Bilinear resize's gradient on square images (the cpu original's shape is wrong otherwise)
for (const [size, outSize, alignCorners] of [
  [5, 10, false],
  [6, 9, true],
  [4, 12, false],
] as Array<[number, number, boolean]>) {
  CALLS.push(
    call(
      'ResizeBilinearGrad',
      `${size} -> ${outSize} ac=${alignCorners}`,
      { images: seeded([2, size, size, 3], 50), dy: seeded([2, outSize, outSize, 3], 51) },
      { alignCorners, halfPixelCenters: false },
    ),
  );
}
for (const [shape, filterSize, strides, pad] of [
  [[2, 6, 8, 5], 2, 2, 'valid'],
  [[1, 9, 9, 4], 3, 3, 'same'],
  [[2, 8, 6, 3], [2, 3], [2, 3], 'valid'],
  [[2, 7, 7, 3], 2, 2, 'valid'],
  [[2, 6, 6, 3], 3, 1, 'same'],
] as Array<[number[], number | [number, number], number | [number, number], 'same' | 'valid']>) {
  const info = tf.backend_util.computePool2DInfo(
    shape as [number, number, number, number],
    filterSize,
    strides,
    1,
    pad,
  );
  CALLS.push(
    call(
      'AvgPoolGrad',
      `[${shape}] f${filterSize} s${strides} ${pad}`,
      { dy: seeded(info.outShape, 43), input: seeded(shape, 44) },
      { filterSize, strides, pad },
    ),
  );
}

// Sum and Mean over leading axes (and others, which go to the backend's own)
for (const kernelName of ['Sum', 'Mean']) {
  for (const [shape, axis, keepDims] of [
    [[8, 9, 10, 16], [0, 1, 2], false],
    [[64, 28, 28, 2], [0, 1, 2], false],
    [[8, 9, 10, 16], [2, 0, 1], true],
    [[100, 64], 0, false],
    [[40, 30, 7], [0, 1], false],
    [[40, 30, 7], [-3], true],
    [[8, 9, 10, 16], [1, 2], false],
    [[8, 9, 10, 16], null, false],
    [[3, 4], [0], false],
  ] as Array<[number[], number | number[] | null, boolean]>) {
    CALLS.push(
      call(
        kernelName,
        `[${shape}] axis ${JSON.stringify(axis)} keepDims ${keepDims}`,
        { x: seeded(shape, 45) },
        { axis, keepDims } as NamedAttrMap,
      ),
    );
  }
}

const reference = new Map<string, Output[]>();

beforeAll(async () => {
  await tf.setBackend('cpu');
  for (const c of CALLS) reference.set(c.label, runOriginalCpu(c));
  registerTrainingKernels('cpu');
  await tf.setBackend('wasm');
  registerTrainingKernels('wasm');
});

afterAll(() => {
  restoreOriginalKernels('wasm');
  restoreOriginalKernels('cpu');
});

describe('training kernels match the cpu originals', () => {
  const kernels = [...new Set(CALLS.map((c) => c.kernelName))];
  it.each(['wasm', 'cpu'].flatMap((backend) => kernels.map((kernelName) => [backend, kernelName] as const)))(
    '%s: %s',
    async (backend, kernelName) => {
      await tf.setBackend(backend);
      const before = liveCounts();
      const bad: string[] = [];
      for (const c of CALLS.filter((x) => x.kernelName === kernelName)) {
        const err = worstError(runRegistered(c), reference.get(c.label)!);
        if (!(err <= TOLERANCE)) bad.push(`${c.label}: ${err}`);
      }
      expect(bad).toEqual([]);
      expect(liveCounts()).toEqual(before);
    },
  );
});

describe('BatchMatMul on wasm', () => {
  it('gives the right product when one tensor reaches it as b under two shapes', async () => {
    // tfjs-wasm caches XNNPACK's operator (with b packed in) under b's id: without the guard
    // the second product reuses the first one's packing
    const spec = seeded([8, 6, 4], 46);
    const products = async (backend: string) => {
      await tf.setBackend(backend);
      return tf.tidy(() => {
        const b = tf.tensor(spec.values, spec.shape);
        const p1 = tf.matMul(tf.ones([1, 8]), tf.reshape(b, [8, 24]));
        const p2 = tf.matMul(tf.ones([1, 48]), tf.reshape(b, [48, 4]));
        const p3 = tf.matMul(tf.ones([1, 8]), tf.reshape(b, [8, 24]));
        return [p1, p2, p3].map((p) => p.dataSync().slice());
      });
    };
    const want = await products('cpu');
    const got = await products('wasm');
    got.forEach((g, i) => {
      expect(worstError([{ shape: [], values: g }], [{ shape: [], values: want[i]! }])).toBeLessThan(
        TOLERANCE,
      );
    });
  });
});

/**
 * sum(dx * u) = sum(dy * resize(u)): the identity that defines a linear op's gradient, with the
 * forward resize of the backend under test (itself checked against the cpu original above).
 * Used where the cpu originals are wrong (nearest: missed contributions, NaN when
 * downsampling; bilinear: wrong shape for non-square images).
 */
function resizeAdjointError(
  kernelName: 'ResizeNearestNeighborGrad' | 'ResizeBilinearGrad',
  [h, w, outH, outW]: number[],
  alignCorners: boolean,
  halfPixelCenters: boolean,
): number {
  return tf.tidy(() => {
    const [images, u] = [seeded([2, h!, w!, 3], 52), seeded([2, h!, w!, 3], 53)].map(
      (spec) => tensorOf(spec) as tf.Tensor4D,
    );
    const dySpec = seeded([2, outH!, outW!, 3], 54);
    const dy = tf.tensor(dySpec.values, dySpec.shape);
    const dx = tf
      .engine()
      .runKernel(kernelName, { images: images!, dy }, { alignCorners, halfPixelCenters }) as tf.Tensor;
    const forward =
      kernelName === 'ResizeBilinearGrad' ? tf.image.resizeBilinear : tf.image.resizeNearestNeighbor;
    const y = forward(u!, [outH!, outW!], alignCorners, halfPixelCenters);
    const dot = (a: tf.Tensor, b: tf.Tensor) => {
      const [av, bv] = [a.dataSync(), b.dataSync()];
      let sum = 0;
      let scale = 0;
      for (let i = 0; i < av.length; i++) {
        sum += av[i]! * bv[i]!;
        scale += Math.abs(av[i]! * bv[i]!);
      }
      return [sum, scale] as const;
    };
    const [lhs] = dot(dx, u!);
    const [rhs, scale] = dot(dy, y);
    return Math.abs(lhs - rhs) / scale;
  });
}

describe('resize gradients are the adjoints of the forward resizes', () => {
  const sizes = [
    [5, 7, 10, 14],
    [5, 7, 9, 11],
    [6, 6, 3, 4],
    [4, 4, 12, 8],
    [7, 5, 7, 5],
  ];
  const cases = sizes.flatMap((size) =>
    [
      [false, false],
      [true, false],
      [false, true],
    ].map(([ac, hpc]) => [size, ac!, hpc!] as const),
  );
  it.each(['wasm', 'cpu'])('%s: ResizeNearestNeighborGrad', async (backend) => {
    await tf.setBackend(backend);
    const before = liveCounts();
    for (const [size, ac, hpc] of cases) {
      expect(
        resizeAdjointError('ResizeNearestNeighborGrad', size, ac, hpc),
        `${size} ac=${ac} hpc=${hpc}`,
      ).toBeLessThan(TOLERANCE);
    }
    expect(liveCounts()).toEqual(before);
  });

  it('cpu: ResizeBilinearGrad, non-square images included', async () => {
    await tf.setBackend('cpu');
    for (const [size, ac, hpc] of cases) {
      expect(
        resizeAdjointError('ResizeBilinearGrad', size, ac, hpc),
        `${size} ac=${ac} hpc=${hpc}`,
      ).toBeLessThan(TOLERANCE);
    }
  });
});
