import { gankitTsupConfig } from '../../tooling/tsup.config.js';

// `kernels` is the browser-safe entry: the pure-JS training kernels, no Node built-ins
export default gankitTsupConfig({ entry: { index: 'src/index.ts', kernels: 'src/kernels/index.ts' } });
