// Nested JSON as dot paths: for definition tables, the end-of-run comparison and config diffs.

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** True for a non-empty array whose items are all plain objects (a table of rows). */
export const isRowArray = (v: unknown): v is Record<string, unknown>[] =>
  Array.isArray(v) && v.length > 0 && v.every(isPlainObject);

/**
 * The leaves of a JSON value by dot path (`imageMetrics.kid.mean`), in document order.
 * Arrays are leaves (kept whole); an empty object is a leaf too.
 */
export function flatten(value: unknown, prefix = '', out = new Map<string, unknown>()): Map<string, unknown> {
  if (isPlainObject(value) && Object.keys(value).length > 0) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else {
    out.set(prefix, value);
  }
  return out;
}

/** A row's name for paths: its `image`, `name`, `id` or `label` field, else its index. */
export function rowLabel(row: Record<string, unknown>, index: number): string {
  for (const key of ['image', 'name', 'id', 'label']) {
    const v = row[key];
    if (typeof v === 'string' || typeof v === 'number') return String(v);
  }
  return String(index);
}

/**
 * The numbers of an end-of-run record by dot path, for comparing runs: nested numbers as
 * they are, and each table of rows as `rows[label].path` for every row plus `rows[mean].path`,
 * the mean over the rows. Strings and arrays of numbers are left out.
 */
export function numericLeaves(
  value: unknown,
  prefix = '',
  out = new Map<string, number>(),
): Map<string, number> {
  if (typeof value === 'number' && Number.isFinite(value)) {
    out.set(prefix, value);
  } else if (isRowArray(value)) {
    const sums = new Map<string, { sum: number; count: number }>();
    value.forEach((row, i) => {
      const leaves = numericLeaves(row);
      for (const [path, v] of leaves) {
        out.set(`${prefix}[${rowLabel(row, i)}].${path}`, v);
        const s = sums.get(path) ?? { sum: 0, count: 0 };
        s.sum += v;
        s.count += 1;
        sums.set(path, s);
      }
    });
    if (value.length > 1) {
      for (const [path, s] of sums) out.set(`${prefix}[mean].${path}`, s.sum / s.count);
    }
  } else if (isPlainObject(value)) {
    for (const [k, v] of Object.entries(value)) numericLeaves(v, prefix ? `${prefix}.${k}` : k, out);
  }
  return out;
}

/** One config path whose values differ between runs; `undefined` where a run lacks it. */
export interface ConfigDifference {
  readonly path: string;
  readonly values: readonly unknown[];
}

/** The dot paths whose values differ across the configs (a path missing from one counts as differing). */
export function diffConfigs(configs: readonly unknown[]): ConfigDifference[] {
  const flats = configs.map((c) => flatten(c));
  const paths: string[] = [];
  const seen = new Set<string>();
  for (const f of flats) {
    for (const p of f.keys()) {
      if (!seen.has(p)) {
        seen.add(p);
        paths.push(p);
      }
    }
  }
  const key = (v: unknown) => (v === undefined ? '\u0000missing' : JSON.stringify(v));
  return paths
    .map((path) => ({ path, values: flats.map((f) => f.get(path)) }))
    .filter((d) => new Set(d.values.map(key)).size > 1);
}
