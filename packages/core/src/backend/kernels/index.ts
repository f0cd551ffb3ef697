/**
 * Training kernels for the tfjs `wasm` and `cpu` backends: what a GAN training step needs that
 * the backend lacks, and faster or corrected versions of what it does slowly or wrongly,
 * registered per backend with `tf.registerKernel` and built from the backend's own fast
 * kernels (XNNPACK's forward Conv2D, BatchMatMul, Prelu, AvgPool; Transpose, Reshape) or from
 * JS loops over its memory. {@link listTrainingKernels} says what each one fixes.
 *
 * Measured on the 2-vCPU AMD EPYC build machine (Node 20.20, tfjs 4.22, wasm with SIMD and
 * without threads), one kernel call on fresh inputs, best of 9-15 runs (2-3 on cpu), while
 * other jobs shared the machine (ranges are over repeated sessions):
 *
 *   wasm                                                  tfjs' own        gankit's
 *   forward Conv2D x[64,14,14,64] f[4,4,64,128] s2 same   25-38 ms         (unchanged; scale)
 *   Conv2DBackpropFilter, same shapes                     missing          26-40 ms
 *   Conv2DBackpropInput dy[64,7,7,128] -> [64,14,14,64]   217-344 ms       28-36 ms
 *   conv2dTranspose [64,7,7,128] -> [64,14,14,64]         the same kernel call as the line above
 *   conv2dTranspose [64,14,14,64] -> [64,28,28,1]         7.6-12 ms        2.0-2.3 ms
 *   its filter gradient (x [64,28,28,1])                  missing          4.2 ms
 *   DCGAN step, batch 64, 28x28x1, D then G (Adam)        throws           520-600 ms
 *
 *   cpu
 *   Conv2DBackpropFilter x[64,14,14,64] f[4,4,64,128] s2  64-112 s         0.66-1.3 s
 *   Conv2DBackpropInput / conv2dTranspose, same shapes    0.56-1.5 s       kept (faster than both composed forms there)
 *   conv2dTranspose [64,14,14,64] -> [64,28,28,1]         18-51 ms         kept
 *   its filter gradient (x [64,28,28,1])                  3.0-4.2 s        36-68 ms
 *   DCGAN step, batch 64, 28x28x1, D then G (Adam)        191-287 s        22-23 s
 *
 * Other wasm kernels (fresh inputs, best of 11): BatchMatMul [64,6272]x[100,6272]^T 28 -> 5 ms,
 * [64,100]^T x [64,6272] 30 -> 3.6 ms; Tile [1,1,1,64] -> [64,14,14,64] 43 -> 0.22 ms;
 * DepthToSpace [64,14,14,64] 28 -> 0.8 ms; Sum/Mean over batch+space of [64,14,14,64]
 * 2.1 -> 0.3 ms; LeakyRelu 4.6 -> 0.27 ms; ResizeNearestNeighbor 14 -> 28 (x64 channels,
 * batch 64) 3.0 -> 1.7 ms and its gradient 24 -> 2.3 ms; AvgPoolGrad 2x2 26 -> 2.3 ms;
 * MaxPoolGrad (VGG block, 4x112x112x64) 70 -> 51 ms and now right; Slice 1.0 -> 0.4 ms.
 * LeakyReLU's gradient (tfjs: Greater, Multiply, Select; gankit: one branch-free JS pass)
 * 4.6-5.0 -> 2.5 ms for 64x14x14x64, medians of 40 on a loaded machine; the filter gradient of
 * a 1-channel conv (x [64,28,28,1], a fresh dy each call, as in training) 5.8-12.8 -> 5.3-5.9 ms
 * of CPU time with the small im2col matrix as the product's packed operand.
 * On cpu: Sum/Mean 95 -> 2.5 ms, Tile 67 -> 0.6 ms, ResizeNearestNeighborGrad 57 -> 25 ms.
 * Under a gradient tape, tfjs-layers' fused conv and dense ops run as separate ops so that
 * backprop computes only the gradients it needs: a DCGAN step 381 -> 350 ms on one thread.
 *
 * @packageDocumentation
 */
export type { TrainingKernelBackend, TrainingKernelInfo, TrainingKernelReport } from './registry.js';
export {
  formatTrainingKernelReport,
  getOriginalKernel,
  listTrainingKernels,
  registerTrainingKernels,
  restoreOriginalKernels,
  TRAINING_GRADIENTS,
} from './registry.js';
