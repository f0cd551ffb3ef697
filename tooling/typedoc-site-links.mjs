// TypeDoc plugin. The docs build adds pages beside TypeDoc's output (the browser page,
// docs/api/browser/, from docs/browser/build.mjs after TypeDoc). A Markdown link to them cannot
// be a relative path: TypeDoc checks that relative links name files when it converts, and copies
// the ones it finds into media/. A `site:` link, [text](site:browser/index.html), is left alone by
// TypeDoc and written here as a path from each rendered page to the output folder's root.
import { Renderer } from 'typedoc';

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.renderer.on(Renderer.EVENT_END_PAGE, (page) => {
    if (!page.contents) return;
    const up = '../'.repeat(page.url.split('/').length - 1);
    page.contents = page.contents.replace(
      /\b(href|src)="site:([^"]*)"/g,
      (_, attr, p) => `${attr}="${up}${p}"`,
    );
  });
}
