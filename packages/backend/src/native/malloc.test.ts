import { describe, expect, it } from 'vitest';
import { MALLOC_TUNING, mallocTuned } from './malloc.js';

describe('MALLOC_TUNING', () => {
  it('raises the mmap threshold to glibc maximum (32 MB) and the trim threshold to 256 MB', () => {
    expect(MALLOC_TUNING).toEqual({
      MALLOC_MMAP_THRESHOLD_: '33554432',
      MALLOC_TRIM_THRESHOLD_: '268435456',
    });
  });

  it.runIf(process.platform === 'linux')('counts as tuned only when every variable is set', () => {
    expect(mallocTuned({ ...MALLOC_TUNING })).toBe(true);
    expect(mallocTuned({ MALLOC_MMAP_THRESHOLD_: '1' })).toBe(false);
    expect(mallocTuned({})).toBe(false);
  });
});
