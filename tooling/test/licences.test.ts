import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkLicences, spdxIdsInText } from '../check-licences.mjs';

// The licence check that CI runs over the packed tarballs (tooling/npm-user-check.mjs): it must
// catch data whose licence the package metadata hides.
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Packs a fake package (package.json, optional LICENSE, extra files) into DIR/name.tgz. */
function fakeTarball(
  dir: string,
  name: string,
  license: unknown,
  files: Record<string, string>,
  withLicense = true,
) {
  const src = mkdtempSync(join(tmpdir(), 'gankit-fake-pkg-'));
  dirs.push(src);
  const pkg = join(src, 'package');
  mkdirSync(pkg);
  writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name, version: '1.0.0', license }));
  if (withLicense) writeFileSync(join(pkg, 'LICENSE'), 'licence text');
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(join(pkg, file, '..'), { recursive: true });
    writeFileSync(join(pkg, file), text);
  }
  execFileSync('tar', ['-czf', join(dir, `${name.replace('/', '-')}.tgz`), '-C', src, 'package']);
}

function tarballDir() {
  const dir = mkdtempSync(join(tmpdir(), 'gankit-tarballs-'));
  dirs.push(dir);
  return dir;
}

describe('check-licences', () => {
  it('passes a package whose licence lists every bundled data licence', () => {
    const dir = tarballDir();
    fakeTarball(dir, '@x/data', 'Apache-2.0 AND MIT', {
      'data/set/README.md': '# set\n\nSPDX-License-Identifier: MIT\n',
    });
    fakeTarball(dir, '@x/zoo', 'Apache-2.0 AND CC-BY-4.0', {
      'models/m/card.json': JSON.stringify({ data: { licence: 'per photo: CC-BY-4.0' } }),
    });
    expect(checkLicences(dir)).toEqual([]);
  });

  it('finds data under a licence the metadata hides, a missing LICENSE and a bad expression', () => {
    const dir = tarballDir();
    fakeTarball(dir, '@x/data', 'Apache-2.0', {
      'data/crops/README.md': 'SPDX-License-Identifier: GPL-2.0-or-later\n',
    });
    fakeTarball(dir, '@x/nolicence', 'MIT', {}, false);
    fakeTarball(dir, '@x/bad', 'Apache 2', {});
    fakeTarball(dir, '@x/zoo', 'Apache-2.0', {
      'models/m/card.json': JSON.stringify({ data: { licence: 'CC-BY-SA-4.0' } }),
      'data/unmarked/README.md': 'no licence line',
    });
    const problems = checkLicences(dir).join('\n');
    expect(problems).toContain('@x/data: data/crops/README.md is under GPL-2.0-or-later');
    expect(problems).toContain('@x/nolicence: no LICENSE file');
    expect(problems).toContain('@x/bad: "license" "Apache 2" is not an SPDX expression');
    expect(problems).toContain('@x/zoo: models/m/card.json is under CC-BY-SA-4.0');
    expect(problems).toContain(
      '@x/zoo: data/unmarked/README.md: bundled data folder without an SPDX-License-Identifier line',
    );
  });

  it("reads SPDX ids out of a card's free text", () => {
    expect(spdxIdsInText('per photo: GPL-2.0-or-later, CC-BY-4.0, CC-BY-SA-3.0')).toEqual([
      'GPL-2.0-or-later',
      'CC-BY-4.0',
      'CC-BY-SA-3.0',
    ]);
    expect(spdxIdsInText('Apache 2 (code)')).toEqual([]);
  });
});
