/**
 * Runs the built `gankit` CLI as a user would, in its own process group, with a time limit and
 * a cap on the resident memory of its whole process tree (the CLI re-executes itself as a
 * child), both measured here from /proc.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const CLI = path.join(ROOT, 'packages/cli/dist/bin.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
  peakRssMb: number;
  timedOut: boolean;
  memoryExceeded: boolean;
}

export interface CliOptions {
  cwd?: string;
  timeoutMs?: number;
  memoryCapMb?: number;
  env?: Record<string, string>;
}

export function assertBuilt(): void {
  if (!existsSync(CLI)) throw new Error(`reliability: ${CLI} is missing; run 'pnpm build' first`);
}

/** Process ids of a process and its descendants (Linux /proc). */
export function processTree(pid: number): number[] {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    try {
      const children = readFileSync(`/proc/${out[i]}/task/${out[i]}/children`, 'utf8').trim();
      if (children) out.push(...children.split(/\s+/).map(Number));
    } catch {
      // gone
    }
  }
  return out;
}

function rssMb(pid: number): number {
  try {
    const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m);
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

export function spawnCli(args: string[], options: CliOptions = {}): ChildProcess {
  return spawn(process.execPath, [CLI, ...args], {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs `gankit ARGS` to its end, or kills its group at the time or memory limit. */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const capMb = options.memoryCapMb ?? 2048;
  const started = Date.now();
  const child = spawnCli(args, options);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => {
    stdout += d;
  });
  child.stderr!.on('data', (d) => {
    stderr += d;
  });
  let peak = 0;
  let timedOut = false;
  let memoryExceeded = false;
  const poll = setInterval(() => {
    const rss = processTree(child.pid!).reduce((s, p) => s + rssMb(p), 0);
    peak = Math.max(peak, rss);
    if (rss > capMb) memoryExceeded = true;
    if (Date.now() - started > timeoutMs) timedOut = true;
    if (memoryExceeded || timedOut) {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }, 100);
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      clearInterval(poll);
      // the group may outlive the parent (a training child): never leave one behind
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
      resolve({
        code,
        signal,
        stdout,
        stderr,
        ms: Date.now() - started,
        peakRssMb: peak,
        timedOut,
        memoryExceeded,
      });
    });
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
