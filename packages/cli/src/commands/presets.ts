import { PRESETS } from '../config/presets.js';

/** `gankit presets`: every preset with its one-line description. */
export function presetsCommand(log: (line: string) => void): void {
  const width = Math.max(...Object.keys(PRESETS).map((n) => n.length));
  for (const [name, preset] of Object.entries(PRESETS)) log(`${name.padEnd(width)}  ${preset.description}`);
}
