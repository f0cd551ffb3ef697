import { GanError } from '@gankit/core';
import type { AdversarialLoss } from '../adversarial/types.js';
import { checkOptions, describe } from '../internal/validate.js';
import type { LossCatalog, LossName, LossOf, LossOptions } from './catalog.js';

// The one loss registry: a map from name to definition, filled with the built-in entries by
// ./catalog.ts (import the registry's functions from there, so that they are registered).

/**
 * The families of the loss catalogue; each fixes the call signature of its members.
 * @category Registry
 */
export type LossKind =
  | 'adversarial'
  | 'classifier'
  | 'conditional'
  | 'penalty'
  | 'content'
  | 'image'
  | 'features'
  | 'latent';

/** What a loss of each kind is, for messages. */
export const KIND_LABEL: Record<LossKind, string> = {
  adversarial: 'an adversarial loss pair',
  classifier: 'an auxiliary classifier loss pair',
  conditional: 'a matching-aware conditional loss',
  penalty: 'a critic penalty',
  content: 'a content loss',
  image: 'an image regularizer',
  features: 'a feature matching loss',
  latent: 'a latent-space term',
};
/** Every kind. */
export const KINDS = Object.keys(KIND_LABEL) as LossKind[];

/**
 * How a loss is made from its options; what {@link registerLoss} takes and {@link defineLoss} makes.
 * @category Registry
 */
export interface LossDefinition {
  /** The unique registry name. */
  readonly name: string;
  /** Its family, which fixes its call signature. */
  readonly kind: LossKind;
  /** One line on what it is and where it comes from. */
  readonly description: string;
  /**
   * Builds the loss with the options bound (validating them).
   * @param options - the options given with the name, if any
   */
  create(options: Record<string, unknown> | undefined): unknown;
}

/** Name, kind and description of a registered loss. @category Registry */
export interface LossInfo {
  /** The registry name. */
  name: string;
  /** Its family. */
  kind: LossKind;
  /** One line on what it is. */
  description: string;
}

/**
 * Checks one option of a loss: throws a `GanError` naming `fn` and `key` for a bad value. It is
 * called for every declared key, with `undefined` when the option is absent (so a required
 * option fails then, and an optional one passes), e.g.
 * `(fn, key, value) => value === undefined || checkNumber(fn, key, value, { min: 0 })`.
 * @category Registry
 */
export type OptionCheck = (fn: string, key: string, value: unknown) => unknown;

/**
 * A catalogue entry as {@link defineLoss} takes it: options `O` bind to a loss `L`.
 * @category Registry
 */
export interface LossDeclaration<O extends object = Record<string, unknown>, L = unknown> {
  /** The unique registry name. */
  readonly name: string;
  /** Its family, which fixes its call signature. */
  readonly kind: LossKind;
  /** One line on what it is and where it comes from. */
  readonly description: string;
  /** Every option the loss accepts, with its check; any other key is an error. Omit when it takes none. */
  readonly options?: { readonly [K in keyof NoInfer<O>]-?: OptionCheck };
  /** The function that errors about option values name, usually the one `bind` calls. Default `getLoss('<name>')`. */
  readonly fn?: string;
  /**
   * Makes the loss with the checked options bound.
   * @param options - the options given with the name, `{}` when none are
   */
  bind(options: O): L;
}

/**
 * The declaration of a name in {@link LossCatalog}: its kind, a check for every option of its
 * options type, and a `bind` returning its loss type.
 * @category Registry
 */
export type CatalogLossDeclaration<N extends LossName> = LossDeclaration<LossOptions<N>, LossOf<N>> & {
  readonly name: N;
  readonly kind: LossCatalog[N]['kind'];
} & (string extends keyof LossOptions<N>
    ? unknown
    : { readonly options: { readonly [K in keyof LossOptions<N>]-?: OptionCheck } });

