#!/usr/bin/env node
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { MALLOC_TUNING, mallocTuned } from '@gankit/backend';
import { runCli } from './program.js';

// glibc reads its malloc settings at start-up: start again with MALLOC_TUNING (see its docs;
// ~15% faster training steps with native kernels) unless told not to
if (!mallocTuned() && process.env.GANKIT_MALLOC_TUNING !== '0') {
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, ...MALLOC_TUNING, GANKIT_PARENT_PID: String(process.pid) },
  });
  // SIGINT and SIGTERM are passed on, so the trainer can save its checkpoint. A terminal's
  // Ctrl-C reaches the child twice (it is in this process group too): harmless, the trainer
  // only notes which signal stopped it. The child's code (130 or 143 after a signal, see
  // runCli) becomes this process's, so the shell sees it.
  process.on('SIGINT', () => child.kill('SIGINT'));
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  child.on('exit', (code, signal) => {
    process.exitCode = code ?? 128 + (signal === null ? 0 : constants.signals[signal]);
  });
  child.on('error', (error) => {
    console.error(error);
    process.exitCode = 1;
  });
} else {
  // started by the lines above: when that process dies without passing a signal on (kill -9 of
  // the pid a user sees), stop as on SIGTERM (checkpoint saved) instead of training on unseen
  const parent = Number(process.env.GANKIT_PARENT_PID);
  if (parent > 0) {
    const watch = setInterval(() => {
      if (process.ppid !== parent) {
        clearInterval(watch);
        process.kill(process.pid, 'SIGTERM');
      }
    }, 500);
    watch.unref();
  }
  runCli(process.argv).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
