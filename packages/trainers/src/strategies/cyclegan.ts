import { checkInteger, checkNumber, formatShape, GanError, type SeededRandom } from '@gankit/core';
import { type AdversarialLoss, type AdversarialLossName, l1Loss } from '@gankit/losses';
import { reseedDropout } from '@gankit/models';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { StepContext, Strategy, StrategyState } from '../engine/types.js';
import { type AdamSettings, adamOptimizer, optimizerStep, trainableVariables } from '../engine/update.js';
import { discriminatorStep, generatorAdversarialTerm, resolveAdversarialLoss } from './adversarial-steps.js';

/**
 * One batch of unpaired data for CycleGAN: images of domain A (X, e.g. horses) and images of
 * domain B (Y, e.g. zebras), drawn independently; `a[i]` and `b[i]` need not correspond. The
 * trainer disposes both tensors after the step.
 * @category Strategies
 */
export interface UnpairedBatch {
  /** Images of domain A (X), [batch, h, w, c] in [-1, 1]. */
  a: tf.Tensor4D;
  /** Images of domain B (Y), [batch, h', w', c'] in [-1, 1], as many as `a`. */
  b: tf.Tensor4D;
}

/**
 * Which way {@link CycleGanStrategy.translate} goes: `a2b` runs G (A -> B), `b2a` runs F (B -> A).
 * @category Strategies
 */
export type TranslationDirection = 'a2b' | 'b2a';

/**
 * The history of generated images a CycleGAN discriminator is trained on (Shrivastava et al.
 * 2017, "Learning from Simulated and Unsupervised Images through Adversarial Training",
 * section 2.3; Zhu et al. 2017, section 4), so that D also remembers the generator's earlier
 * outputs. For each image of a batch, in order: while the pool holds fewer than `capacity`
 * images it is stored and used; once full, with probability 1/2 a random stored image is used
 * instead and the new one takes its place, otherwise the new one is used and not stored.
 *
 * The images live in one `[capacity, h, w, c]` tensor, allocated at the first query, so a full
 * or filling pool holds a constant number of tensors. The coin flips and slots come from the
 * `rng` given to {@link ImagePool.query}, so a seeded run draws the same sequence.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { SeededRandom } from '@gankit/core';
 * import { ImagePool } from '@gankit/trainers';
 * const pool = new ImagePool(2);
 * const rng = new SeededRandom(0);
 * const first = pool.query(tf.fill([2, 1, 1, 1], 1) as tf.Tensor4D, rng); // stored and returned: [1, 1]
 * const next = pool.query(tf.fill([2, 1, 1, 1], 2) as tf.Tensor4D, rng); // each 2, or a stored 1 half the time
 * console.log(pool.size); // 2
 * tf.dispose([first, next]);
 * pool.dispose();
 * ```
 * @category Strategies
 */
export class ImagePool {
  /** How many images the pool holds at most; 0 turns it off (queries return their images). */
  readonly capacity: number;
  private images: tf.Tensor4D | null = null;
  private count = 0;

  /**
   * @param capacity - how many images to keep. Default 50 (Zhu et al.)
   * @throws GanError `INVALID_ARGUMENT` for a capacity that is not an integer >= 0
   */
  constructor(capacity = 50) {
    this.capacity = checkInteger('ImagePool', 'capacity', capacity, 0);
  }

  /** How many images the pool holds now. */
  get size(): number {
    return this.count;
  }

