#!/usr/bin/env node
// Licence check over packed tarballs, as a licence scanner sees them: every package declares a
// valid SPDX expression and ships a LICENSE file, and every licence of data it bundles (the
// `SPDX-License-Identifier:` line of each data folder's README, the training data named on
// each zoo model card) appears in that expression, so no bundled file is under a licence the
// metadata hides. Usage: node tooling/check-licences.mjs DIR_OF_TARBALLS
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const parseSpdx = require('spdx-expression-parse');
const spdxIds = new Set(require('spdx-license-ids'));

/** The licence ids of a parsed SPDX expression, and whether any part of it is a choice (OR). */
function idsOf(node, out = { ids: new Set(), hasOr: false }) {
  if (node.license) out.ids.add(node.license);
  if (node.conjunction === 'or') out.hasOr = true;
  if (node.left) idsOf(node.left, out);
  if (node.right) idsOf(node.right, out);
  return out;
}

/** Every SPDX licence id written in free text (a model card's licence line). */
export function spdxIdsInText(text) {
  return [...new Set((text.match(/[A-Za-z0-9.+-]+/g) ?? []).filter((t) => spdxIds.has(t)))];
}

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

/** The licences of the data inside an unpacked package: file (relative) -> SPDX ids. */
function bundledDataLicences(pkgDir) {
  const found = [];
  for (const file of walk(pkgDir)) {
    const rel = relative(pkgDir, file);
    if (/^data\/[^/]+\/README\.md$/.test(rel)) {
      const line = readFileSync(file, 'utf8').match(/SPDX-License-Identifier:\s*(.+)/);
      if (!line) {
        found.push({ file: rel, problem: 'bundled data folder without an SPDX-License-Identifier line' });
        continue;
      }
      found.push({ file: rel, ids: [...idsOf(parseSpdx(line[1].trim())).ids] });
    } else if (/^models\/[^/]+\/card\.json$/.test(rel)) {
      const card = JSON.parse(readFileSync(file, 'utf8'));
      const ids = spdxIdsInText(String(card.data?.licence ?? ''));
      found.push(
        ids.length
          ? { file: rel, ids }
          : { file: rel, problem: 'model card names no SPDX licence for its data' },
      );
    }
  }
  return found;
}

/**
 * Checks every `*.tgz` in `dir`; returns one line per problem (empty when all is well) and
 * prints a summary line per package.
 */
export function checkLicences(dir) {
  const problems = [];
  const tarballs = readdirSync(dir).filter((f) => f.endsWith('.tgz'));
  if (tarballs.length === 0) return [`no .tgz files in ${dir}`];
  for (const tgz of tarballs) {
    const scratch = mkdtempSync(join(tmpdir(), 'gankit-licence-'));
    try {
      execFileSync('tar', ['-xzf', join(dir, tgz), '-C', scratch]);
      const pkgDir = join(scratch, 'package');
      const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
      const name = pkg.name ?? tgz;
      if (!existsSync(join(pkgDir, 'LICENSE'))) problems.push(`${name}: no LICENSE file in the tarball`);
      if (typeof pkg.license !== 'string') {
        problems.push(`${name}: package.json has no "license" string`);
        continue;
      }
      let declared;
      try {
        declared = idsOf(parseSpdx(pkg.license));
      } catch (e) {
        problems.push(
          `${name}: "license" ${JSON.stringify(pkg.license)} is not an SPDX expression (${e.message})`,
        );
        continue;
      }
      const data = bundledDataLicences(pkgDir);
      for (const d of data) {
        if (d.problem) {
          problems.push(`${name}: ${d.file}: ${d.problem}`);
          continue;
        }
        const missing = d.ids.filter((id) => !declared.ids.has(id));
        if (missing.length) {
          problems.push(
            `${name}: ${d.file} is under ${missing.join(', ')}, which "license" (${pkg.license}) does not list`,
          );
        }
        // data under a licence offered only as one side of an OR would be mis-stated
        if (declared.hasOr) problems.push(`${name}: "license" offers a choice (OR) but bundles ${d.file}`);
      }
      console.log(
        `${name}: ${pkg.license}${data.length ? ` (${data.length} bundled data licence notes)` : ''}`,
      );
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }
  return problems;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const dir = process.argv[2];
  if (!dir) {
    console.error('usage: node tooling/check-licences.mjs DIR_OF_TARBALLS');
    process.exit(2);
  }
  const problems = checkLicences(dir);
  for (const p of problems) console.error(`licence: ${p}`);
  console.log(
    problems.length ? `licence check: ${problems.length} problem(s)` : 'licence check: no conflict',
  );
  process.exit(problems.length ? 1 : 0);
}
