import { gankitTsupConfig } from '../../tooling/tsup.config.js';

export default gankitTsupConfig();
