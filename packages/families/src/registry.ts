import { GanError } from '@gankit/core';
import { z } from 'zod';
import type { RunConfig } from './config.js';
import { parseWithSchema } from './config.js';
import type { FamilyDefinition } from './family.js';

const families = new Map<string, FamilyDefinition>();
const registry = () => families;

/**
 * Registers a family (built-in or your own) under its name, checking that its presets are
 * valid under its schema and that no preset name is taken.
 * @param family - the family definition
 * @returns the same definition, for `export const myFamily = defineFamily({...})`
 * @throws GanError `INVALID_ARGUMENT` when the name or a preset name is taken; `INVALID_CONFIG` for a preset its schema refuses
 * @example
 * ```ts
 * import { defineFamily, getFamily } from '@gankit/families';
 * console.log(getFamily('dcgan').presets.map((p) => p.preset)); // dcgan-fashion, ...
 * // defineFamily({ name: 'my-gan', description, schema, presets, build }) registers your own
 * console.log(typeof defineFamily);
 * ```
 * @category Families
 */
export function defineFamily<C extends RunConfig>(family: FamilyDefinition<C>): FamilyDefinition<C> {
  const existing = families.get(family.name);
  if (existing === (family as unknown as FamilyDefinition)) return family;
  if (existing) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `defineFamily: a family named '${family.name}' is already registered`,
    );
  }
  for (const preset of family.presets) {
    if (preset.family !== family.name) {
      throw new GanError(
        'INVALID_ARGUMENT',
        `defineFamily: preset '${preset.preset}' says family '${preset.family}', registered under '${family.name}'`,
      );
    }
    const owner = findPresetOwner(preset.preset);
    if (owner) {
      throw new GanError(
        'INVALID_ARGUMENT',
        `defineFamily: preset '${preset.preset}' of family '${family.name}' is already defined by family '${owner.name}'`,
      );
    }
    parseWithSchema(family.schema, preset, `defineFamily: preset '${preset.preset}'`);
  }
  families.set(family.name, family as unknown as FamilyDefinition);
  return family;
}

function findPresetOwner(preset: string): FamilyDefinition | undefined {
  for (const family of registry().values()) {
    if (family.presets.some((p) => p.preset === preset)) return family;
  }
  return undefined;
}

/**
 * @param name - a family name, as configs give it
 * @returns its definition
 * @throws GanError `UNKNOWN_NAME` listing the registered families
 * @category Families
 */
export function getFamily(name: string): FamilyDefinition {
  const family = registry().get(name);
  if (!family) {
    throw new GanError(
      'UNKNOWN_NAME',
      `unknown family '${name}'; registered families: ${[...registry().keys()].join(', ')} (a family from a plugin must be imported first: gankit --plugin MODULE)`,
    );
  }
  return family;
}

/**
 * @returns every registered family, in registration order
 * @category Families
 */
export function listFamilies(): FamilyDefinition[] {
  return [...registry().values()];
}

/**
 * @returns every preset of every registered family, with its family's name
 * @category Families
 */
export function listPresets(): { name: string; family: string; description: string }[] {
  return listFamilies().flatMap((f) =>
    f.presets.map((p) => ({ name: p.preset, family: f.name, description: p.description })),
  );
}

/**
 * @param name - a preset name
 * @returns a fresh copy of its config (change it freely)
 * @throws GanError `UNKNOWN_NAME` listing the valid presets
 * @category Families
 */
export function getPreset(name: string): RunConfig {
  const owner = findPresetOwner(name);
  if (!owner) {
    throw new GanError(
      'UNKNOWN_NAME',
      `unknown preset '${name}'; valid presets: ${listPresets()
        .map((p) => p.name)
        .join(', ')}`,
    );
  }
  return structuredClone(owner.presets.find((p) => p.preset === name)!);
}

/**
 * Validates a run config with its family's schema (every problem at once, with dot paths).
 * @param value - the candidate config (from a preset with overrides, a file, a run folder)
 * @param source - where it came from, for the message
 * @param locate - where a dot path sits in the source (`line 12`), when it can be told
 * @returns the config, typed as the common shape
 * @throws GanError `INVALID_CONFIG` for a config its family refuses or that names no family; `UNKNOWN_NAME` for an unknown family
 * @category Configs
 */
export function parseRunConfig(
  value: unknown,
  source: string,
  locate?: (at: readonly PropertyKey[]) => string | undefined,
): RunConfig {
  const family = (value as { family?: unknown } | null)?.family;
  if (typeof family !== 'string') {
    throw new GanError(
      'INVALID_CONFIG',
      `${source} is not a valid training config:\n  family: expected a family name, got ${JSON.stringify(family)}`,
    );
  }
  let definition: FamilyDefinition;
  try {
    definition = getFamily(family);
  } catch (e) {
    throw e instanceof GanError ? new GanError(e.code, `${source}: family: ${e.message}`, { cause: e }) : e;
  }
  return parseWithSchema(definition.schema, value, source, locate);
}

/**
 * A family's config schema as JSON Schema (draft 2020-12), for editors and other tools: a
 * config file that names it with `$schema` is completed and checked as it is written.
 * @param name - a family name
 * @returns the JSON Schema object
 * @throws GanError `UNKNOWN_NAME` for an unknown family
 * @example
 * ```ts
 * import { familyJsonSchema } from '@gankit/families';
 * const schema = familyJsonSchema('dcgan') as { additionalProperties: boolean };
 * console.log(schema.additionalProperties); // false: unknown keys are refused
 * ```
 * @category Configs
 */
export function familyJsonSchema(name: string): Record<string, unknown> {
  const schema = z.toJSONSchema(getFamily(name).schema, { io: 'input' }) as {
    properties?: Record<string, unknown>;
  } & Record<string, unknown>;
  // a config file may name its schema; configFromFile drops the key before validating
  schema.properties = { $schema: { type: 'string' }, ...schema.properties };
  return schema;
}
