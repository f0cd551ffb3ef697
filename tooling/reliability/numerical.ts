/**
 * Numerical faults, injected in-process through the library: a NaN batch, and a weight that an
 * update turns into NaN just before a checkpoint. With `training.onNonFinite: stop` the run must
 * stop with a GanError naming the step and the term (the loss, or the weight that a checkpoint
 * refused); with `rollback` it must finish. Either way every checkpoint on disk must load, and
 * loading checks that each weight is finite.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { CheckpointManager, loadModel } from '@gankit/data';
import { createRun, disposeRun, presetConfig } from '@gankit/families';
import * as tf from '@tensorflow/tfjs-core';

export interface NumericalResult {
  id: string;
  ok: boolean;
  detail: string;
}

const AT = 12;

const PRESETS: [string, string[], number | undefined][] = [
  ['gan-ring8', ['output.checkpointEvery=4'], 64],
  [
    'dcgan-fashion',
    [
      'output.checkpointEvery=4',
      'model.generatorWidth=8',
      'model.discriminatorWidth=8',
      'output.evalSamples=0',
    ],
    16,
  ],
];

async function checkpointsFinite(runDir: string): Promise<string | undefined> {
  const manager = new CheckpointManager(path.join(runDir, 'checkpoints'));
  for (const ckpt of await manager.list()) {
    for (const net of await fs.readdir(path.join(ckpt, 'models'))) {
      try {
        (await loadModel(path.join(ckpt, 'models', net))).dispose();
      } catch (e) {
        return `${path.basename(ckpt)}/${net}: ${(e as Error).message}`;
      }
    }
  }
  return undefined;
}

export async function numericalFaults(scratch: string): Promise<NumericalResult[]> {
  const results: NumericalResult[] = [];
  for (const [preset, set, batchSize] of PRESETS) {
    for (const fault of ['batch', 'weight'] as const) {
      for (const policy of ['stop', 'rollback'] as const) {
        const id = `${preset}: NaN ${fault === 'batch' ? 'in a batch' : 'in a weight'} at step ${AT}, ${policy}`;
        const runDir = path.join(scratch, `${preset}-${fault}-${policy}`);
        await fs.rm(runDir, { recursive: true, force: true });
        const config = presetConfig(preset, {
          steps: 24,
          backend: 'cpu',
          ...(batchSize ? { batchSize } : {}),
          set: [...set, `training.onNonFinite=${policy}`],
        });
        const run = await createRun(config, runDir);
        let step = 0;
        let injected = false;
        if (fault === 'batch') {
          const source = run.parts.data;
          const next = source.next.bind(source);
          source.next = async () => {
            const batch = await next();
            if (++step !== AT || injected) return batch;
            injected = true;
            const poisoned: Record<string, unknown> = {};
            for (const [k, v] of Object.entries(batch as Record<string, unknown>)) {
              poisoned[k] =
                v instanceof tf.Tensor && v.dtype === 'float32' ? tf.tidy(() => tf.add(v, Number.NaN)) : v;
              if (poisoned[k] !== v) (v as tf.Tensor).dispose();
            }
            return poisoned;
          };
        } else {
          const strategy = run.parts.strategy;
          const trainStep = strategy.trainStep.bind(strategy);
          strategy.trainStep = (batches, ctx) => {
            const losses = trainStep(batches, ctx);
            if (ctx.step === AT && !injected) {
              injected = true;
              const g = strategy.samplingNetwork();
              const w = g.getWeights();
              const nan = tf.fill(w[0]!.shape, Number.NaN);
              g.setWeights([nan, ...w.slice(1)]);
              nan.dispose();
            }
            return losses;
          };
        }
        let detail = '';
        let ok = false;
        try {
          const result = await run.trainer.fit();
          ok = policy === 'rollback' && result.step === 24 && injected;
          detail = `finished at step ${result.step}`;
        } catch (e) {
          detail = (e as Error).message;
          const named =
            fault === 'batch'
              ? new RegExp(`loss '\\w+' became NaN at step ${AT}`).test(detail)
              : new RegExp(`step-0+${AT}.*weight '.+' holds NaN|became NaN at step ${AT + 1}`).test(detail);
          ok = policy === 'stop' && (e as { code?: string }).code === 'NON_FINITE' && named;
        } finally {
          disposeRun(run);
        }
        const bad = await checkpointsFinite(runDir);
        if (bad) {
          ok = false;
          detail += `; a checkpoint holds a non-finite weight: ${bad}`;
        }
        results.push({ id, ok, detail });
      }
    }
  }
  return results;
}