/**
 * Declares a catalogue entry: name, kind, description, the options it accepts with their checks,
 * and how they bind to the loss. The definition it returns checks the options every time a
 * config or `getLoss` names the loss (an unknown key, or a value its check refuses, throws), then
 * binds them; {@link registerLoss} adds it to the registry. For a name declared in
 * {@link LossCatalog}, the kind, the option keys and the loss type are checked against it.
 *
 * @param declaration - name, kind, description, `options` (key to {@link OptionCheck}), `bind(options)`, optionally `fn`
 * @returns the definition, for {@link registerLoss}
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { checkNumber } from '@gankit/core';
 * import { type ContentLoss, defineLoss, l2Loss, registerLoss, resolveLoss } from '@gankit/losses';
 *
 * declare module '@gankit/losses' {
 *   interface LossCatalog { 'scaled-l2': { kind: 'content'; options: { scale?: number }; loss: ContentLoss } }
 * }
 *
 * registerLoss(
 *   defineLoss({
 *     name: 'scaled-l2',
 *     kind: 'content',
 *     description: 'L2 times a scale',
 *     options: { scale: (fn, key, value) => value === undefined || checkNumber(fn, key, value, { min: 0 }) },
 *     bind: ({ scale = 1 }) => (p, t) => tf.tidy(() => tf.mul(scale, l2Loss(p, t))),
 *   }),
 * );
 * const loss = resolveLoss(['scaled-l2', { scale: 2 }]); // ContentLoss; { scale: -1 } or { scael: 2 } would throw
 * const value = loss(tf.tensor1d([3]), tf.tensor1d([0])); // 2 * 9 = 18
 * ```
 * @category Registry
 */
export function defineLoss<N extends LossName>(declaration: CatalogLossDeclaration<N>): LossDefinition;
/**
 * Declares an entry whose name is not (yet) in {@link LossCatalog}; `bind`'s parameter type gives the options' type.
 * @param declaration - name, kind, description, `options` (key to {@link OptionCheck}), `bind(options)`, optionally `fn`
 * @returns the definition, for {@link registerLoss}
 * @category Registry
 */
export function defineLoss<N extends string, O extends object = Record<string, unknown>, L = unknown>(
  declaration: LossDeclaration<O, L> & { readonly name: N extends LossName ? never : N },
): LossDefinition;
export function defineLoss(declaration: LossDeclaration): LossDefinition {
  const { name, kind, description } = declaration;
  const checks: Record<string, OptionCheck> = declaration.options ?? {};
  const keys = Object.keys(checks);
  const at = `getLoss('${name}')`;
  const fn = declaration.fn ?? at;
  return {
    name,
    kind,
    description,
    create(options) {
      const o: Record<string, unknown> = checkOptions(at, options);
      const unknown = Object.keys(o).filter((k) => !keys.includes(k));
      if (unknown.length > 0) {
        throw new GanError(
          'INVALID_ARGUMENT',
          keys.length === 0
            ? `getLoss: '${name}' takes no options, got ${unknown.join(', ')}`
            : `getLoss: '${name}' has no option ${unknown.map((k) => `'${k}'`).join(', ')}; its options: ${keys.join(', ')}`,
        );
      }
      for (const key of keys) checks[key]!(fn, key, o[key]);
      return declaration.bind(o);
    },
  };
}

/** True for `{ discriminator, generator }` functions: an adversarial or auxiliary classifier pair. */
export function isLossPair(value: unknown): value is AdversarialLoss {
  return (
    value != null &&
    typeof value === 'object' &&
    typeof (value as { discriminator?: unknown }).discriminator === 'function' &&
    typeof (value as { generator?: unknown }).generator === 'function'
  );
}

function hasNoOptions(options: unknown): boolean {
  return (
    options === undefined ||
    (options !== null &&
      typeof options === 'object' &&
      !Array.isArray(options) &&
      Object.keys(options).length === 0)
  );
}

const definitions = new Map<string, LossDefinition>();

/**
 * Adds a definition, with `fn` naming the caller in errors. An adversarial definition's pair
 * with default options is made once, here: every lookup without options returns that object.
 */