  /**
   * The images to show D in place of `images`, updating the pool as described above.
   * @param images - [n, h, w, c] newly generated images (not changed; the pool copies what it keeps)
   * @param rng - the random stream of the coin flips and slots (e.g. the step's `context.rng`)
   * @returns [n, h, w, c] images (caller owns)
   * @throws GanError `SHAPE_MISMATCH` when `images` is not [n, h, w, c] or differs in image
   *   shape from the images already stored
   */
  query(images: tf.Tensor4D, rng: SeededRandom): tf.Tensor4D {
    this.checkImages('query', 'images', images);
    if (this.capacity === 0) return tf.clone(images);
    const n = images.shape[0];
    const cap = this.capacity;
    // Sources, in the index space of concat([stored, images]): slot j is j, new image i is cap + i.
    const slots = Array.from({ length: cap }, (_, j) => j);
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      if (this.count < cap) {
        slots[this.count++] = cap + i;
        out.push(cap + i);
      } else if (rng.next() > 0.5) {
        const j = rng.int(cap);
        out.push(slots[j]!); // what the slot holds now, an earlier image of this batch included
        slots[j] = cap + i;
      } else {
        out.push(cap + i);
      }
    }
    const [, h, w, c] = images.shape;
    const stored = this.images ?? tf.zeros([cap, h, w, c], images.dtype);
    const [result, next] = tf.tidy(() => {
      const all = tf.concat([stored, images]);
      return [
        tf.gather(all, tf.tensor1d(out, 'int32')) as tf.Tensor4D,
        tf.gather(all, tf.tensor1d(slots, 'int32')) as tf.Tensor4D,
      ];
    });
    stored.dispose();
    this.images = tf.keep(next);
    return result;
  }

  /**
   * A copy of the stored images, for checkpoints.
   * @returns [size, h, w, c] images (caller owns), or null when the pool is empty
   */
  getImages(): tf.Tensor4D | null {
    if (!this.images || this.count === 0) return null;
    const stored = this.images;
    return tf.tidy(() => tf.slice(stored, 0, this.count));
  }

  /**
   * Replaces the stored images (restoring a checkpoint).
   * @param images - [k, h, w, c] images with k <= capacity (copied; the caller keeps them), or
   *   null to empty the pool
   * @throws GanError `INVALID_DATA` for more images than the capacity; `SHAPE_MISMATCH` for a
   *   tensor that is not [k, h, w, c]
   */
  setImages(images: tf.Tensor4D | null): void {
    if (images) {
      this.checkImages('setImages', 'images', images, false);
      if (images.shape[0] > this.capacity) {
        throw new GanError(
          'INVALID_DATA',
          `ImagePool.setImages: images must hold at most ${this.capacity} images (the capacity), got ${formatShape(images.shape)}`,
        );
      }
    }
    this.images?.dispose();
    this.images = null;
    this.count = 0;
    if (!images || images.shape[0] === 0) return;
    const [k, h, w, c] = images.shape;
    const padding = tf.zeros([this.capacity - k, h, w, c], images.dtype);
    this.images = tf.keep(tf.concat([images, padding]) as tf.Tensor4D);
    padding.dispose();
    this.count = k;
  }

  /** Frees the stored images. */
  dispose(): void {
    this.images?.dispose();
    this.images = null;
    this.count = 0;
  }

  private checkImages(method: string, name: string, images: tf.Tensor, againstStored = true): void {
    const stored = againstStored && this.count > 0 ? this.images?.shape.slice(1) : undefined;
    if (
      !(images instanceof tf.Tensor) ||
      images.rank !== 4 ||
      (stored && !tf.util.arraysEqual(stored, images.shape.slice(1)))
    ) {
      const want = stored ? `[n, ${stored.join(', ')}]` : '[n, h, w, c]';
      const got = images instanceof tf.Tensor ? formatShape(images.shape) : typeof images;
      throw new GanError(
        'SHAPE_MISMATCH',
        `ImagePool.${method}: ${name} must have shape ${want}, got ${got}`,
      );
    }
  }
}

/**
 * Options of {@link cycleGanStrategy}.
 * @category Strategies
 */
