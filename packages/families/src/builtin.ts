import { cganFamily } from './cgan/index.js';
import { cycleganFamily } from './cyclegan/index.js';
import { dcganFamily } from './dcgan/index.js';
import type { FamilyDefinition } from './family.js';
import { ganFamily } from './gan/index.js';
import { lapganFamily } from './lapgan/index.js';
import { lsrganFamily } from './lsrgan/index.js';
import { pix2pixFamily } from './pix2pix/index.js';
import { defineFamily } from './registry.js';
import { srganFamily } from './srgan/index.js';
import { srresnetFamily } from './srresnet/index.js';
import { textToImageFamily } from './text-to-image/index.js';
import { voiceConversionFamily } from './voice-conversion/index.js';

/** The families gankit ships, registered in this order when the package is imported. @category Families */
export const BUILTIN_FAMILIES = [
  dcganFamily,
  cganFamily,
  ganFamily,
  lapganFamily,
  srresnetFamily,
  srganFamily,
  lsrganFamily,
  pix2pixFamily,
  textToImageFamily,
  cycleganFamily,
  voiceConversionFamily,
] as const;

// each family's config type narrows RunConfig; the registry holds them as the common shape
for (const family of BUILTIN_FAMILIES) defineFamily(family as unknown as FamilyDefinition);