export function addLoss(fn: string, definition: LossDefinition): void {
  if (
    definition == null ||
    typeof definition.name !== 'string' ||
    definition.name.length === 0 ||
    typeof definition.create !== 'function' ||
    !KINDS.includes(definition.kind)
  ) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: definition must have a name, a kind (${KINDS.join(', ')}), a description and create(options), got ${describe(definition)}`,
    );
  }
  const { name, kind, create } = definition;
  if (definitions.has(name)) {
    throw new GanError('INVALID_ARGUMENT', `${fn}: the name '${name}' is already registered`);
  }
  const description = definition.description ?? '';
  if (kind !== 'adversarial') {
    definitions.set(name, { name, kind, description, create: (o) => create.call(definition, o) });
    return;
  }
  const made = create.call(definition, undefined);
  if (!isLossPair(made)) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: '${name}' is adversarial, so create() must return discriminator and generator functions, got ${describe(made)}`,
    );
  }
  const pair: AdversarialLoss =
    made.name === name && typeof made.description === 'string'
      ? made
      : { ...made, name, description: made.description ?? description };
  definitions.set(name, {
    name,
    kind,
    description,
    create: (o) => (hasNoOptions(o) ? pair : create.call(definition, o)),
  });
}

/** The definition of a name, or undefined. */
function findLoss(name: unknown): LossDefinition | undefined {
  return typeof name === 'string' ? definitions.get(name) : undefined;
}

/** The definition of a name; throws UNKNOWN_NAME listing the valid names, `fn` naming the caller. */
export function definitionOf(fn: string, name: unknown): LossDefinition {
  const definition = findLoss(name);
  if (definition) return definition;
  throw new GanError(
    'UNKNOWN_NAME',
    `${fn}: unknown loss ${describe(name)}; valid names: ${listLosses().join(', ')}`,
  );
}

/** Throws INVALID_ARGUMENT unless `kind` is a kind. */
export function checkKind(fn: string, kind: unknown): asserts kind is LossKind {
  if (!KINDS.includes(kind as LossKind)) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: unknown kind ${describe(kind)}; kinds: ${KINDS.join(', ')}`,
    );
  }
}

/**
 * Adds a loss to the catalogue so configs can name it; make the definition with
 * {@link defineLoss}, which checks the options. An `adversarial` loss is also what
 * `getAdversarialLoss(name)` returns (with default options). For precise types, declare the name
 * in {@link LossCatalog} by declaration merging.
 *
 * @param definition - name, kind, description and `create(options)`, e.g. from {@link defineLoss}
 * @throws GanError `INVALID_ARGUMENT` when the name is taken or the definition is malformed
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { registerLoss } from '@gankit/losses';
 * registerLoss({
 *   name: 'scaled-l1', kind: 'content', description: 'L1 times a scale',
 *   create: (o) => (p: tf.Tensor, t: tf.Tensor) => tf.tidy(() => tf.mul(Number(o?.scale ?? 1), tf.mean(tf.abs(tf.sub(p, t))))),
 * });
 * ```
 * @category Registry
 */
export function registerLoss(definition: LossDefinition): void {
  addLoss('registerLoss', definition);
}

/**
 * @param kind - only the names of this kind
 * @returns the registered loss names, built-in and user-registered, in the order they were added
 * @throws GanError `INVALID_ARGUMENT` for an unknown kind
 * @example
 * ```ts
 * import { listLosses } from '@gankit/losses';
 * listLosses('penalty'); // ['gradient-penalty', 'r1', 'r2']
 * ```
 * @category Registry
 */
export function listLosses(kind?: LossKind): string[] {
  if (kind !== undefined) checkKind('listLosses', kind);
  const all = [...definitions.values()];
  return (kind === undefined ? all : all.filter((d) => d.kind === kind)).map((d) => d.name);
}

/**
 * @param name - a registered name
 * @returns its name, kind and description
 * @throws GanError `UNKNOWN_NAME` listing the valid names
 * @example
 * ```ts
 * import { getLossInfo } from '@gankit/losses';
 * getLossInfo('r1').kind; // 'penalty'
 * ```
 * @category Registry
 */
export function getLossInfo(name: string): LossInfo {
  const { kind, description } = definitionOf('getLossInfo', name);
  return { name, kind, description };
}
