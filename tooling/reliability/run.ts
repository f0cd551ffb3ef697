/**
 * `pnpm reliability [--quick] [--only=crash,inputs,numerical,soak] [--cases=TEXT]`: crash trials, the bad-input corpus, numerical faults and soak
 * runs, with their figures and one summary line:
 * `reliability: R/T resumed, I/T identical, C corrupt, E/B clear errors, K crashes, H hangs`.
 * Exits 1 when any figure falls short (CI runs --quick). Writes every case to
 * `reliability-report.json` in the working folder.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { badInputs } from './bad-inputs.js';
import { crashTrials } from './crash.js';
import { numericalFaults } from './numerical.js';
import { assertBuilt } from './process.js';
import { soak } from './soak.js';

const quick = process.argv.includes('--quick');
const only = process.argv
  .find((a) => a.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',');
const wants = (part: string) => !only || only.includes(part);
/** Only the bad-input cases whose id contains this text. */
const caseFilter = process.argv.find((a) => a.startsWith('--cases='))?.slice('--cases='.length);
const log = (line: string) => console.log(line);

assertBuilt();
const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'gankit-reliability-'));
const started = Date.now();
const report: Record<string, unknown> = { quick, date: new Date().toISOString() };
let failed = false;

let crash = {
  trials: 0,
  resumed: 0,
  identical: 0,
  corrupt: 0,
  failures: [] as string[],
  concurrent: { checked: 0, refused: 0 },
};
if (wants('crash')) {
  crash = await crashTrials(quick ? 6 : 50, path.join(scratch, 'crash'), log);
  log(
    `crash: ${crash.trials} SIGKILL trials: ${crash.resumed} recovered, ${crash.identical} identical to an uninterrupted run, ${crash.corrupt} with a damaged or stray file`,
  );
  log(
    `crash: a second process on a run in progress refused ${crash.concurrent.refused}/${crash.concurrent.checked} times`,
  );
  for (const f of crash.failures) log(`  FAILED ${f}`);
  report.crash = crash;
  failed ||= crash.failures.length > 0 || crash.resumed < crash.trials || crash.identical < crash.trials;
}

let bad = { total: 0, clear: 0, crashes: 0, hangs: 0, silent: 0, controls: 0, controlsOk: 0 };
if (wants('inputs')) {
  const results = await badInputs(path.join(scratch, 'inputs'), log, quick ? 4 : 1, caseFilter);
  const cases = results.filter((r) => !r.outcome.startsWith('control'));
  bad = {
    total: cases.length,
    clear: cases.filter((r) => r.outcome === 'clear').length,
    crashes: cases.filter((r) => r.outcome === 'crash').length,
    hangs: cases.filter((r) => r.outcome === 'hang' || r.outcome === 'memory').length,
    silent: cases.filter((r) => r.outcome === 'silent').length,
    controls: results.length - cases.length,
    controlsOk: results.filter((r) => r.outcome === 'control-ok').length,
  };
  const byCategory = new Map<string, [number, number]>();
  for (const r of cases) {
    const [c, t] = byCategory.get(r.category) ?? [0, 0];
    byCategory.set(r.category, [c + (r.outcome === 'clear' ? 1 : 0), t + 1]);
  }
  log(
    `bad inputs: ${bad.total} cases, ${bad.clear} clear errors, ${bad.crashes} crashes (stack traces), ${bad.hangs} hangs or memory blow-ups, ${bad.silent} silent successes; ${bad.controlsOk}/${bad.controls} valid controls succeeded`,
  );
  log(`bad inputs by kind: ${[...byCategory].map(([k, [c, t]]) => `${k} ${c}/${t}`).join(', ')}`);
  const slowest = Math.max(...results.map((r) => r.ms));
  const biggest = Math.max(...results.map((r) => r.peakRssMb));
  log(
    `bad inputs: slowest ${(slowest / 1000).toFixed(1)} s, largest memory ${biggest.toFixed(0)} MB (limits 60 s, 2,048 MB)`,
  );
  for (const r of results) {
    if (r.outcome !== 'clear' && r.outcome !== 'control-ok')
      log(`  ${r.outcome.toUpperCase()} ${r.id}: ${r.detail}`);
  }
  report.inputs = results;
  failed ||= bad.clear < bad.total || bad.controlsOk < bad.controls;
}

if (wants('numerical')) {
  const numerical = await numericalFaults(path.join(scratch, 'numerical'));
  const ok = numerical.filter((r) => r.ok).length;
  log(
    `numerical: ${ok}/${numerical.length} faults guarded (NaN batch and NaN weight; stop names step and term, rollback finishes; no checkpoint holds NaN)`,
  );
  for (const r of numerical) if (!r.ok) log(`  FAILED ${r.id}: ${r.detail}`);
  report.numerical = numerical;
  failed ||= ok < numerical.length;
}

if (wants('soak')) {
  const soaks = [
    await soak('dcgan-fashion', quick ? 300 : 2000, path.join(scratch, 'soak')),
    await soak('srgan-x4', quick ? 60 : 500, path.join(scratch, 'soak')),
  ];
  for (const s of soaks) {
    log(
      `soak: ${s.preset} ${s.steps} steps in ${(s.ms / 1000).toFixed(0)} s: tensors ${s.tensors[0]}-${s.tensors[1]}${s.tensorsFlat ? ' (flat)' : ''}, RSS ${s.rssMb[0].toFixed(0)}-${s.rssMb[1].toFixed(0)} MB after warm-up (growth ${s.rssGrowthMb.toFixed(1)} MB, slope ${s.rssSlopeMbPer1000.toFixed(1)} MB per 1,000 steps)${s.flat ? '' : ' NOT FLAT'}`,
    );
  }
  report.soak = soaks;
  failed ||= soaks.some((s) => !s.flat);
}

await fs.writeFile('reliability-report.json', `${JSON.stringify(report, null, 1)}\n`);
if (failed) log(`reliability: the scratch folder ${scratch} is kept for a look`);
else await fs.rm(scratch, { recursive: true, force: true });
log(`reliability: ${((Date.now() - started) / 60000).toFixed(1)} min${quick ? ' (--quick)' : ''}`);
log(
  `reliability: ${crash.resumed}/${crash.trials} resumed, ${crash.identical}/${crash.trials} identical, ${crash.corrupt} corrupt, ${bad.clear}/${bad.total} clear errors, ${bad.crashes} crashes, ${bad.hangs} hangs`,
);
process.exit(failed ? 1 : 0);
