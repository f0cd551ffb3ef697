import { existsSync } from 'node:fs';

/**
 * Debian's chromium (`apt-get install chromium`; CI installs it), driven by playwright-core,
 * which never downloads a browser of its own. Undefined where it is not installed.
 */
export const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
