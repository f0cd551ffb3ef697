// TypeDoc plugin. TypeDoc names a project document by its path from the documents' common
// folder: with the root README.md among them, docs/metrics.md would become "docs/metrics" (and
// its page documents/docs_metrics.html). This keeps the guides' names (and URLs) as their file
// names: "metrics", "cli", "README".
import { Converter } from 'typedoc';

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_CREATE_DOCUMENT, (_context, document) => {
    document.name = document.name.replace(/^docs\//, '');
  });
}
