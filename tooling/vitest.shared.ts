import { defineProject } from 'vitest/config';

/** Per-package vitest project: source condition, node environment, generous timeouts for training tests. */
export function gankitVitestProject(name: string) {
  return defineProject({
    resolve: { conditions: ['@gankit/source'] },
    ssr: { resolve: { conditions: ['@gankit/source'] } },
    test: {
      name,
      environment: 'node',
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      testTimeout: 120_000,
      hookTimeout: 120_000,
      pool: 'forks',
      setupFiles: [new URL('./vitest.setup.ts', import.meta.url).pathname],
    },
  });
}
