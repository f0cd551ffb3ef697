import * as path from 'node:path';
import { checkInteger, GanError, SeededRandom } from '@gankit/core';
import { CheckpointManager } from '@gankit/data';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { Callback, TrainingContext } from './callbacks.js';
import { WeightsEma } from './ema.js';
import { trainingStep } from './step.js';
import type { Batch, BatchSource, StepLosses, Strategy } from './types.js';

/** Prefix of a strategy's tensor lists (`Strategy.getState`) among a checkpoint's tensors. */
const STRATEGY_TENSORS = 'strategy.';

/**
 * Options of {@link Trainer}.
 * @category Engine
 */
export interface TrainerOptions<B = Batch> {
  /** The GAN family's step logic and networks. */
  strategy: Strategy<B>;
  /** Where batches come from. */
  data: BatchSource<B>;
  /** The step to train up to (inclusive). */
  steps: number;
  /** Seed of the run's random stream (latents, seeds of random ops). Default 0. */
  seed?: number;
  /** Hooks run around the steps. */
  callbacks?: Callback[];
  /** Run folder: checkpoints go to `<runDir>/checkpoints`. */
  runDir?: string;
  /** How many checkpoints to keep. Default 3. */
  keepCheckpoints?: number;
  /** The resolved config, saved with every checkpoint. */
  config?: Record<string, unknown>;
  /**
   * Keep an exponential moving average of the sampling network's weights (decay, e.g. 0.999);
   * samples and the exported generator then use the averaged weights.
   */
  emaDecay?: number;
  /**
   * What to do when a loss becomes NaN or infinite: `stop` (default) throws a GanError naming
   * the step and the term; `rollback` restores the last checkpoint, draws different latents
   * and goes on (at most 3 times in a row, then stops).
   */
  onNonFinite?: 'stop' | 'rollback';
  /** Save a checkpoint and stop cleanly on SIGINT/SIGTERM. Default false (the CLI turns it on). */
  checkpointOnSignal?: boolean;
}

/**
 * What {@link Trainer.fit} reports.
 * @category Engine
 */
export interface TrainResult {
  /** The last step run. */
  step: number;
  /** The last step's losses. */
  lastLosses: StepLosses;
  /** Wall-clock milliseconds of this call. */
  elapsedMs: number;
  /** Set when a SIGINT/SIGTERM stopped the run early (after saving a checkpoint). */
  interruptedBy?: NodeJS.Signals;
}

/**
 * The training loop every GAN family runs on: draws `strategy.batchesPerStep()` batches per
 * step, runs the strategy's step, reads the losses, runs callbacks, and saves full
 * checkpoints (networks, optimizer slots, step, random state, data position, callback state,
 * the strategy's own state from `Strategy.getState`, config) that {@link Trainer.restore}
 * continues from exactly.
 *
 * @example
 * ```ts
 * import { gaussianMixture } from '@gankit/data';
 * import { mlpDiscriminator, mlpGenerator } from '@gankit/models';
 * import { adversarialStrategy, pointsBatchSource, progressCallback, Trainer } from '@gankit/trainers';
 * // a vanilla GAN on a ring of 8 Gaussians: 20 steps, a progress line every 10
 * const strategy = adversarialStrategy({
 *   generator: mlpGenerator({ latentDim: 8, outputDim: 2, hidden: [32], seed: 1 }),
 *   discriminator: mlpDiscriminator({ inputDim: 2, hidden: [32], seed: 2 }),
 *   loss: 'non-saturating',
 * });
 * const trainer = new Trainer({
 *   strategy,
 *   data: pointsBatchSource(gaussianMixture({ kind: 'ring' }), { batchSize: 64, seed: 3 }),
 *   steps: 20,
 *   callbacks: [progressCallback({ every: 10 })],
 * });
 * const result = await trainer.fit(); // step 10/20  d_loss ...  g_loss ...
 * console.log(result.step); // 20
 * trainer.dispose();
 * strategy.dispose();
 * ```
 * @category Engine
 */
export class Trainer<B extends object = Batch> {
  /** The strategy being trained. */
  readonly strategy: Strategy<B>;
  /** The run's random stream. */
  readonly rng: SeededRandom;
  /** The last finished step (0 before training). */
  step = 0;
  private readonly options: TrainerOptions<B>;
  private readonly callbacks: Callback[];
  private readonly checkpoints: CheckpointManager | undefined;
  private startTime = 0;
  private startStep = 0;
  private readonly ema: WeightsEma | undefined;
  private skipped: { path: string; reason: string }[] = [];
  private interruptedBy: NodeJS.Signals | undefined;

