// Fails when the generated docs site (docs/api, from `pnpm run docs`) shows math that Markdown
// ate: TSDoc is Markdown, so `dense(7*7*128)` renders as dense(7<em>7</em>128) and
// `[b, s*h, s*w, c]` as [b, s<em>h, s</em>w, c] unless the formula is in a code span.
// gankit's own docs never use emphasis, so every <em> is a failure, except in members whose
// docs TypeDoc copies from a third-party declaration (class tsd-is-external: tfjs-layers'
// Layer.dispose, Node's Error.stackTraceLimit), text gankit cannot change. A <strong> glued to
// letters or digits (x**y**z) fails too; bold prose in the guides is fine.
// Every local href and src must lead to a file of the site.
// Usage: node tooling/check-docs-site.mjs [DIR]   (default docs/api)
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The page's text around the tag at `index` (tags other than it stripped), on one line. */
function snippet(html, index, length) {
  const plain = (s) =>
    s
      .replace(/^[^<]*>|<[^>]*$/g, '') // a tag cut by the window
      .replace(/<[^>]*>/g, '')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&amp;/g, '&')
      .replace(/\s+/g, ' ');
  const before = plain(html.slice(Math.max(0, index - 400), index)).slice(-60);
  const after = plain(html.slice(index + length, index + length + 400)).slice(0, 60);
  return `${before}${html.slice(index, index + length).replace(/\s+/g, ' ')}${after}`.trim();
}

/**
 * The places in one HTML page where Markdown turned math into emphasis.
 * @param {string} html - a generated page
 * @returns {{ snippet: string, exempt: boolean }[]} every <em>, and every <strong> glued to a
 *   word character; `exempt` for an <em> inside a member documented by a third-party declaration
 */
export function eatenMath(html) {
  const found = [];
  const sections = []; // open <section>s: whether each is a third-party member
  for (const m of html.matchAll(
    /<section\b[^>]*>|<\/section>|<em>[\s\S]*?<\/em>|<strong>[\s\S]*?<\/strong>/g,
  )) {
    const tag = m[0];
    if (tag.startsWith('<section')) {
      sections.push(/\btsd-is-external\b/.test(tag));
    } else if (tag === '</section>') {
      sections.pop();
    } else if (tag.startsWith('<em>')) {
      found.push({ snippet: snippet(html, m.index, tag.length), exempt: sections.includes(true) });
    } else {
      const glued = /\w$/.test(html.slice(0, m.index)) || /^\w/.test(html.slice(m.index + tag.length));
      if (glued) found.push({ snippet: snippet(html, m.index, tag.length), exempt: false });
    }
  }
  return found;
}

/**
 * The links of one page that lead nowhere: every local `href` and `src` must name a file of the
 * site (fragments and queries aside); links off the site are not followed.
 * @param {string} file - the page
 * @param {string} html - its text
 * @returns {string[]} the broken targets
 */
export function brokenLinks(file, html) {
  const broken = [];
  for (const m of html.matchAll(/\s(?:href|src)="([^"]*)"/g)) {
    const target = m[1].replace(/&amp;/g, '&');
    if (target === '' || /^(#|[a-z][a-z0-9+.-]*:)/i.test(target)) continue;
    const local = decodeURIComponent(target.replace(/[?#].*$/, ''));
    if (local === '') continue;
    if (!existsSync(join(dirname(file), local))) broken.push(target);
  }
  return broken;
}

/** The .html files under `dir`, sorted. */
function pages(dir) {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory() ? pages(join(dir, e.name)) : e.name.endsWith('.html') ? [join(dir, e.name)] : [],
    )
    .sort();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const dir = process.argv[2] ?? join(root, 'docs/api');
  if (!existsSync(join(dir, 'index.html'))) {
    console.error(
      `check-docs-site: no site in ${relative(process.cwd(), dir) || '.'}; run pnpm run docs first`,
    );
    process.exit(1);
  }
  const files = pages(dir);
  let exempt = 0;
  const failures = [];
  for (const file of files) {
    for (const hit of eatenMath(readFileSync(file, 'utf8'))) {
      if (hit.exempt) exempt++;
      else failures.push(`${relative(root, file)}: ${hit.snippet}`);
    }
  }
  const broken = files.flatMap((file) =>
    brokenLinks(file, readFileSync(file, 'utf8')).map((t) => `${relative(root, file)}: ${t}`),
  );
  if (broken.length) {
    console.error(broken.slice(0, 50).join('\n'));
    console.error(`check-docs-site: ${broken.length} link(s) to files the site does not have`);
    process.exit(1);
  }
  if (failures.length) {
    console.error(failures.join('\n'));
    console.error(
      `check-docs-site: ${failures.length} place(s) where Markdown ate math: put each formula in a code span (backticks)`,
    );
    process.exit(1);
  }
  console.log(
    `check-docs-site: OK, ${files.length} pages, every local link resolves, no eaten math (${exempt} <em> in third-party docs allowed)`,
  );
}
