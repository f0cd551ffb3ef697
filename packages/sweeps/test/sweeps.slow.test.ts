// [slow] Real sweeps of gan-ring8 on the cpu backend: one in this process; the same one on two
// `gankit worker` processes over a test's own redis-server, whose table must equal the local one
// exactly; then the faults: a job that fails for good, a Redis restart mid-sweep, and a worker
// killed with SIGKILL mid-run whose job another worker resumes from the run's last checkpoint.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  enqueueSweep,
  formatSweepStatus,
  formatTable,
  type LocalSweepResult,
  parseSweepSpec,
  planSweep,
  runSweepJob,
  runSweepLocally,
  type SweepSpec,
  type SweepStatus,
  summarize,
  sweepResults,
  sweepStatus,
} from '../src/index.js';
import { hasRedisServer, startRedis, type TestRedis } from './redis-server.js';

const root = path.resolve(import.meta.dirname, '../../..');
/** Small, fast runs: batch 64, a checkpoint every 10 steps, no sample grids before the end. */
const SMALL = [
  'training.batchSize=64',
  'output.progressEvery=10',
  'output.checkpointEvery=10',
  'output.sampleEvery=1000',
];
const METRICS = ['modeCoverage.modesCaptured', 'modeCoverage.highQualityFraction'];
const ringLr: SweepSpec = parseSweepSpec({
  name: 'ring-lr',
  base: { preset: 'gan-ring8', backend: 'cpu', steps: 40, set: SMALL },
  axes: { 'optimizer.learningRate': [0.0002, 0.002] },
  seeds: [0, 1],
  metrics: METRICS,
});

let scratch: string;
beforeAll(async () => {
  scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'gankit-sweeps-'));
});
afterAll(async () => {
  await fs.rm(scratch, { recursive: true, force: true });
});

let local: Promise<LocalSweepResult> | undefined;
/** The ring-lr sweep run here, once (the queue tests compare with it). */
function localSweep(): Promise<LocalSweepResult> {
  local ??= runSweepLocally(ringLr, { resultsDir: path.join(scratch, 'local'), threads: 1 });
  return local;
}

describe('[slow] a sweep in this process', () => {
  it('trains 2 points x 2 seeds and tabulates mean ± std per point; running it again trains nothing', async () => {
    const { results, plan } = await localSweep();
    expect(plan.jobs).toHaveLength(4);
    expect(results.map((r) => [r.id, r.outcome])).toEqual([
      ['ring-lr:learningRate=0.0002:s0', 'trained'],
      ['ring-lr:learningRate=0.0002:s1', 'trained'],
      ['ring-lr:learningRate=0.002:s0', 'trained'],
      ['ring-lr:learningRate=0.002:s1', 'trained'],
    ]);
    for (const r of results) {
      expect(r.runDir).toBe(path.join(scratch, 'local', 'ring-lr', `${r.slug}-s${r.seed}`));
      const evaluation = JSON.parse(readFileSync(path.join(r.runDir, 'evaluation.json'), 'utf8'));
      expect(evaluation.step).toBe(40);
      expect(r.metrics['modeCoverage.highQualityFraction']).toBe(evaluation.modeCoverage.highQualityFraction);
    }
    const rows = summarize(results, METRICS);
    expect(rows.map((r) => [r.point, r.n, r.seeds])).toEqual([
      [{ 'optimizer.learningRate': 0.0002 }, 2, [0, 1]],
      [{ 'optimizer.learningRate': 0.002 }, 2, [0, 1]],
    ]);
    for (const row of rows) {
      const hq = row.metrics['modeCoverage.highQualityFraction']!;
      const [a, b] = results
        .filter((r) => r.slug === row.slug)
        .map((r) => r.metrics['modeCoverage.highQualityFraction']!);
      expect(hq.mean).toBe((a! + b!) / 2);
      expect(hq.std).toBeCloseTo(Math.abs(a! - b!) / Math.SQRT2, 12);
    }
    const table = formatTable(rows, { metrics: METRICS }).split('\n');
    expect(table).toHaveLength(3);
    expect(table[0]).toMatch(
      /^learningRate +n +modeCoverage\.modesCaptured +modeCoverage\.highQualityFraction$/,
    );
    expect(table[1]).toMatch(/^0\.0002 +2 +\S+ ± \S+ +\S+ ± \S+$/);

    const again = await runSweepLocally(ringLr, { resultsDir: path.join(scratch, 'local') });
    expect(again.results.map((r) => r.outcome)).toEqual(['reused', 'reused', 'reused', 'reused']);
    expect(again.results.map((r) => r.metrics)).toEqual(results.map((r) => r.metrics));
  }, 300_000);
});

/** The step of a run's published checkpoint (`checkpoints/latest` names it), 0 before the first. */
function latestCheckpoint(runDir: string): number {
  const file = path.join(runDir, 'checkpoints', 'latest');
  if (!existsSync(file)) return 0;
  return Number(/step-(\d+)/.exec(readFileSync(file, 'utf8'))?.[1] ?? 0);
}

