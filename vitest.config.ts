import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Vitest orders files by past durations, else by size, so on a fresh clone the small but
 * minutes-long `*.slow.test.ts` training files would start last and stretch the run; start
 * them first.
 */
class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const slow = (f: TestSpecification) => f.moduleId.endsWith('.slow.test.ts');
    return [...sorted.filter(slow), ...sorted.filter((f) => !slow(f))];
  }
}

// One project per package; sibling packages resolve to their TypeScript source through
// the `@gankit/source` export condition, so tests never wait for a build.
export default defineConfig({
  test: {
    projects: ['packages/*', 'tooling'],
    sequence: { sequencer: SlowFirstSequencer },
    // vitest's default (cores - 1) is one worker on a 2-core machine: every file would run in
    // turn; two workers run the two slow training files side by side (each uses one thread)
    maxWorkers: 2,
  },
});
