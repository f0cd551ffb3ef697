import { gankitTsupConfig } from '../../tooling/tsup.config.js';

// `browser` is the browser-safe entry: the strategies and the loop's step, no Node built-ins
export default gankitTsupConfig({ entry: { index: 'src/index.ts', browser: 'src/browser.ts' } });
