import { defineConfig } from 'vitest/config';

// One project per package; sibling packages resolve to their TypeScript source through
// the `@gankit/source` export condition, so tests never wait for a build.
export default defineConfig({
  test: {
    projects: ['packages/*'],
  },
});
