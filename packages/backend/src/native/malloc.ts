/**
 * glibc malloc settings for processes that run native kernels. By default glibc hands large
 * freed blocks back to the kernel (munmap, or trimming the heap top) and every later
 * allocation of that size faults its pages in again: onnxruntime's per-run buffers and the
 * binding's output arrays did this on every kernel call, ~15 ms of a ~100 ms DCGAN step on our
 * 2-core machine (PyTorch's step gains 2-10 ms from the same settings). Raising the mmap
 * threshold to its maximum (32 MB) and the trim threshold to 256 MB keeps those pages in the
 * process. glibc reads them once at start-up, so they must be in the environment before the
 * process starts: the gankit CLI starts itself again with them (`GANKIT_MALLOC_TUNING=0`
 * turns that off); other programs set them where they launch Node.
 *
 * @example
 * ```ts
 * import { MALLOC_TUNING, mallocTuned } from '@gankit/backend';
 * if (!mallocTuned()) console.log('start node with', MALLOC_TUNING);
 * ```
 * @category Backends
 */
export const MALLOC_TUNING: Readonly<Record<string, string>> = Object.freeze({
  MALLOC_MMAP_THRESHOLD_: String(32 * 2 ** 20),
  MALLOC_TRIM_THRESHOLD_: String(256 * 2 ** 20),
});

/**
 * Whether `env` (default: this process's environment) already sets every variable of
 * {@link MALLOC_TUNING}, or this is not Linux (where they mean nothing).
 *
 * @param env - the environment to check
 * @returns true when nothing is left to tune
 * @example
 * ```ts
 * import { mallocTuned } from '@gankit/backend';
 * console.log(mallocTuned({ MALLOC_MMAP_THRESHOLD_: '1' }));
 * ```
 * @category Backends
 */
export function mallocTuned(env: Record<string, string | undefined> = process.env): boolean {
  if (typeof process === 'undefined' || process.platform !== 'linux') return true;
  return Object.keys(MALLOC_TUNING).every((name) => env[name] !== undefined);
}
