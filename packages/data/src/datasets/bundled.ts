import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GanError } from '@gankit/core';

function moduleDir(): string {
  const url: unknown = import.meta.url;
  if (typeof url === 'string') return dirname(fileURLToPath(url));
  return __dirname;
}

/**
 * @internal A folder shipped in @gankit/data's `data/`, found by walking up from this module's
 * folder, so it works from the source tree and from the built package alike.
 */
export function bundledDataDir(fn: string, name: string): string {
  const sub = join('data', name);
  const start = moduleDir();
  for (let dir = start; ; ) {
    const candidate = join(dir, sub);
    if (existsSync(candidate) && statSync(candidate).isDirectory()) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new GanError(
    'IO_ERROR',
    `${fn}: no ${sub} folder above ${start}; this installation of @gankit/data lacks its bundled data`,
  );
}
