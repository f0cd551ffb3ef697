import { GanError } from '../errors/gan-error.js';

/**
 * The JSON form of a saveable gankit object: its registered class name and its config.
 * @category Registry
 */
export interface SerializedObject<C = Record<string, unknown>> {
  /** The registered key, `gankit>Name`. */
  className: string;
  /** The object's `getConfig()` snapshot. */
  config: C;
}

/**
 * A saveable class: a static `className` and `fromConfig`, instances with `getConfig()`.
 * @category Registry
 */
export interface SerializableClass<T = unknown, C = Record<string, unknown>> {
  /** The class's own name, e.g. `CnnEncoder`. */
  readonly className: string;
  /** Rebuilds an instance from a `getConfig()` snapshot. */
  fromConfig(config: C): T;
}

const classes = new Map<string, SerializableClass>();

/**
 * The registry key of a class name: `gankit>Name`.
 * @param className - the class's own name
 * @returns the key it is registered under
 * @example
 * ```ts
 * import { registryKey } from '@gankit/core';
 * registryKey('CnnEncoder'); // 'gankit>CnnEncoder'
 * ```
 * @category Registry
 */
export function registryKey(className: string): string {
  return className.includes('>') ? className : `gankit>${className}`;
}

/**
 * Registers a saveable class under `gankit>className`, so a saved config reloads by name.
 * Registering the same class twice is a no-op; another class under a taken name is an error.
 * @param cls - the class
 * @throws GanError `INVALID_ARGUMENT` when the name is taken by another class
 * @example
 * ```ts
 * import { registerSerializable } from '@gankit/core';
 * class Thing { static className = 'Thing'; static fromConfig() { return new Thing(); } getConfig() { return {}; } }
 * registerSerializable(Thing);
 * ```
 * @category Registry
 */
export function registerSerializable(cls: SerializableClass): void {
  const key = registryKey(cls.className);
  const existing = classes.get(key);
  if (existing && existing !== cls) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `registerSerializable: '${key}' is already registered by another class`,
    );
  }
  classes.set(key, cls);
}

/**
 * Rebuilds a registered object from its serialized form.
 * @param serialized - `{ className, config }`
 * @returns the new instance
 * @throws GanError `UNKNOWN_NAME` listing the registered names
 * @example
 * ```ts
 * import { deserialize, registerSerializable } from '@gankit/core';
 * class Scale {
 *   static className = 'ExampleScale';
 *   constructor(readonly factor: number) {}
 *   static fromConfig(config: Record<string, unknown>) { return new Scale(config.factor as number); }
 *   getConfig() { return { factor: this.factor }; }
 * }
 * registerSerializable(Scale);
 * const saved = { className: Scale.className, config: new Scale(3).getConfig() };
 * console.log(deserialize<Scale>(saved).factor); // 3
 * ```
 * @category Registry
 */
export function deserialize<T = unknown>(serialized: SerializedObject): T {
  const key = registryKey(serialized.className);
  const cls = classes.get(key);
  if (!cls) {
    throw new GanError(
      'UNKNOWN_NAME',
      `deserialize: no class registered as '${key}'; registered: ${[...classes.keys()].join(', ') || '(none)'}`,
    );
  }
  return cls.fromConfig(serialized.config) as T;
}

/**
 * @returns every registered key
 * @example
 * ```ts
 * import { listSerializables } from '@gankit/core';
 * console.log(listSerializables());
 * ```
 * @category Registry
 */
export function listSerializables(): string[] {
  return [...classes.keys()];
}