  /**
   * @param options - strategy, data, steps, seed, callbacks, run folder
   * @throws GanError `INVALID_ARGUMENT` for a non-positive step count or duplicate callback names
   */
  constructor(options: TrainerOptions<B>) {
    checkInteger('Trainer', 'steps', options.steps, 0);
    this.options = options;
    this.strategy = options.strategy;
    this.rng = new SeededRandom(options.seed ?? 0);
    this.callbacks = options.callbacks ?? [];
    const names = this.callbacks.map((c) => c.name);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup)
      throw new GanError(
        'INVALID_ARGUMENT',
        `Trainer: two callbacks are named '${dup}'; names key their checkpoint state`,
      );
    this.checkpoints = options.runDir
      ? new CheckpointManager(path.join(options.runDir, 'checkpoints'), {
          keep: options.keepCheckpoints ?? 3,
        })
      : undefined;
    this.ema =
      options.emaDecay === undefined
        ? undefined
        : new WeightsEma(this.strategy.samplingNetwork(), options.emaDecay);
  }

  /** The step the run trains up to. */
  get totalSteps(): number {
    return this.options.steps;
  }

  /**
   * Changes the step the run trains up to (used by `resume --steps N`).
   * @param steps - the new last step
   */
  setTotalSteps(steps: number): void {
    this.options.steps = checkInteger('Trainer.setTotalSteps', 'steps', steps, 0);
  }

  /**
   * Trains from the current step up to `steps`.
   * @returns the last step and its losses
   * @throws GanError `NON_FINITE` when a loss becomes NaN or infinite, naming the step and term
   */
  async fit(): Promise<TrainResult> {
    this.startTime = performance.now();
    this.startStep = this.step;
    this.interruptedBy = undefined;
    const stopOnSignal = (signal: NodeJS.Signals) => {
      this.interruptedBy = signal;
    };
    if (this.options.checkpointOnSignal) {
      process.on('SIGINT', stopOnSignal);
      process.on('SIGTERM', stopOnSignal);
    }
    const ctx = this.context();
    for (const cb of this.callbacks) await cb.onTrainBegin?.(ctx);
    let lastLosses: StepLosses = {};
    let rollbacks = 0;
    let failure: { error: unknown } | undefined;
    try {
      while (this.step < this.options.steps && !this.interruptedBy) {
        for (const cb of this.callbacks) await cb.onStepBegin?.(this.context());
        try {
          lastLosses = await this.runStep(this.step + 1);
          this.step++;
          this.ema?.update();
          // a checkpoint of this step refuses non-finite weights (NON_FINITE), caught here too
          const stepCtx = this.context();
          for (const cb of this.callbacks) await cb.onStepEnd?.(stepCtx, lastLosses);
        } catch (e) {
          if (
            !(e instanceof GanError && e.code === 'NON_FINITE') ||
            this.options.onNonFinite !== 'rollback' ||
            rollbacks >= 3
          ) {
            throw e;
          }
          rollbacks++;
          const restored = this.checkpoints ? await this.restore() : undefined;
          if (restored === undefined) throw e;
          this.rng.nextUint32(); // different latents than the draw that diverged
          continue;
        }
        rollbacks = 0;
      }
      if (this.interruptedBy) await this.saveCheckpoint();
    } catch (e) {
      failure = { error: e };
    }
    process.off('SIGINT', stopOnSignal);
    process.off('SIGTERM', stopOnSignal);
    const endCtx = this.context();
    for (const cb of this.callbacks) {
      try {
        await cb.onTrainEnd?.(endCtx);
      } catch (e) {
        // after a failure (say a NaN loss, whose update already reached the weights) a final
        // checkpoint is refused too: the first error is the one to report
        failure ??= { error: e };
      }
    }
    if (failure) throw failure.error;
    return {
      step: this.step,
      lastLosses,
      elapsedMs: performance.now() - this.startTime,
      ...(this.interruptedBy ? { interruptedBy: this.interruptedBy } : {}),
    };
  }

  /**
   * Generates samples from the sampling network, with the EMA weights when EMA is on.
   * @param count - how many
   * @param seed - seed of the latent draw
   * @returns images in [-1, 1] or points (the caller owns them)
   */
  sample(count: number, seed: number): tf.Tensor {
    return this.ema
      ? this.ema.withAveragedWeights(() => this.strategy.sample(count, seed))
      : this.strategy.sample(count, seed);
  }

  /**
   * Runs `fn` with the network that should be exported for sampling loaded with its final
   * weights (the EMA average when EMA is on), e.g. to save it.
   * @param fn - receives the sampling network
   * @returns what `fn` returns
   */
  async withSamplingNetwork<T>(fn: (model: tfl.LayersModel) => Promise<T>): Promise<T> {
    const model = this.strategy.samplingNetwork();
    if (!this.ema) return fn(model);
    const live = model.getWeights().map((w) => tf.clone(w));
    model.setWeights(this.ema.getWeights());
    try {
      return await fn(model);
    } finally {
      model.setWeights(live);
      tf.dispose(live);
    }
  }

  /** Frees trainer-owned state (the EMA weights); the strategy is freed by its owner. */
  dispose(): void {
    this.ema?.dispose();
  }

  private runStep(step: number): Promise<StepLosses> {
    return trainingStep(this.strategy, this.options.data, step, this.rng);
  }

  private context(): TrainingContext {
    return {
      strategy: this.strategy as Strategy<never>,
      step: this.step,
      totalSteps: this.options.steps,
      startStep: this.startStep,
      elapsedMs: performance.now() - this.startTime,
      ...(this.options.runDir ? { runDir: this.options.runDir } : {}),
      saveCheckpoint: () => this.saveCheckpoint(),
      sample: (count: number, seed: number) => this.sample(count, seed),
    };
  }

  /**
   * Saves a full checkpoint of the current state under `<runDir>/checkpoints`.
   * @returns the checkpoint folder, or undefined when the trainer has no run folder
   */
  async saveCheckpoint(): Promise<string | undefined> {
    if (!this.checkpoints) return undefined;
    const callbackState: Record<string, unknown> = {};
    for (const cb of this.callbacks) if (cb.getState) callbackState[cb.name] = cb.getState();
    const strategyState = this.strategy.getState?.();
    const strategyTensors = Object.entries(strategyState?.tensors ?? {});
    const tensors: Record<string, tf.Tensor[]> = this.ema ? { ema: this.ema.getWeights() } : {};
    // prefixed, so that a strategy's names never meet the trainer's own (`ema`)
    for (const [name, list] of strategyTensors) tensors[`${STRATEGY_TENSORS}${name}`] = list;
    try {
      return await this.checkpoints.save({
        step: this.step,
        models: { ...this.strategy.networks },
        optimizers: { ...this.strategy.optimizers },
        ...(Object.keys(tensors).length > 0 ? { tensors } : {}),
        state: {
          rng: this.rng.getState(),
          data: this.options.data.getState(),
          callbacks: callbackState,
          ...(strategyState ? { strategy: strategyState.state ?? null } : {}),
          totalSteps: this.options.steps,
          config: this.options.config ?? {},
        },
      });
    } finally {
      tf.dispose(strategyTensors.flatMap(([, list]) => list));
    }
  }

  /**
   * Checkpoints the last {@link Trainer.restore} passed over because they could not be read
   * (newest first), with the reason; empty when the newest one restored.
   */
  get skippedCheckpoints(): readonly { path: string; reason: string }[] {
    return this.skipped;
  }

  /**
   * Restores the latest checkpoint of the run folder (or `from`): weights, optimizer slots,
   * step, random stream, data position, callback state and the strategy's own state
   * (`Strategy.setState`).
   * @param from - a specific checkpoint folder
   * @returns the restored step, or undefined when there was no checkpoint
   * @throws GanError `INVALID_DATA` when the checkpoint does not fit the strategy's networks
   */
  async restore(from?: string): Promise<number | undefined> {
    if (!this.checkpoints) {
      throw new GanError('INVALID_ARGUMENT', 'Trainer.restore: the trainer has no runDir to restore from');
    }
    const restored = await this.checkpoints.restore(
      { models: { ...this.strategy.networks }, optimizers: { ...this.strategy.optimizers } },
      from,
    );
    if (!restored) return undefined;
    this.skipped = restored.skipped;
    const state = restored.state as {
      rng: number[];
      data: unknown;
      callbacks?: Record<string, unknown>;
      strategy?: unknown;
    };
    try {
      if (this.ema && restored.tensors.ema) this.ema.setWeights(restored.tensors.ema);
      if (this.strategy.setState) {
        const tensors: Record<string, tf.Tensor[]> = {};
        for (const [name, list] of Object.entries(restored.tensors)) {
          if (name.startsWith(STRATEGY_TENSORS)) tensors[name.slice(STRATEGY_TENSORS.length)] = list;
        }
        this.strategy.setState({ state: state.strategy ?? undefined, tensors });
      }
    } finally {
      tf.dispose(Object.values(restored.tensors).flat());
    }
    this.rng.setState(state.rng);
    this.options.data.setState(state.data);
    for (const cb of this.callbacks) {
      const s = state.callbacks?.[cb.name];
      if (s !== undefined) cb.setState?.(s);
    }
    this.step = restored.step;
    return restored.step;
  }
}
