/** The value at a dot path (array items by index), or undefined. */
export function valueAt(value: unknown, dotPath: string): unknown {
  return dotPath
    .split('.')
    .reduce<unknown>(
      (v, k) =>
        v !== null && typeof v === 'object' && Object.hasOwn(v, k)
          ? (v as Record<string, unknown>)[k]
          : undefined,
      value,
    );
}
