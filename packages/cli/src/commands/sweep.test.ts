// `gankit sweep --plot`: docs/examples/sweep-tiny.yaml shortened to 8 steps a run (4 runs, a few
// seconds), drawn as SVG and as an HTML page; a file of another kind is refused before anything runs.
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { runCli } from '../program.js';

const root = path.resolve(import.meta.dirname, '../../../..');

let tmp: string;
let spec: string;
let results: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'gankit-cli-sweep-'));
  const tiny = parse(readFileSync(path.join(root, 'docs/examples/sweep-tiny.yaml'), 'utf8'));
  tiny.base.steps = 8;
  tiny.base.set = ['output.progressEvery=8', 'output.checkpointEvery=8', 'output.sampleEvery=1000'];
  spec = path.join(tmp, 'sweep-tiny.json');
  await fs.writeFile(spec, JSON.stringify(tiny));
  results = path.join(tmp, 'runs');
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

/** Runs the CLI in-process, capturing stdout lines, stderr text and the exit code. */
async function gankit(...args: string[]) {
  const out: string[] = [];
  let err = '';
  const error = vi.spyOn(console, 'error').mockImplementation((m: unknown) => {
    err += `${String(m)}\n`;
  });
  const write = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    err += String(chunk);
    return true;
  });
  const log = vi.spyOn(console, 'log').mockImplementation((m: unknown) => {
    out.push(String(m));
  });
  try {
    const code = await runCli(['node', 'gankit', ...args]);
    return { code, out, err };
  } finally {
    error.mockRestore();
    write.mockRestore();
    log.mockRestore();
  }
}

describe('gankit sweep --plot', () => {
  it('trains the tiny sweep, prints the table and writes its chart: a panel per metric, a mean, a bar and two seeds per point', async () => {
    const file = path.join(tmp, 'plots', 'sweep.svg');
    const r = await gankit('sweep', spec, '--results', results, '--threads', '1', '--plot', file);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out.at(-1)).toBe(`plot: ${file}`); // outside the working folder: as given
    const svg = readFileSync(file, 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/role-scope p\d+_group/g)).toHaveLength(2);
    const marks = (layer: string, tag: string) =>
      [...svg.matchAll(new RegExp(`_${layer}_marks"[^>]*>(.*?)</g>`, 'g'))].map(
        (m) => m[1]!.match(new RegExp(`<${tag}\\b`, 'g'))?.length ?? 0,
      );
    expect(marks('means', 'path')).toEqual([2, 2]);
    expect(marks('bars', 'line')).toEqual([2, 2]);
    expect(marks('seeds', 'path')).toEqual([4, 4]);
    // the spec's metrics title the panels, its axis the x axis, its values (in its order) the points
    const at = (text: string) => svg.indexOf(`>${text}</text>`);
    expect(at('modeCoverage.modesCaptured')).toBeGreaterThan(0);
    expect(at('modeCoverage.highQualityFraction')).toBeGreaterThan(at('modeCoverage.modesCaptured'));
    expect(at('learningRate')).toBeGreaterThan(0);
    expect(at('0.0005')).toBeGreaterThan(0);
    expect(at('0.002')).toBeGreaterThan(at('0.0005'));
  });

  it('writes the page with the table printed above, each seed from its run (nothing trained again)', async () => {
    const file = path.join(tmp, 'sweep.html');
    const r = await gankit('sweep', spec, '--results', results, '--plot', file);
    expect(r.code).toBe(0);
    expect(r.out.filter((l) => l.endsWith('its evaluation is reused'))).toHaveLength(4);
    const html = readFileSync(file, 'utf8');
    expect(html).toContain('<h1>sweep ring-lr-tiny</h1>');
    expect(html.match(/<svg\b/g)).toHaveLength(1);
    // the printed table's rows: `0.0005  2  0 ± 0  0.0064 ± 0.0051`
    const lines = r.out.flatMap((l) => l.split('\n'));
    const rows = lines.filter((l) => /^0\.00(05|2) /.test(l)).map((l) => l.split(/ {2,}/));
    expect(rows).toHaveLength(2);
    for (const [lr, n, captured, hq] of rows) {
      expect(html).toContain(`<tr><td>${lr}</td><td><span class="num">${n}</span></td>`);
      expect(html).toContain(`>${captured}</span>`);
      expect(html).toContain(`>${hq}</span>`);
      // each cell's tooltip lists its seeds' values, as the runs' evaluation.json hold them
      const row = html.match(new RegExp(`<tr><td>${lr}</td>.*?</tr>`))![0];
      const tooltips = [...row.matchAll(/title="seeds: ([^"]*)"/g)].map((m) => m[1]!.split(', ').map(Number));
      const evaluations = [0, 1].map((s) =>
        JSON.parse(
          readFileSync(
            path.join(results, 'ring-lr-tiny', `learningRate=${lr}-s${s}`, 'evaluation.json'),
            'utf8',
          ),
        ),
      );
      expect(tooltips).toHaveLength(2);
      expect(tooltips[0]).toEqual(evaluations.map((e) => e.modeCoverage.modesCaptured));
      tooltips[1]!.forEach((v, s) => {
        const expected = evaluations[s].modeCoverage.highQualityFraction as number;
        expect(Math.abs(v - expected)).toBeLessThanOrEqual(Math.abs(expected) * 1e-3);
      });
    }
    expect(html).toContain(`content="default-src 'none'; img-src data:;`);
  });

  it('refuses another extension in one line naming the flag, before reading the spec or training', async () => {
    const fresh = path.join(tmp, 'never');
    const r = await gankit('sweep', spec, '--results', fresh, '--plot', path.join(tmp, 'sweep.png'));
    expect(r.code).toBe(2);
    const [first] = r.err.split('\n');
    expect(first).toBe(
      `error: option '--plot <file>' argument '${path.join(tmp, 'sweep.png')}' is invalid. expected a file ending in .svg or .html, got '${path.join(tmp, 'sweep.png')}'`,
    );
    expect(existsSync(fresh)).toBe(false);
    expect(r.out).toEqual([]);
    // sweep results: refused before Redis is looked for
    const q = await gankit(
      'sweep',
      'results',
      'missing.yaml',
      '--plot',
      'table.pdf',
      '--redis',
      'redis://x:1',
    );
    expect(q.code).toBe(2);
    expect(q.err.split('\n')[0]).toBe(
      "error: option '--plot <file>' argument 'table.pdf' is invalid. expected a file ending in .svg or .html, got 'table.pdf'",
    );
  });
});