export interface CycleGanStrategyOptions {
  /** G: images of domain A -> images of domain B (e.g. `unetGenerator`). */
  generatorAB: tfl.LayersModel;
  /** F: images of domain B -> images of domain A. */
  generatorBA: tfl.LayersModel;
  /** D_X: images of domain A -> logits, one per image or a patch map (e.g. `patchganDiscriminator`). */
  discriminatorA: tfl.LayersModel;
  /** D_Y: images of domain B -> logits. */
  discriminatorB: tfl.LayersModel;
  /** lambda_cyc, weight of the cycle-consistency term. Default 10 (Zhu et al.). */
  cycleWeight?: number;
  /**
   * lambda_id, weight of the identity term. Default `0.5 * cycleWeight` (Zhu et al.'s 0.5
   * lambda). 0 turns the term off; only then may the two domains differ in image shape.
   */
  identityWeight?: number;
  /** Adversarial loss pair. Default `lsgan` (Mao et al., as Zhu et al. use). */
  loss?: AdversarialLossName | AdversarialLoss;
  /** Images in each discriminator's history pool ({@link ImagePool}). Default 50; 0 turns the pools off. */
  poolSize?: number;
  /** Adam settings of the three optimizers. Default lr 2e-4, beta1 0.5, beta2 0.999 (Zhu et al.). */
  optimizer?: AdamSettings;
  /**
   * A few images of each domain (`a` and `b`, as many of each) shown in sample grids (copied;
   * the caller keeps ownership).
   */
  preview: UnpairedBatch;
}

/**
 * The CycleGAN strategy: also translates images either way and keeps the history pools.
 * @category Strategies
 */
export interface CycleGanStrategy extends Strategy<UnpairedBatch, tf.Tensor4D> {
  /** lambda_cyc. */
  readonly cycleWeight: number;
  /** lambda_id (0 when the identity term is off). */
  readonly identityWeight: number;
  /** The history pools: `a` holds F's images of domain A (for D_X), `b` G's images of domain B (for D_Y). */
  readonly pools: { readonly a: ImagePool; readonly b: ImagePool };
  /**
   * Translates images with G or F in inference mode.
   * @param images - [n, h, w, c] images in [-1, 1] of domain A (`a2b`) or B (`b2a`)
   * @param direction - `a2b` for G(x), `b2a` for F(y)
   * @returns [n, h', w', c'] images of the other domain (caller owns)
   * @throws GanError `INVALID_ARGUMENT` for another direction; `SHAPE_MISMATCH` for images
   *   that do not fit the generator's input
   */
  translate(images: tf.Tensor4D, direction: TranslationDirection): tf.Tensor4D;
  /**
   * @returns the pools' images as tensors `pool_a` and `pool_b` (caller owns; an empty pool is
   *   left out) and their sizes as JSON
   */
  getState(): StrategyState;
  /**
   * Restores the pools from {@link CycleGanStrategy.getState}'s output (missing tensors empty a pool).
   * @param state - sizes and tensors (copied; the caller disposes them)
   * @throws GanError `INVALID_DATA` when the images do not fit their domain or the pool
   */
  setState(state: StrategyState): void;
}

type Shape = (number | null)[];

/** Whether two per-example shapes can be the same (null: any size). */
const fits = (a: Shape, b: Shape) =>
  a.length === b.length && a.every((d, i) => d === null || b[i] === null || d === b[i]);

/** A per-example shape for messages: unknown sizes as `?`. */
const shapeText = (s: Shape) => `[${s.map((d) => d ?? '?').join(', ')}]`;

/** Images resized (nearest) to [h, w] and, for another channel count, shown as gray. */
const showAs = (x: tf.Tensor4D, [h, w, c]: number[]) => {
  let shown = x.shape[1] === h && x.shape[2] === w ? x : tf.image.resizeNearestNeighbor(x, [h!, w!]);
  if (shown.shape[3] !== c) shown = tf.tile(tf.mean(shown, 3, true), [1, 1, 1, c!]) as tf.Tensor4D;
  return shown;
};

