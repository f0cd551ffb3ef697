/**
 * The `gankit` command line: `train`, `resume`, `sample`, `upscale`, `eval`, `info`,
 * `presets`, composed from the gankit packages. It parses flags, looks families up in
 * `@gankit/families` and prints; everything it runs is a library function there.
 * @packageDocumentation
 */
export { createProgram, runCli } from './program.js';
