import * as path from 'node:path';
import { writeComparison, writeRunReport } from '@gankit/report';

/** A path as the user would type it: relative to the working folder when inside it. */
const shown = (file: string) => {
  const relative = path.relative(process.cwd(), file);
  return relative === '' || relative.startsWith('..') ? file : relative;
};

/**
 * `gankit report <runDir>`: (re)builds a run's self-contained `report.html`.
 * @returns the file written
 */
export async function reportCommand(
  runDir: string,
  flags: { out?: string },
  log: (line: string) => void,
): Promise<string> {
  const file = await writeRunReport(runDir, flags.out === undefined ? {} : { out: flags.out });
  log(`report: ${shown(file)}`);
  return file;
}

/**
 * `gankit compare <runs...>`: two or more runs side by side in one HTML page.
 * @returns the file written
 */
export async function compareCommand(
  runDirs: string[],
  flags: { out: string },
  log: (line: string) => void,
): Promise<string> {
  const file = await writeComparison(runDirs, flags.out);
  log(`comparison: ${shown(file)}`);
  return file;
}