/**
 * CycleGAN (Zhu et al. 2017, "Unpaired Image-to-Image Translation using Cycle-Consistent
 * Adversarial Networks"): two generators G: A -> B and F: B -> A learn from unpaired images
 * `x` of domain A (X) and `y` of domain B (Y), with D_X judging domain A and D_Y domain B:
 *
 *   `L_GF = L_G(D_Y(G(x))) + L_G(D_X(F(y)))`
 *         `+ lambda_cyc (||F(G(x)) - x||_1 + ||G(F(y)) - y||_1)`
 *         `+ lambda_id (||G(y) - y||_1 + ||F(x) - x||_1)`
 *   `L_DY = (1/2) L_D(D_Y(y), D_Y(pool_B(G(x))))`,  `L_DX = (1/2) L_D(D_X(x), D_X(pool_A(F(y))))`
 *
 * with `||.||_1` the mean absolute error (`l1Loss`), lambda_cyc = 10 and lambda_id = 0.5
 * lambda_cyc by default (the identity term of the paper's section 5.2), and `(L_D, L_G)` the
 * adversarial pair, LSGAN by default as in the paper. Each step updates G and F together (one
 * Adam step over both generators' variables), then D_Y and D_X (each its own Adam), on the
 * fakes of the generator step passed through the history pools ({@link ImagePool}, 50 images
 * each, coin flips from the step's random stream; the pools are saved with checkpoints, so a
 * resumed run continues exactly). D's objective is halved, as in the paper's implementation
 * ("we divide the objective by 2 while optimizing D"). Note that `@gankit/losses`' `lsgan` pair
 * already carries Mao et al.'s 1/2: with it D_Y minimises
 * `(1/4) (E[(D_Y(y) - 1)^2] + E[D_Y(pool_B(G(x)))^2])` and G's term is
 * `(1/2) E[(D_Y(G(x)) - 1)^2]`, half the plain mean squared error of Zhu et al.'s code (Adam
 * makes D's constant factor immaterial, but G's halves the adversarial terms against the
 * cycle term). Seeded dropout layers of G and F are reseeded from the run's random stream
 * every step.
 *
 * Losses logged: `g_loss` (L_GF), `d_loss` (`d_x_loss + d_y_loss`), `cycle_loss` and
 * `identity_loss` (the unweighted sums of their two L1 distances; the latter only when
 * lambda_id > 0), `d_x_loss`, `d_y_loss`. `sample(count)` returns rows of six images per
 * preview pair (x, G(x), F(G(x)), y, F(y), G(F(y))), for the first `ceil(count / 6)` pairs,
 * all shown at domain B's image shape; `gridColumns` is 6. `samplingNetwork()` is G.
 *
 * @param options - the four networks, lambdas, loss, pool size, optimizer, preview images
 * @returns the strategy (it owns the networks, optimizers, pools and its copy of the preview)
 * @throws GanError `INVALID_ARGUMENT` for a negative weight, a bad pool size or networks
 *   without exactly one input and one output; `SHAPE_MISMATCH` when the networks do not fit
 *   each other (G's output F's input, F's output G's input, D_X's input domain A, D_Y's domain
 *   B; with lambda_id > 0, domains of one image shape) or the preview; at step time
 *   `INVALID_DATA` for a batch without `a` and `b` tensors, `SHAPE_MISMATCH` for different
 *   batch sizes or images that do not fit the generators
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import * as tfl from '@tensorflow/tfjs-layers';
 * import { SeededRandom } from '@gankit/core';
 * import { cycleGanStrategy } from '@gankit/trainers';
 * // toy 8x8 gray networks: a 3x3 convolution each way, a strided one as each discriminator
 * const net = (layer: tfl.layers.Layer) => {
 *   const x = tfl.input({ shape: [8, 8, 1] });
 *   return tfl.model({ inputs: x, outputs: layer.apply(x) as tfl.SymbolicTensor });
 * };
 * const translator = () => net(tfl.layers.conv2d({ filters: 1, kernelSize: 3, padding: 'same', activation: 'tanh' }));
 * const critic = () => net(tfl.layers.conv2d({ filters: 1, kernelSize: 4, strides: 2, padding: 'same' }));
 * const images = (seed: number) => tf.randomUniform([2, 8, 8, 1], -1, 1, 'float32', seed) as tf.Tensor4D;
 * const preview = { a: images(1), b: images(2) };
 * const strategy = cycleGanStrategy({
 *   generatorAB: translator(),
 *   generatorBA: translator(),
 *   discriminatorA: critic(),
 *   discriminatorB: critic(),
 *   preview,
 * });
 * const losses = strategy.trainStep([{ a: images(3), b: images(4) }], { step: 1, rng: new SeededRandom(0) });
 * console.log(Object.keys(losses)); // ['d_loss', 'g_loss', 'cycle_loss', 'identity_loss', 'd_x_loss', 'd_y_loss']
 * const zebras = strategy.translate(preview.a, 'a2b'); // G(x), [2, 8, 8, 1]
 * const grid = strategy.sample(12, 0); // [12, 8, 8, 1]: two rows of x, G(x), F(G(x)), y, F(y), G(F(y))
 * tf.dispose([zebras, grid, preview.a, preview.b, ...Object.values(losses)]);
 * strategy.dispose();
 * ```
 * @category Strategies
 */
