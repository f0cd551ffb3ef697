import { gankitTsupConfig } from '../../tooling/tsup.config.js';

export default gankitTsupConfig({ entry: ['src/index.ts', 'src/bin.ts'] });
