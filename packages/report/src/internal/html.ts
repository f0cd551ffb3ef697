// HTML building blocks shared by the run report and the comparison: escaping, number and
// duration formatting, tables and the page shell (inline CSS and script, nothing fetched).

/** Escapes text for HTML element content and attribute values. */
export function esc(text: unknown): string {
  return String(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A number for a table: integers as they are, others to four significant digits. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value) || Number.isInteger(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 1000) return value.toFixed(1);
  if (abs >= 1e-3) return value.toPrecision(4);
  return value.toExponential(3);
}

/** Any JSON value as short text: numbers formatted, arrays of primitives joined, objects as JSON. */
export function formatValue(value: unknown): string {
  if (typeof value === 'number') return formatNumber(value);
  if (typeof value === 'string') return value;
  if (value === undefined) return '';
  if (Array.isArray(value) && value.every((v) => v === null || typeof v !== 'object')) {
    return value.map((v) => (typeof v === 'number' ? formatNumber(v) : String(v))).join(', ');
  }
  return JSON.stringify(value);
}

/** A duration in milliseconds as `1h 02m 03s`, `4m 05s` or `9.4s`. */
export function formatDuration(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}h ${pad(m)}m ${pad(s)}s` : `${m}m ${pad(s)}s`;
}

/** A table from already-escaped cells; `header` cells are escaped here. */
export function table(header: readonly string[], rows: readonly (readonly string[])[], cls = ''): string {
  const head = `<thead><tr>${header.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead>`;
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('\n');
  return `<table${cls ? ` class="${cls}"` : ''}>${head}<tbody>\n${body}\n</tbody></table>`;
}

/** A two-column key/value table; keys and values are escaped here. */
export function keyValueTable(entries: readonly (readonly [string, unknown])[]): string {
  return table(
    ['', ''],
    entries.map(([k, v]) => [`<code>${esc(k)}</code>`, esc(formatValue(v))]),
    'kv',
  ).replace(/<thead>.*?<\/thead>/, '');
}

/** A section with an id and a heading; `body` is HTML. */
export function section(id: string, heading: string, body: string): string {
  return `<section id="${esc(id)}">\n<h2>${esc(heading)}</h2>\n${body}\n</section>`;
}

/** A notice box for things the reader should know (skipped lines, unreadable files). */
export function notes(lines: readonly string[]): string {
  if (lines.length === 0) return '';
  return `<div class="notes">${lines.map((l) => `<p>${esc(l)}</p>`).join('')}</div>`;
}

const CSS = `
:root { color-scheme: light; --fg: #1d232a; --muted: #5f6b76; --line: #dde2e6; --bg: #fff; --soft: #f5f7f8; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1180px; padding: 24px 28px 64px; font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: var(--fg); background: var(--bg); }
header h1 { margin: 0 0 4px; font-size: 24px; }
header .description { margin: 0 0 10px; color: var(--muted); }
header dl { display: flex; flex-wrap: wrap; gap: 4px 28px; margin: 0; }
header dt { color: var(--muted); font-size: 12px; }
header dd { margin: 0; font-weight: 600; }
nav { margin: 14px 0 0; font-size: 13px; }
nav a { margin-right: 14px; color: var(--muted); }
section { margin-top: 32px; }
h2 { font-size: 17px; margin: 0 0 12px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 14px; margin: 18px 0 8px; }
.charts { display: flex; flex-wrap: wrap; gap: 12px 20px; }
.charts svg { max-width: 100%; height: auto; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; margin: 4px 0 12px; }
th, td { padding: 4px 12px 4px 0; text-align: left; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: 12px; color: var(--muted); font-weight: 600; }
td > .num { display: block; text-align: right; }
table.kv td:first-child { color: var(--muted); }
code, pre { font: 12px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
pre { background: var(--soft); padding: 12px 14px; border-radius: 6px; overflow: auto; max-height: 520px; }
.notes { background: #fff8e1; border: 1px solid #f0d98c; border-radius: 6px; padding: 6px 12px; margin: 8px 0 12px; }
.notes p { margin: 2px 0; }
.muted { color: var(--muted); }
figure { margin: 0; }
figcaption { font-size: 12px; color: var(--muted); margin-top: 4px; }
img.grid { image-rendering: pixelated; max-width: 100%; height: auto; background: var(--soft); }
.samples { display: flex; flex-wrap: wrap; gap: 20px 32px; align-items: flex-start; }
.slider label { display: flex; align-items: center; gap: 10px; margin-bottom: 8px; font-size: 13px; }
.slider input { width: 260px; }
.slider output { font-weight: 600; min-width: 90px; }
.side-by-side { display: flex; flex-wrap: wrap; gap: 20px 28px; align-items: flex-start; }
`;

// the sample slider: shows the frame the range input points at and names its step
const SCRIPT = `
for (const box of document.querySelectorAll('[data-slider]')) {
  const input = box.querySelector('input');
  const out = box.querySelector('output');
  const frames = box.querySelectorAll('img');
  input.addEventListener('input', () => {
    const i = Number(input.value);
    frames.forEach((f, j) => { f.hidden = j !== i; });
    out.textContent = 'step ' + frames[i].dataset.step;
  });
}
`;

/**
 * The whole page: a content security policy that lets the page load nothing from anywhere
 * (images only as data: URIs, inline style and script only), so it opens the same from disk.
 */
export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body>
${body}
<script>${SCRIPT}</script>
</body>
</html>
`;
}