/** A `gankit worker` process and everything it printed. */
interface WorkerProcess {
  child: ChildProcess;
  output: string;
}

const redisAvailable = hasRedisServer();
if (!redisAvailable) {
  console.warn(
    '[sweeps] redis-server is not on PATH: the BullMQ tests are skipped (apt-get install redis-server)',
  );
}

describe.skipIf(!redisAvailable)('[slow] sweeps on BullMQ workers', () => {
  const PASSWORD = 'gankit s3cret/pw';
  let redis: TestRedis;
  const workers: WorkerProcess[] = [];
  let workerDir: string;

  function startWorkerProcess(...extra: string[]): WorkerProcess {
    const child = spawn(
      process.execPath,
      [
        '--conditions=@gankit/source',
        '--import',
        'tsx',
        'packages/cli/src/bin.ts',
        'worker',
        '--backend',
        'cpu',
        '--threads',
        '1',
        '--results',
        workerDir,
        '--lock-duration',
        '5',
        '--stalled-interval',
        '2',
        ...extra,
      ],
      {
        cwd: root,
        // one process (no malloc-tuned child), so SIGKILL hits the one that trains
        env: { ...process.env, GANKIT_MALLOC_TUNING: '0', GANKIT_REDIS_URL: redis.url },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const worker: WorkerProcess = { child, output: '' };
    child.stdout?.on('data', (c: Buffer) => (worker.output += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (worker.output += c.toString()));
    return worker;
  }

  const logs = () =>
    workers.map((w, i) => `--- worker ${i} (pid ${w.child.pid}) ---\n${w.output}`).join('\n');

  /** Polls `check` (every half second by default) until it holds. */
  async function waitFor(
    what: string,
    check: () => Promise<boolean> | boolean,
    timeoutMs: number,
    everyMs = 500,
  ) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (await check()) return;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${logs()}`);
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }

  /** The sweep's status, or undefined while Redis cannot be reached. */
  async function status(spec: SweepSpec): Promise<SweepStatus | undefined> {
    try {
      return await sweepStatus(spec, { connection: redis.url });
    } catch {
      return undefined;
    }
  }

  const settled = (spec: SweepSpec, total: number) => async () => {
    const s = await status(spec);
    return s !== undefined && (s.counts.completed ?? 0) + (s.counts.failed ?? 0) === total;
  };

  beforeAll(async () => {
    redis = await startRedis({ password: PASSWORD });
    workerDir = path.join(scratch, 'workers');
    // the second takes two jobs at a time (one process, one tfjs engine)
    workers.push(startWorkerProcess(), startWorkerProcess('--concurrency', '2'));
    await waitFor(
      'two workers',
      () => workers.every((w) => /worker \d+: queue gankit-sweeps/.test(w.output)),
      60_000,
    );
  }, 120_000);

  afterAll(async () => {
    if (process.env.GANKIT_SWEEPS_TEST_LOGS) console.log(logs());
    for (const w of workers) w.child.kill('SIGKILL');
    await redis?.stop();
  });

  it('runs the same sweep on two worker processes, giving the local numbers exactly', async () => {
    const { results: localResults } = await localSweep();
    const first = await enqueueSweep(ringLr, { connection: redis.url });
    expect(first.added).toHaveLength(4);
    const second = await enqueueSweep(ringLr, { connection: redis.url });
    expect(second).toMatchObject({ added: [], requeued: [], changed: [] });
    expect(second.existing).toHaveLength(4);

    await waitFor('the sweep', settled(ringLr, 4), 180_000);
    const byName = await sweepStatus('ring-lr', { connection: redis.url });
    expect(byName.counts).toEqual({ completed: 4 });
    const results = await sweepResults(ringLr, { connection: redis.url });
    expect(results.map((r) => r.id)).toEqual(localResults.map((r) => r.id));
    for (const [i, r] of results.entries()) {
      expect(r.runDir).toBe(path.join(workerDir, 'ring-lr', `${r.slug}-s${r.seed}`));
      expect(r.metrics, r.id).toEqual(localResults[i]!.metrics);
    }
    expect(summarize(results, METRICS)).toEqual(summarize(localResults, METRICS));
    expect(formatTable(summarize(results, METRICS))).toBe(formatTable(summarize(localResults, METRICS)));
    // both workers took jobs, the second up to two at a time
    for (const w of workers) expect(w.output).toMatch(/\[ring-lr:[^\]]+\] trained: /);
    expect(workers[1]!.output).toMatch(/2 job\(s\) at a time/);
  }, 300_000);

  it('fails a job that fails every time after its attempts, with its error in the status', async () => {
    const spec = parseSweepSpec({
      name: 'bad-data',
      base: { preset: 'dcgan-fashion', steps: 2, set: ['data.dir=/nonexistent/gankit-sweep-data'] },
      attempts: 2,
    });
    await enqueueSweep(spec, { connection: redis.url, backoffMs: 200 });
    await waitFor('the failure', settled(spec, 1), 60_000);
    const s = (await status(spec))!;
    expect(s.counts).toEqual({ failed: 1 });
    expect(s.jobs[0]).toMatchObject({ id: 'bad-data:base:s0', state: 'failed', attemptsMade: 2 });
    expect(s.jobs[0]!.failedReason).toContain('no Fashion-MNIST folder at /nonexistent/gankit-sweep-data');
    expect(formatSweepStatus(s)[1]).toMatch(
      /^ {2}bad-data:base:s0 {2}failed after 2 attempts: .*nonexistent/,
    );
    expect(await sweepResults(spec, { connection: redis.url })).toEqual([]);
    expect(logs()).toContain('[bad-data:base:s0] failed for good after 2 attempts');
  }, 120_000);

  it('loses no job and trains none twice when Redis restarts mid-sweep', async () => {
    const spec = parseSweepSpec({
      name: 'ring-restart',
      base: { preset: 'gan-ring8', backend: 'cpu', steps: 80, set: SMALL },
      seeds: [0, 1, 2, 3],
    });
    await enqueueSweep(spec, { connection: redis.url });
    await waitFor(
      'a job under way',
      async () =>
        ((await status(spec))?.jobs ?? []).some((j) => j.state === 'active' && (j.progress?.step ?? 0) >= 10),
      60_000,
    );
    await redis.kill();
    await new Promise((r) => setTimeout(r, 1_500));
    await redis.restart();
    await waitFor('the sweep after the restart', settled(spec, 4), 180_000);
    const s = (await status(spec))!;
    expect(s.counts).toEqual({ completed: 4 });
    const results = await sweepResults(spec, { connection: redis.url });
    expect(results.map((r) => r.id)).toEqual([0, 1, 2, 3].map((seed) => `ring-restart:base:s${seed}`));
    for (const r of results) {
      // each run trained to its end exactly once, whatever the queue replayed
      const finished = logs()
        .split('\n')
        .filter((l) => l.includes(`[${r.id}] done: step 80`));
      expect(finished, r.id).toHaveLength(1);
      expect(JSON.parse(readFileSync(path.join(r.runDir, 'evaluation.json'), 'utf8')).step).toBe(80);
    }
  }, 300_000);

  it("resumes a SIGKILLed worker's job on the other worker from the last checkpoint, bit-exactly", async () => {
    const spec = parseSweepSpec({
      name: 'ring-kill',
      base: { preset: 'gan-ring8', backend: 'cpu', steps: 300, set: SMALL },
    });
    const runDir = path.join(workerDir, 'ring-kill', 'base-s0');
    await enqueueSweep(spec, { connection: redis.url });
    await waitFor(
      'a checkpoint of step 20 or later, published',
      () => latestCheckpoint(runDir) >= 20,
      120_000,
      100,
    );
    const pid = (JSON.parse(readFileSync(path.join(runDir, '.gankit.lock'), 'utf8')) as { pid: number }).pid;
    const victim = workers.find((w) => w.child.pid === pid);
    const survivor = workers.find((w) => w.child.pid !== pid && w.child.exitCode === null);
    expect(victim, `the run's lock names pid ${pid}`).toBeDefined();
    victim!.child.kill('SIGKILL');
    await waitFor('the handed-on job', settled(spec, 1), 180_000);
    expect((await status(spec))!.counts).toEqual({ completed: 1 });

    const [result] = await sweepResults(spec, { connection: redis.url });
    expect(result!.outcome).toBe('resumed');
    expect(result!.resumedFrom).toBeGreaterThanOrEqual(20);
    expect(result!.resumedFrom! % 10).toBe(0);
    const resumedLine = new RegExp(
      `\\[ring-kill:base:s0\\] resume: ${runDir} from step ${result!.resumedFrom} to 300`,
    );
    expect(survivor!.output).toMatch(resumedLine);
    expect(survivor!.output).toContain('[ring-kill:base:s0] resumed: ');
    // one history in metrics.jsonl: steps 1..300 once each; the clock restarts at the resume
    const lines = readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { step: number; time_ms: number });
    expect(lines.map((l) => l.step)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    const k = result!.resumedFrom!;
    expect(lines[k]!.time_ms).toBeLessThan(lines[k - 1]!.time_ms);

    // the same run uninterrupted, in this process
    const plan = await planSweep(spec);
    const reference = await runSweepJob(plan.jobs[0]!, {
      resultsDir: path.join(scratch, 'reference'),
      threads: 1,
    });
    expect(reference.outcome).toBe('trained');
    expect(result!.metrics).toEqual(reference.metrics);
  }, 300_000);

  it('never prints the Redis password', () => {
    expect(logs()).not.toContain('s3cret');
    expect(logs()).toContain('redis://:***@127.0.0.1');
  });
});
