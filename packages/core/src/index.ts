/**
 * The small shared base of gankit: the `GanError` class every package throws, seeded
 * randomness, and the serialization registry that saved models reload by name.
 * Platform-neutral and free of side effects.
 * @packageDocumentation
 */

export type { GanErrorCode } from './errors/gan-error.js';
export { checkInteger, checkNumber, formatShape, GanError } from './errors/gan-error.js';
export type { SeededRandomState } from './random/seeded-random.js';
export { SeededRandom, tfjsSeed } from './random/seeded-random.js';
export type { SerializableClass, SerializedObject } from './registry/serializable.js';
export {
  deserialize,
  listSerializables,
  registerSerializable,
  registryKey,
} from './registry/serializable.js';
