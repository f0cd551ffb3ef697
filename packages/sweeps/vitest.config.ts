import { gankitVitestProject } from '../../tooling/vitest.shared.js';

export default gankitVitestProject('sweeps');
