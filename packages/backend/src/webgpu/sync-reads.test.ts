import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

// dataSync() and arraySync() throw on the webgpu backend in Node (no OffscreenCanvas), so no
// library code may call them: every read is `await data()` / `await array()`. Tests and their
// helpers may (they run on cpu and wasm). TSDoc examples count as library code: users copy them.
const packages = new URL('../../../', import.meta.url).pathname;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return /\.ts$/.test(e.name) && !/\.test(-d)?\.ts$/.test(e.name) && !/test-helpers\.ts$/.test(e.name)
      ? [p]
      : [];
  });
}

describe('tensor reads', () => {
  it('no library source calls dataSync() or arraySync()', () => {
    const files = readdirSync(packages).flatMap((pkg) => {
      try {
        return sources(join(packages, pkg, 'src'));
      } catch {
        return [];
      }
    });
    expect(files.length).toBeGreaterThan(50);
    const hits = files.flatMap((f) =>
      readFileSync(f, 'utf8')
        .split('\n')
        .flatMap((line, i) =>
          /\b(dataSync|arraySync)\s*\(/.test(line)
            ? [`${relative(packages, f)}:${i + 1}: ${line.trim()}`]
            : [],
        ),
    );
    expect(hits).toEqual([]);
  });
});
