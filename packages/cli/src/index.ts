/**
 * The `gankit` command line: `train`, `sample`, `info`, `presets`, composed from the gankit
 * packages. Import it to embed the CLI or to read the presets.
 * @packageDocumentation
 */
export type { Preset } from './config/presets.js';
export { getPreset, PRESETS } from './config/presets.js';
export type { TrainConfig } from './config/schema.js';
export { parseTrainConfig, trainConfigSchema } from './config/schema.js';
export { createProgram, runCli } from './program.js';
