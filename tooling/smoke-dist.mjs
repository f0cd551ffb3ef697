// Imports every package's built ESM and CJS entry, so a broken build or exports map fails CI.

import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const expected = {
  core: 'GanError',
  backend: 'setupBackend',
  models: 'dcganGenerator',
  data: 'loadFashionMnist',
  losses: 'getAdversarialLoss',
  encoders: 'cnnEncoder',
  trainers: 'Trainer',
  metrics: 'modeCoverage',
  families: 'train',
  zoo: 'listZooModels',
  sweeps: 'runSweepLocally',
  report: 'buildRunReportHtml',
  cli: 'runCli',
};
let failed = false;
for (const pkg of readdirSync(new URL('../packages/', import.meta.url))) {
  const name = expected[pkg];
  if (!name) continue;
  const base = new URL(`../packages/${pkg}/dist/`, import.meta.url);
  const esm = await import(new URL('index.js', base).href);
  const cjs = require(new URL('index.cjs', base).pathname);
  const ok = typeof esm[name] === 'function' && typeof cjs[name] === 'function';
  console.log(`${ok ? 'ok  ' : 'FAIL'} @gankit/${pkg}: ESM and CJS export ${name}`);
  failed ||= !ok;
}
process.exit(failed ? 1 : 0);
