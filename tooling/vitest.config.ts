import { gankitVitestProject } from './vitest.shared.js';

// Checks of the monorepo as a whole: the package graph and what each package pulls in.
export default gankitVitestProject('repo');
