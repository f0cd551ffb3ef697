import { createRequire } from 'node:module';
import { type BackendChoice, formatBackendReport, setupBackend } from '@gankit/backend';

const require = createRequire(import.meta.url);

function versionOf(pkg: string): string {
  try {
    return (require(`${pkg}/package.json`) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

/** `gankit info`: versions, and which backend `auto` (or the given one) picks and why. */
export async function infoCommand(
  options: { backend: BackendChoice; threads?: number },
  log: (line: string) => void,
): Promise<void> {
  log(`gankit ${versionOf('@gankit/cli')}`);
  log(`node ${process.version} (${process.platform} ${process.arch})`);
  for (const pkg of [
    '@tensorflow/tfjs-core',
    '@tensorflow/tfjs-layers',
    '@tensorflow/tfjs-backend-wasm',
    '@tensorflow/tfjs-node',
    '@tensorflow/tfjs-node-gpu',
    'onnxruntime-node',
  ]) {
    log(`${pkg} ${versionOf(pkg)}`);
  }
  const report = await setupBackend({
    backend: options.backend,
    ...(options.threads === undefined ? {} : { threads: options.threads }),
  });
  for (const line of formatBackendReport(report)) log(line);
}