export function cycleGanStrategy(options: CycleGanStrategyOptions): CycleGanStrategy {
  const fn = 'cycleGanStrategy';
  const { generatorAB: g, generatorBA: f, discriminatorA: dX, discriminatorB: dY } = options;
  const nets = { generatorAB: g, generatorBA: f, discriminatorA: dX, discriminatorB: dY };
  for (const [name, net] of Object.entries(nets)) {
    if (net?.inputs?.length !== 1 || net.outputs.length !== 1) {
      throw new GanError(
        'INVALID_ARGUMENT',
        `${fn}: ${name} must be a network with one input and one output, got ${net?.inputs ? `${net.inputs.length} inputs and ${net.outputs.length} outputs` : typeof net}`,
      );
    }
  }
  const cycleWeight = checkNumber(fn, 'cycleWeight', options.cycleWeight ?? 10, { min: 0 });
  const identityWeight = checkNumber(fn, 'identityWeight', options.identityWeight ?? 0.5 * cycleWeight, {
    min: 0,
  });
  const poolSize = checkInteger(fn, 'poolSize', options.poolSize ?? 50, 0);
  const loss = resolveAdversarialLoss(fn, options.loss ?? 'lsgan');

  const perExample = (net: tfl.LayersModel, side: 'inputs' | 'outputs') => net[side][0]!.shape.slice(1);
  const shapeA = perExample(g, 'inputs');
  const shapeB = perExample(g, 'outputs');
  const requirements: [boolean, string][] = [
    [
      fits(perExample(f, 'inputs'), shapeB) && fits(perExample(f, 'outputs'), shapeA),
      `generatorBA must map domain B images ${shapeText(shapeB)} (generatorAB's output) to domain A images ${shapeText(shapeA)} (generatorAB's input), got ${shapeText(perExample(f, 'inputs'))} -> ${shapeText(perExample(f, 'outputs'))}`,
    ],
    [
      fits(perExample(dX, 'inputs'), shapeA),
      `discriminatorA must take domain A images ${shapeText(shapeA)}, got ${shapeText(perExample(dX, 'inputs'))}`,
    ],
    [
      fits(perExample(dY, 'inputs'), shapeB),
      `discriminatorB must take domain B images ${shapeText(shapeB)}, got ${shapeText(perExample(dY, 'inputs'))}`,
    ],
    [
      identityWeight === 0 || fits(shapeA, shapeB),
      `the identity term (identityWeight ${identityWeight}) needs domains of one image shape (G(y), F(x)), got A ${shapeText(shapeA)} and B ${shapeText(shapeB)}; set identityWeight to 0`,
    ],
  ];
  for (const [ok, message] of requirements) {
    if (!ok) throw new GanError('SHAPE_MISMATCH', `${fn}: ${message}`);
  }

  const checkBatch = (batch: UnpairedBatch, what: string) => {
    if (!(batch?.a instanceof tf.Tensor) || !(batch.b instanceof tf.Tensor)) {
      const keys = batch && typeof batch === 'object' ? Object.keys(batch).join(', ') : typeof batch;
      throw new GanError(
        'INVALID_DATA',
        `${fn}: ${what} needs 'a' and 'b' image tensors (domains A and B), got {${keys}}`,
      );
    }
    const { a, b } = batch;
    if (a.rank !== 4 || !fits(a.shape.slice(1), shapeA) || b.rank !== 4 || !fits(b.shape.slice(1), shapeB)) {
      throw new GanError(
        'SHAPE_MISMATCH',
        `${fn}: ${what}.a must be [n, ${shapeText(shapeA).slice(1)} and ${what}.b [n, ${shapeText(shapeB).slice(1)} images (the generators' inputs), got ${formatShape(a.shape)} and ${formatShape(b.shape)}`,
      );
    }
    if (a.shape[0] !== b.shape[0] || a.shape[0] === 0) {
      throw new GanError(
        'SHAPE_MISMATCH',
        `${fn}: ${what}.a ${formatShape(a.shape)} and ${what}.b ${formatShape(b.shape)} must hold the same number (> 0) of images`,
      );
    }
  };
  checkBatch(options.preview, 'preview');
  const preview = { a: tf.keep(tf.clone(options.preview.a)), b: tf.keep(tf.clone(options.preview.b)) };

  const optimizers = {
    generator: adamOptimizer(fn, options.optimizer),
    discriminatorA: adamOptimizer(fn, options.optimizer),
    discriminatorB: adamOptimizer(fn, options.optimizer),
  };
  const gfVars = [...trainableVariables(g), ...trainableVariables(f)];
  const dXVars = trainableVariables(dX);
  const dYVars = trainableVariables(dY);
  const pools = { a: new ImagePool(poolSize), b: new ImagePool(poolSize) };
  const run = (net: tfl.LayersModel, x: tf.Tensor) => net.apply(x, { training: true }) as tf.Tensor;

  return {
    name: 'cyclegan',
    cycleWeight,
    identityWeight,
    pools,
    networks: nets,
    optimizers,
    batchesPerStep: () => 1,
    trainStep(batches: UnpairedBatch[], { rng }: StepContext) {
      const batch = batches[0]!;
      checkBatch(batch, 'batch');
      const { a: x, b: y } = batch;
      // dropout, where the generators have it, is their noise: fresh masks, reproducible
      reseedDropout(g, rng.seed());
      reseedDropout(f, rng.seed());
      // assigned inside the tape closure, so kept in an object TypeScript does not narrow
      const kept: { fakeA?: tf.Tensor; fakeB?: tf.Tensor; cycle?: tf.Scalar; identity?: tf.Scalar } = {};
      const gLoss = optimizerStep(
        optimizers.generator,
        () => {
          const fakeB = run(g, x); // G(x)
          const fakeA = run(f, y); // F(y)
          // relativistic losses also compare with D's view of the real images of its domain
          const adversarial = tf.add(
            generatorAdversarialTerm(loss, run(dY, fakeB), () => run(dY, y)),
            generatorAdversarialTerm(loss, run(dX, fakeA), () => run(dX, x)),
          );
          const cycle = tf.add(l1Loss(run(f, fakeB), x), l1Loss(run(g, fakeA), y)) as tf.Scalar;
          kept.fakeA = tf.keep(tf.clone(fakeA));
          kept.fakeB = tf.keep(tf.clone(fakeB));
          kept.cycle = tf.keep(tf.clone(cycle));
          let total = tf.add(adversarial, tf.mul(cycleWeight, cycle));
          if (identityWeight > 0) {
            const identity = tf.add(l1Loss(run(g, y), y), l1Loss(run(f, x), x)) as tf.Scalar;
            kept.identity = tf.keep(tf.clone(identity));
            total = tf.add(total, tf.mul(identityWeight, identity));
          }
          return total as tf.Scalar;
        },
        gfVars,
      );
      // D_Y, then D_X (the reference code's order), on the generator step's fakes through the pools
      const pooledB = pools.b.query(kept.fakeB as tf.Tensor4D, rng);
      const pooledA = pools.a.query(kept.fakeA as tf.Tensor4D, rng);
      const dYLoss = discriminatorStep({
        loss,
        optimizer: optimizers.discriminatorB,
        variables: dYVars,
        realLogits: () => run(dY, y),
        fakeLogits: () => run(dY, pooledB),
        weight: 0.5,
      }).d_loss;
      const dXLoss = discriminatorStep({
        loss,
        optimizer: optimizers.discriminatorA,
        variables: dXVars,
        realLogits: () => run(dX, x),
        fakeLogits: () => run(dX, pooledA),
        weight: 0.5,
      }).d_loss;
      tf.dispose([kept.fakeA!, kept.fakeB!, pooledA, pooledB]);
      return {
        d_loss: tf.add(dXLoss, dYLoss) as tf.Scalar,
        g_loss: gLoss,
        cycle_loss: kept.cycle!,
        ...(kept.identity ? { identity_loss: kept.identity } : {}),
        d_x_loss: dXLoss,
        d_y_loss: dYLoss,
      };
    },
    sample(count: number) {
      const rows = Math.max(1, Math.min(preview.a.shape[0], Math.ceil(count / 6)));
      return tf.tidy(() => {
        const x = tf.slice(preview.a, 0, rows);
        const y = tf.slice(preview.b, 0, rows);
        const gx = g.predict(x) as tf.Tensor4D;
        const fy = f.predict(y) as tf.Tensor4D;
        const [, h, w, c] = gx.shape;
        const columns = [x, gx, f.predict(gx) as tf.Tensor4D, y, fy, g.predict(fy) as tf.Tensor4D];
        // interleave per pair: [x0, G(x0), F(G(x0)), y0, F(y0), G(F(y0)), x1, ...]
        return tf.reshape(
          tf.stack(
            columns.map((column) => showAs(column, [h, w, c])),
            1,
          ),
          [6 * rows, h, w, c],
        ) as tf.Tensor4D;
      });
    },
    gridColumns: () => 6,
    samplingNetwork: () => g,
    translate(images: tf.Tensor4D, direction: TranslationDirection) {
      if (direction !== 'a2b' && direction !== 'b2a') {
        throw new GanError(
          'INVALID_ARGUMENT',
          `${fn}: translate's direction must be 'a2b' or 'b2a', got '${String(direction)}'`,
        );
      }
      const [net, shape, domain] = direction === 'a2b' ? [g, shapeA, 'A'] : [f, shapeB, 'B'];
      if (!(images instanceof tf.Tensor) || images.rank !== 4 || !fits(images.shape.slice(1), shape)) {
        throw new GanError(
          'SHAPE_MISMATCH',
          `${fn}: translate('${direction}') needs [n, ${shapeText(shape).slice(1)} images of domain ${domain}, got ${images instanceof tf.Tensor ? formatShape(images.shape) : typeof images}`,
        );
      }
      return tf.tidy(() => net.predict(images) as tf.Tensor4D);
    },
    getState() {
      const tensors: Record<string, tf.Tensor[]> = {};
      const a = pools.a.getImages();
      const b = pools.b.getImages();
      if (a) tensors.pool_a = [a];
      if (b) tensors.pool_b = [b];
      return { state: { poolA: pools.a.size, poolB: pools.b.size }, tensors };
    },
    setState({ state, tensors = {} }: StrategyState) {
      const sizes = (state ?? {}) as { poolA?: number; poolB?: number };
      const restore = (pool: ImagePool, key: 'pool_a' | 'pool_b', size: number | undefined, shape: Shape) => {
        const list = tensors[key] ?? [];
        const images = (list[0] ?? null) as tf.Tensor4D | null;
        const held = images?.shape[0] ?? 0;
        if (
          list.length > 1 ||
          (images && (images.rank !== 4 || !fits(images.shape.slice(1), shape))) ||
          (size !== undefined && size !== held)
        ) {
          throw new GanError(
            'INVALID_DATA',
            `${fn}: the checkpoint's ${key} must be one [${size ?? 'k'}, ${shapeText(shape).slice(1)} tensor, got ${list.map((t) => formatShape(t.shape)).join(', ') || 'none'}`,
          );
        }
        pool.setImages(images);
      };
      restore(pools.a, 'pool_a', sizes.poolA, shapeA);
      restore(pools.b, 'pool_b', sizes.poolB, shapeB);
    },
    dispose() {
      for (const net of Object.values(nets)) net.dispose();
      for (const o of Object.values(optimizers)) o.dispose();
      pools.a.dispose();
      pools.b.dispose();
      tf.dispose([preview.a, preview.b]);
    },
  };
}
