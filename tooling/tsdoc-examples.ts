import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

/** One `@example` block from a TSDoc comment. */
export interface TsdocExample {
  /** `path: exportName`, for the test title. */
  name: string;
  /** The TypeScript between the code fences. */
  code: string;
}

/** The non-test `.ts` files under `dir`. */
export function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !/\.test(-d)?\.ts$/.test(path) ? [path] : [];
  });
}

/** Every `@example` code block in a file, named after the declaration that follows its comment. */
export function tsdocExamples(file: string, root: string): TsdocExample[] {
  const text = readFileSync(file, 'utf8');
  const found: TsdocExample[] = [];
  for (const comment of text.match(/\/\*\*[\s\S]*?\*\//g) ?? []) {
    const lines = comment.split('\n').map((l) => l.replace(/^\s*\*? ?/, ''));
    const start = lines.findIndex((l) => l.startsWith('@example'));
    if (start < 0) continue;
    const open = lines.findIndex((l, i) => i > start && l.startsWith('```'));
    const close = lines.findIndex((l, i) => i > open && l.startsWith('```'));
    const after = text
      .slice(text.indexOf(comment) + comment.length)
      .match(/(?:function|class|const)\s+(\w+)/);
    found.push({
      name: `${relative(root, file)}: ${after?.[1] ?? '?'}`,
      code: lines.slice(open + 1, close).join('\n'),
    });
  }
  return found;
}

/**
 * Compiles an example to CommonJS and returns it as `(require) => result`, where `require`
 * serves only the given modules (an import of anything else fails the example).
 */
export function compileExample(code: string, modules: Record<string, unknown>, isAsync = false) {
  const js = ts.transpileModule(code, {
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: true,
    },
  }).outputText;
  const require = (id: string) => {
    if (!(id in modules)) throw new Error(`example imports ${id}`);
    return modules[id];
  };
  const Fn = (isAsync ? Object.getPrototypeOf(async () => {}).constructor : Function) as new (
    ...args: string[]
  ) => (...args: unknown[]) => unknown;
  const body = new Fn('require', 'exports', 'module', js);
  return () => body(require, {}, { exports: {} });
}

/**
 * The runnable examples of a README: every code block fenced as ```ts (blocks fenced
 * otherwise, such as ```sh or ```text, are not run).
 */
export function readmeExamples(file: string, root: string): TsdocExample[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return [...text.matchAll(/^```ts\n([\s\S]*?)^```/gm)].map((m, i) => ({
    name: `${relative(root, file)}: example ${i + 1}`,
    code: m[1]!,
  }));
}
