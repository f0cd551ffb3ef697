import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createProgram } from '../../packages/cli/src/index.js';
import { brokenLinks, eatenMath } from '../check-docs-site.mjs';
import { CLI_REFERENCE_PATH, cliReference } from '../cli-reference.js';

// The docs site (`pnpm run docs`): the generated CLI reference stays in step with the program,
// and the checker of the built site (tooling/check-docs-site.mjs) tells eaten math from prose.
describe('docs/cli.md', () => {
  it('is what tooling/cli-reference.ts generates from the program now', () => {
    expect(
      readFileSync(CLI_REFERENCE_PATH, 'utf8'),
      'docs/cli.md is stale: node --conditions=@gankit/source --import tsx tooling/cli-reference.ts',
    ).toBe(cliReference());
  });

  it('has a section for every command, with every option and argument', () => {
    const page = cliReference();
    for (const cmd of createProgram(() => {}).commands) {
      // the section, Markdown escapes undone
      const section = page
        .split(`\n## gankit ${cmd.name()}\n`)[1]
        ?.split('\n## ')[0]
        ?.replace(/\\(.)/g, '$1');
      expect(section, cmd.name()).toBeDefined();
      expect(section).toContain(cmd.description());
      for (const option of cmd.options) expect(section).toContain(`| \`${option.flags}\` |`);
      for (const arg of cmd.registeredArguments) expect(section).toContain(`${arg.name()}`);
    }
  });
});

describe('check-docs-site', () => {
  it('flags emphasis made from the stars and underscores of formulas', () => {
    const hits = eatenMath(
      '<p>dense(7<em>7</em>128) - BN</p><p>[b, s<em>h, s</em>w, c]</p>' +
        '<p>E_z f_l(G(z))<em>k) paired: L = mean</em>{b,k}</p><p>a<strong>b</strong>c</p>',
    );
    expect(hits.map((h) => h.exempt)).toEqual([false, false, false, false]);
    expect(hits[0]?.snippet).toContain('dense(7<em>7</em>128)');
  });

  it('passes code spans, bold prose, and emphasis in docs copied from third-party declarations', () => {
    const page =
      '<p><code>dense(7*7*128)</code></p><td><strong>27.22 / 0.7792</strong></td>' +
      '<p><strong>Taps.</strong> text</p>' +
      '<section class="tsd-panel tsd-member tsd-is-inherited tsd-is-external"><div><p>' +
      'weights will <em>not</em> be disposed</p></div></section>';
    expect(eatenMath(page)).toEqual([expect.objectContaining({ exempt: true })]);
    expect(eatenMath(`<section class="tsd-panel"></section>${page.replace('tsd-is-external', '')}`)).toEqual([
      expect.objectContaining({ exempt: false }),
    ]);
  });
});

describe('typedoc.json', () => {
  it('puts the root README and the guides, docs/cli.md among them, in the site', () => {
    const config = JSON.parse(readFileSync(new URL('../../typedoc.json', import.meta.url), 'utf8')) as {
      projectDocuments: string[];
    };
    expect(config.projectDocuments).toEqual(expect.arrayContaining(['README.md', 'docs/*.md']));
  });
});

describe('the link check of the built site', () => {
  it('finds local links to missing files and leaves fragments and other sites alone', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gankit-links-'));
    try {
      mkdirSync(join(dir, 'documents'));
      writeFileSync(join(dir, 'documents', 'gan.html'), '');
      writeFileSync(join(dir, 'media.png'), '');
      const page = join(dir, 'index.html');
      const html = [
        '<a href="documents/gan.html#the-math">ok</a>',
        '<img src="./media.png">',
        '<a href="#start">fragment</a>',
        '<a href="https://example.org/x">off the site</a>',
        '<img src="data:image/png;base64,AAAA">',
        '<a href="documents/dcgan.html">missing</a>',
        '<img src="../outside.png">',
      ].join('\n');
      expect(brokenLinks(page, html)).toEqual(['documents/dcgan.html', '../outside.png']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
