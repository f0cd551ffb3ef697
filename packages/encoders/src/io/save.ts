import * as path from 'node:path';
import { deserialize, GanError, registryKey, type SerializableClass } from '@gankit/core';
import { saveModel } from '@gankit/data';
import type { EncoderBase } from '../encoder.js';
import { readWeightFile } from '../internal/weight-file.js';
import { assignWeights } from './weights.js';

/** The key under which an encoder's class and config sit in `model.json`'s `userDefinedMetadata`. */
const METADATA_KEY = 'gankitEncoder';

/**
 * What {@link saveEncoder} stores in `model.json` (`userDefinedMetadata.gankitEncoder`).
 * @category Encoders
 */
export interface SavedEncoderMetadata {
  /** The registered class, `gankit>Name`. */
  className: string;
  /** The encoder's `getConfig()` snapshot (vocabularies included). */
  config: Record<string, unknown>;
  /** Whether the encoder was trainable when saved. */
  trainable: boolean;
  /** Format version of this metadata. */
  version: 1;
}

function classOf(fn: string, encoder: EncoderBase): SerializableClass {
  const cls = encoder.constructor as Partial<SerializableClass>;
  if (typeof cls.className !== 'string' || typeof cls.fromConfig !== 'function') {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: ${encoder.name} is not a saveable encoder: its class has no static className and fromConfig`,
    );
  }
  return cls as SerializableClass;
}

/**
 * Saves an encoder to a folder as a standard tfjs layers model (`model.json` + `weights.bin`,
 * written atomically) whose `userDefinedMetadata` also records the encoder's registered class
 * and config, so {@link loadEncoder} rebuilds the same encoder by name. The folder also loads
 * with plain `tf.loadLayersModel` (the bare network, without the encoder around it).
 *
 * @param encoder - any gankit encoder (image or caption encoder)
 * @param dir - the destination folder (replaced as a whole)
 * @throws GanError `INVALID_ARGUMENT` when the encoder's class is not saveable
 * @example
 * ```ts
 * import { cnnEncoder, loadEncoder, saveEncoder } from '@gankit/encoders';
 * const enc = cnnEncoder({ inputShape: [28, 28, 1], targetShape: [64] });
 * await saveEncoder(enc, '/tmp/gankit-example/encoder');
 * const again = await loadEncoder('/tmp/gankit-example/encoder');
 * ```
 * @category Encoders
 */
export async function saveEncoder(encoder: EncoderBase, dir: string): Promise<void> {
  const cls = classOf('saveEncoder', encoder);
  const metadata: SavedEncoderMetadata = {
    className: registryKey(cls.className),
    config: JSON.parse(JSON.stringify(encoder.getConfig())) as Record<string, unknown>,
    trainable: encoder.trainable,
    version: 1,
  };
  encoder.model.setUserDefinedMetadata({ [METADATA_KEY]: metadata });
  await saveModel(encoder.model, dir);
}

/**
 * Loads an encoder saved by {@link saveEncoder}: rebuilds it from its registered class name and
 * config, then sets every weight by name with shape checks. The encoder's module must have been
 * imported (importing `@gankit/encoders` registers all of gankit's encoders).
 *
 * @param dir - the folder (or its `model.json`)
 * @returns the encoder, typed as the caller asserts; the caller owns and disposes it
 * @throws GanError `IO_ERROR` when files are missing or unreadable
 * @throws GanError `INVALID_DATA` when the folder is corrupted or was not written by `saveEncoder`
 * @throws GanError `UNKNOWN_NAME` when the class is not registered
 * @throws GanError `SHAPE_MISMATCH` when a weight does not fit the rebuilt encoder
 * @example
 * ```ts
 * import { type CnnEncoder, cnnEncoder, loadEncoder, saveEncoder } from '@gankit/encoders';
 * await saveEncoder(cnnEncoder({ inputShape: [16, 16, 1], targetShape: [8] }), '/tmp/gankit-example/e');
 * const enc = await loadEncoder<CnnEncoder>('/tmp/gankit-example/e');
 * console.log(enc.getConfig().targetShape); // [8]
 * ```
 * @category Encoders
 */
export async function loadEncoder<T extends EncoderBase = EncoderBase>(dir: string): Promise<T> {
  const fn = 'loadEncoder';
  const file = await readWeightFile(fn, dir.endsWith('.json') ? dir : path.join(dir, 'model.json'));
  const meta = file.metadata?.[METADATA_KEY] as Partial<SavedEncoderMetadata> | undefined;
  if (
    !meta ||
    typeof meta.className !== 'string' ||
    typeof meta.config !== 'object' ||
    meta.config === null
  ) {
    throw new GanError(
      'INVALID_DATA',
      `${fn}: ${file.source} was not written by saveEncoder (no userDefinedMetadata.${METADATA_KEY} ` +
        'with className and config); load plain weights into an encoder with loadWeights instead',
    );
  }
  const encoder = deserialize<T>({ className: meta.className, config: meta.config });
  try {
    assignWeights(fn, encoder.model, file, { strict: true });
  } catch (e) {
    encoder.dispose();
    throw e;
  }
  if (typeof meta.trainable === 'boolean') encoder.setTrainable(meta.trainable);
  return encoder;
}
