import { describe, expect, it } from 'vitest';
import {
  BUILTIN_FAMILIES,
  dcganFamily,
  defineFamily,
  familyJsonSchema,
  getFamily,
  getPreset,
  listFamilies,
  listPresets,
  parseRunConfig,
} from './index.js';

describe('the family registry', () => {
  it('holds every built-in family, each with presets its own schema accepts', () => {
    expect(listFamilies().map((f) => f.name)).toEqual(BUILTIN_FAMILIES.map((f) => f.name));
    for (const family of listFamilies()) {
      expect(family.presets.length).toBeGreaterThan(0);
      for (const preset of family.presets) expect(family.schema.parse(preset)).toEqual(preset);
    }
    expect(new Set(listPresets().map((p) => p.name)).size).toBe(listPresets().length);
  });

  it('names what is valid for an unknown family or preset', () => {
    expect(() => getFamily('dcgna')).toThrow(/unknown family 'dcgna'; registered families: dcgan, cgan, gan/);
    expect(() => getPreset('nope')).toThrow(/unknown preset 'nope'; valid presets: dcgan-fashion/);
    expect(() => parseRunConfig({ family: 42 }, 'x.json')).toThrow(/family: expected a family name, got 42/);
  });

  it('refuses a second family of the same name and a preset name already taken', () => {
    expect(defineFamily(dcganFamily)).toBe(dcganFamily);
    expect(() => defineFamily({ ...dcganFamily })).toThrow(/a family named 'dcgan' is already registered/);
    expect(() => defineFamily({ ...dcganFamily, name: 'dcgan-copy' })).toThrow(
      /preset 'dcgan-fashion' says family 'dcgan', registered under 'dcgan-copy'/,
    );
  });

  it('refuses unknown keys in every section of every family', () => {
    for (const { name } of listPresets()) {
      const config = getPreset(name) as unknown as Record<string, Record<string, unknown>>;
      for (const section of ['data', 'model', 'training', 'output', 'optimizer'] as const)
        config[section]!.typo = 1;
      config.typo = {};
      const message = (() => {
        try {
          parseRunConfig(config, name);
          return '';
        } catch (e) {
          return (e as Error).message;
        }
      })();
      for (const at of ['data.', 'model.', 'training.', 'output.', 'optimizer.', ''])
        expect(message, `${name}: ${at}typo`).toMatch(
          new RegExp(`\\n  ${at.replace('.', '\\.')}typo: unknown key \\(known here: `),
        );
    }
  });

  it('exports each family schema as JSON Schema that refuses unknown keys', () => {
    for (const family of listFamilies()) {
      const schema = familyJsonSchema(family.name) as {
        properties: Record<string, { additionalProperties?: boolean }>;
        additionalProperties: boolean;
        required: string[];
      };
      expect(schema.additionalProperties).toBe(false);
      expect(schema.properties.model?.additionalProperties).toBe(false);
      expect(schema.required).toEqual(expect.arrayContaining(['family', 'data', 'model', 'training']));
    }
  });
});
