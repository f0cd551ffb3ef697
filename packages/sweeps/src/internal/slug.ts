import { createHash } from 'node:crypto';
import type { JsonValue, SweepPoint } from '../spec.js';

/** A value as folder-safe text: `0.001`, `hinge`, `[64,64]` -> `64-64`. */
function valueText(value: JsonValue): string {
  if (Array.isArray(value)) return value.map(valueText).join('-') || 'empty';
  // numbers, booleans and null are safe as JSON writes them (`-1`, `1e-7`, `true`)
  if (typeof value !== 'string' && (value === null || typeof value !== 'object'))
    return JSON.stringify(value);
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  const safe = text.replace(/[^A-Za-z0-9.+-]+/g, '-').replace(/\.{2,}/g, '.');
  return (typeof value === 'string' ? safe : safe.replace(/^-|-$/g, '')) || 'x';
}

const shortHash = (point: SweepPoint) =>
  createHash('sha256')
    .update(JSON.stringify(Object.entries(point)))
    .digest('hex')
    .slice(0, 8);

/**
 * Folder-safe, readable names of the points, stable for a spec: `learningRate=0.001_hidden=64-64`
 * (the last segment of each axis key, its full path where two axes share it). Points whose
 * names would collide (also case-insensitively) or run long get a short hash of their values.
 */
export function slugs(list: SweepPoint[], keys: string[]): string[] {
  if (keys.length === 0) return list.map(() => 'base');
  const short = (key: string) => key.split('.').at(-1)!;
  const label = (key: string) => (keys.filter((k) => short(k) === short(key)).length > 1 ? key : short(key));
  const plain = list.map((p) => keys.map((k) => `${label(k)}=${valueText(p[k]!)}`).join('_'));
  const counts = new Map<string, number>();
  for (const s of plain) counts.set(s.toLowerCase(), (counts.get(s.toLowerCase()) ?? 0) + 1);
  return plain.map((s, i) => {
    const clash = (counts.get(s.toLowerCase()) ?? 0) > 1;
    if (s.length > 96) return `${s.slice(0, 80)}-${shortHash(list[i]!)}`;
    return clash ? `${s}-${shortHash(list[i]!)}` : s;
  });
}
