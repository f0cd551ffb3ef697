import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The real `gankit` from source, as a user starts it: bin.ts starts itself again as a child with
// the malloc settings, so a signal goes through both processes. Ctrl-C and SIGTERM must still
// save the checkpoint and print how to resume, but exit 130 / 143 (128 + the signal's number),
// so that scripts can tell an interrupted run from a finished one.

const root = fileURLToPath(new URL('../../..', import.meta.url));
const bin = path.join(root, 'packages/cli/src/bin.ts');

let tmp: string;
const started: ChildProcess[] = [];
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'gankit-signals-'));
});
afterAll(async () => {
  // a run the test gave up on (its process group; only what this file started)
  for (const p of started) {
    if (p.exitCode === null && p.signalCode === null) {
      try {
        process.kill(-p.pid!, 'SIGKILL');
      } catch {}
    }
  }
  await fs.rm(tmp, { recursive: true, force: true });
});

/** This environment without the malloc settings, so that bin.ts starts its child. */
function untunedEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of ['MALLOC_MMAP_THRESHOLD_', 'MALLOC_TRIM_THRESHOLD_', 'GANKIT_MALLOC_TUNING'])
    delete env[name];
  return env;
}

/**
 * Starts a long cpu run of gan-ring8 in its own process group (as a shell starts a job), sends
 * `signal` once a step line is logged, and returns the exit code and the output.
 */
async function interruptedRun(name: string, signal: NodeJS.Signals, target: 'group' | 'parent') {
  const out = path.join(tmp, name);
  const child = spawn(
    process.execPath,
    [
      ...['--conditions=@gankit/source', '--import', 'tsx', bin, 'train', '--preset', 'gan-ring8'],
      ...['--backend', 'cpu', '--steps', '100000', '--batch-size', '32', '--out', out],
      // a step line soon after the start, and a quick end-of-run evaluation
      ...['--set', 'output.progressEvery=5', '--set', 'output.sampleCount=200'],
    ],
    { cwd: root, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: untunedEnv() },
  );
  started.push(child);
  let stdout = '';
  let stderr = '';
  let sent = false;
  child.stderr!.on('data', (d) => {
    stderr += String(d);
  });
  child.stdout!.on('data', (d) => {
    stdout += String(d);
    if (!sent && /^step +\d+\/100000 /m.test(stdout)) {
      sent = true;
      // a terminal's Ctrl-C goes to the whole foreground process group
      process.kill(target === 'group' ? -child.pid! : child.pid!, signal);
    }
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  return { code, stdout, stderr, out, sent };
}

describe.concurrent('gankit train stopped by a signal', () => {
  it('Ctrl-C (SIGINT to the process group) saves the checkpoint and exits 130', async () => {
    const r = await interruptedRun('sigint', 'SIGINT', 'group');
    expect(r.sent, r.stderr).toBe(true);
    expect(r.stdout).toMatch(
      new RegExp(
        `^stopped by SIGINT at step \\d+; checkpoint saved\\. Continue with: gankit resume ${r.out}$`,
        'm',
      ),
    );
    expect(r.code, r.stderr).toBe(130);
    const step = Number(/stopped by SIGINT at step (\d+)/.exec(r.stdout)![1]);
    expect(existsSync(path.join(r.out, 'checkpoints', `step-${String(step).padStart(8, '0')}`))).toBe(true);
  });

  it('SIGINT to the gankit process alone (kill -INT) is passed on: the same, exit 130', async () => {
    const r = await interruptedRun('sigint-parent', 'SIGINT', 'parent');
    expect(r.sent, r.stderr).toBe(true);
    expect(r.stdout).toMatch(/^stopped by SIGINT at step \d+; checkpoint saved\./m);
    expect(r.code, r.stderr).toBe(130);
  });

  it('SIGTERM to the gankit process saves the checkpoint and exits 143', async () => {
    const r = await interruptedRun('sigterm', 'SIGTERM', 'parent');
    expect(r.sent, r.stderr).toBe(true);
    expect(r.stdout).toMatch(
      new RegExp(
        `^stopped by SIGTERM at step \\d+; checkpoint saved\\. Continue with: gankit resume ${r.out}$`,
        'm',
      ),
    );
    expect(r.code, r.stderr).toBe(143);
    const step = Number(/stopped by SIGTERM at step (\d+)/.exec(r.stdout)![1]);
    expect(existsSync(path.join(r.out, 'checkpoints', `step-${String(step).padStart(8, '0')}`))).toBe(true);
  });

  it('kill -9 of the gankit process stops the training it started, with the checkpoint saved', async () => {
    const out = path.join(tmp, 'sigkill-parent');
    const parent = spawn(
      process.execPath,
      [
        ...['--conditions=@gankit/source', '--import', 'tsx', bin, 'train', '--preset', 'gan-ring8'],
        ...['--backend', 'cpu', '--steps', '100000', '--batch-size', '32', '--out', out],
        ...['--set', 'output.progressEvery=5', '--set', 'output.sampleCount=200'],
      ],
      { cwd: root, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: untunedEnv() },
    );
    started.push(parent);
    let stdout = '';
    // the pipes close when the last process holding them, the training child, is gone
    const closed = new Promise<void>((resolve) => parent.stdout!.on('close', () => resolve()));
    parent.stdout!.on('data', (d) => {
      if (!stdout.match(/^step +\d+\/100000 /m) && `${stdout}${d}`.match(/^step +\d+\/100000 /m)) {
        process.kill(parent.pid!, 'SIGKILL');
      }
      stdout += String(d);
    });
    parent.stderr!.resume();
    await closed;
    expect(stdout).toMatch(/^stopped by SIGTERM at step \d+; checkpoint saved\./m);
    expect(existsSync(path.join(out, '.gankit.lock'))).toBe(false);
  });
});
