import { listPresets } from '@gankit/families';

/** `gankit presets`: every preset with its one-line description. */
export function presetsCommand(log: (line: string) => void): void {
  const presets = listPresets();
  const width = Math.max(...presets.map((p) => p.name.length));
  for (const preset of presets) log(`${preset.name.padEnd(width)}  ${preset.description}`);
}
