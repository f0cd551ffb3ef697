import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { presetConfig, resume, train } from '../index.js';
import { acquireRunLock, LOCK_FILE } from './lock.js';
import { writeRunConfig } from './run-dir.js';

// One process per run folder, and run folders that never overwrite what a user had.
let tmp: string;
const cwd = process.cwd();
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'gankit-lock-'));
});
afterAll(async () => {
  process.chdir(cwd);
  await fs.rm(tmp, { recursive: true, force: true });
});

const tiny = () => presetConfig('gan-ring8', { steps: 3, backend: 'cpu', set: ['training.batchSize=16'] });

describe('run-folder lock', () => {
  it('refuses a second holder, naming the process, and is gone after release', async () => {
    const dir = path.join(tmp, 'held');
    await fs.mkdir(dir);
    const lock = acquireRunLock(dir, 'train', () => {});
    expect(() => acquireRunLock(dir, 'resume', () => {})).toThrow(
      new RegExp(`resume: .*held is in use by process ${process.pid} \\(since `),
    );
    lock.release();
    expect(existsSync(path.join(dir, LOCK_FILE))).toBe(false);
    acquireRunLock(dir, 'resume', () => {}).release();
  });

  it('takes over the lock of a process that no longer runs, and says so', async () => {
    const dir = path.join(tmp, 'stale');
    await fs.mkdir(dir);
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    }).stdout;
    writeFileSync(
      path.join(dir, LOCK_FILE),
      JSON.stringify({ pid: Number(dead), host: os.hostname(), since: '2026-01-01T00:00:00.000Z' }),
    );
    const lines: string[] = [];
    const lock = acquireRunLock(dir, 'resume', (l) => lines.push(l));
    expect(lines.join('\n')).toContain(
      `was locked by process ${dead}, which no longer runs; taking the lock over`,
    );
    lock.release();
  });

  it('gives two trainings started together without --out two folders', async () => {
    process.chdir(tmp);
    try {
      const [a, b] = await Promise.all([train(tiny()), train(tiny())]);
      expect(a.runDir).not.toBe(b.runDir);
      for (const r of [a, b]) {
        expect(existsSync(path.join(r.runDir, 'config.json'))).toBe(true);
        expect(existsSync(path.join(r.runDir, LOCK_FILE))).toBe(false);
      }
    } finally {
      process.chdir(cwd);
    }
  });
});

describe('run folders', () => {
  it('refuses --out pointing at a folder with files that is not a run', async () => {
    const dir = path.join(tmp, 'my-photos');
    await fs.mkdir(dir);
    writeFileSync(path.join(dir, 'holiday.jpg'), 'not really a photo');
    await expect(train(tiny(), { out: dir })).rejects.toThrow(
      /my-photos is not empty and not a gankit run \(it holds holiday\.jpg\); pick a new or empty folder for --out/,
    );
    expect(await fs.readdir(dir)).toEqual(['holiday.jpg']);
  });

  it('resumes a run stopped before its first checkpoint by training it from step 0', async () => {
    const dir = path.join(tmp, 'early-crash');
    await fs.mkdir(dir);
    await writeRunConfig(dir, tiny());
    const lines: string[] = [];
    const result = await resume(dir, { log: (l) => lines.push(l) });
    expect(lines.join('\n')).toContain('has no checkpoint yet; training it from step 0');
    expect(result?.step).toBe(3);
    expect(existsSync(path.join(dir, 'generator', 'model.json'))).toBe(true);
  });

  it('says how to start over a run killed before it wrote its config', async () => {
    const dir = path.join(tmp, 'killed-at-start');
    await fs.mkdir(dir);
    writeFileSync(
      path.join(dir, LOCK_FILE),
      JSON.stringify({ pid: 2 ** 22 + 3, host: os.hostname(), since: 'x' }),
    );
    await expect(resume(dir)).rejects.toThrow(
      /killed-at-start holds no run yet: it was stopped before its config was written; start it again with the same 'gankit train \.\.\. --out/,
    );
    // ... and train --out takes the dead process's folder over
    expect((await train(tiny(), { out: dir })).step).toBe(3);
  });

  it('finishes the export of a run stopped between its last step and its evaluation', async () => {
    const dir = path.join(tmp, 'stopped-at-export');
    await train(tiny(), { out: dir });
    await fs.rm(path.join(dir, 'evaluation.json'));
    await fs.rm(path.join(dir, 'samples', 'final.png'));
    const before = await fs.readFile(path.join(dir, 'generator', 'weights.bin'));
    const lines: string[] = [];
    expect((await resume(dir, { log: (l) => lines.push(l) }))?.step).toBe(3);
    expect(lines.join('\n')).toContain('reached step 3; writing its generator, samples and evaluation');
    expect(await fs.readFile(path.join(dir, 'generator', 'weights.bin'))).toEqual(before);
    expect(existsSync(path.join(dir, 'samples', 'final.png'))).toBe(true);
    expect(existsSync(path.join(dir, 'evaluation.json'))).toBe(true);
    // a finished run is left alone
    expect(await resume(dir)).toBeUndefined();
  });

  it('tells a second train --out that the run is in use rather than finished', async () => {
    const dir = path.join(tmp, 'busy');
    await train(tiny(), { out: dir });
    await fs.rm(path.join(dir, 'config.json'));
    const lock = acquireRunLock(dir, 'train', () => {});
    // a live holder other than this process: the parent of this test's worker
    writeFileSync(
      path.join(dir, LOCK_FILE),
      JSON.stringify({ pid: process.ppid, host: os.hostname(), since: 'now' }),
    );
    await expect(train(tiny(), { out: dir })).rejects.toMatchObject({ code: 'RUN_IN_USE' });
    await expect(train(tiny(), { out: dir })).rejects.toThrow(/busy is in use by process \d+ \(since now\)/);
    lock.release();
  });
});
