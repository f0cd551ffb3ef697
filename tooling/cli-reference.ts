// Writes docs/cli.md, the reference of the `gankit` command, from the commander program itself
// (built, never run): every command with its description, usage, arguments, options and
// examples. `pnpm run docs` runs it before TypeDoc; tooling/test/docs-site.test.ts fails when
// the committed page differs from what this generates.
// Usage: node --conditions=@gankit/source --import tsx tooling/cli-reference.ts
import { writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createProgram } from '../packages/cli/src/index.js';

type Command = ReturnType<typeof createProgram>;
type Option = Command['options'][number];
type Argument = Command['registeredArguments'][number];

/** Where the generated page lives. */
export const CLI_REFERENCE_PATH = fileURLToPath(new URL('../docs/cli.md', import.meta.url));

/** Escapes text for Markdown prose and table cells: nothing in a description is markup. */
function text(s: string): string {
  return s.replace(/[\\`*_[\]<>|~&#]/g, (c) => `\\${c}`);
}

/** A code span, for flags and values (a `|` still needs escaping inside a table). */
function code(s: string): string {
  const fence = s.includes('`') ? '``' : '`';
  return `${fence}${s.replace(/\|/g, '\\|')}${fence}`;
}

/** `gankit train`, `gankit eval`: the command's name behind its ancestors'. */
function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** Text the command adds around its help with `addHelpText` (examples), as `--help` prints it. */
function helpText(cmd: Command, event: 'beforeHelp' | 'afterHelp'): string {
  const parts: string[] = [];
  cmd.emit(event, { error: false, command: cmd, write: (s: string) => parts.push(s) });
  return parts.join('');
}

/**
 * Help text as Markdown: `$ command` lines become a shell block, any other line a paragraph
 * (a heading line such as `Examples:` included).
 */
function renderHelpText(help: string): string[] {
  const out: string[] = [];
  let shell: string[] = [];
  const flush = () => {
    if (shell.length) out.push('```sh', ...shell, '```', '');
    shell = [];
  };
  for (const line of help.split('\n')) {
    const example = /^\s*\$ (.*)$/.exec(line);
    if (example) {
      shell.push(example[1]!.trimEnd());
    } else if (line.trim() !== '') {
      flush();
      out.push(text(line.trim()), '');
    }
  }
  flush();
  return out;
}

/** The default column: `required` for a mandatory option, else its default value if it has one. */
function defaultOf(option: Option): string {
  if (option.mandatory) return 'required';
  if (option.defaultValueDescription !== undefined) return code(option.defaultValueDescription);
  if (option.defaultValue === undefined) return '';
  const value = option.defaultValue as unknown;
  return code(typeof value === 'string' ? value : JSON.stringify(value));
}

function optionRow(option: Option): string {
  const notes = [
    option.argChoices ? `one of ${option.argChoices.map(code).join(', ')}` : '',
    option.envVar ? `or the environment variable ${code(option.envVar)}` : '',
  ].filter(Boolean);
  const description = [text(option.description), ...notes].join('; ');
  return `| ${code(option.flags)} | ${description} | ${defaultOf(option)} |`;
}

/** Commander's notation: `<name>` required, `[name]` optional, `...` any number. */
function argumentRow(argument: Argument): string {
  const name = `${argument.name()}${argument.variadic ? '...' : ''}`;
  const value = argument.defaultValue as unknown;
  const fallback = value === undefined ? '' : ` (default ${code(JSON.stringify(value))})`;
  return `| ${code(argument.required ? `<${name}>` : `[${name}]`)} | ${text(argument.description)}${fallback} |`;
}

function renderCommand(cmd: Command, level: number): string[] {
  const help = cmd.createHelp();
  const out = [`${'#'.repeat(level)} ${commandPath(cmd)}`, ''];
  if (cmd.description()) out.push(text(cmd.description()), '');
  out.push(...renderHelpText(helpText(cmd, 'beforeHelp')));
  out.push('```sh', `${commandPath(cmd)} ${cmd.usage()}`.trimEnd(), '```', '');
  const args = help.visibleArguments(cmd);
  if (args.length) {
    out.push('| argument | description |', '| --- | --- |', ...args.map(argumentRow), '');
  }
  const options = help.visibleOptions(cmd);
  if (options.length) {
    out.push('| option | description | default |', '| --- | --- | --- |', ...options.map(optionRow), '');
  }
  out.push(...renderHelpText(helpText(cmd, 'afterHelp')));
  for (const sub of cmd.commands) out.push(...renderCommand(sub, level + 1));
  return out;
}

/**
 * The reference page of the `gankit` command line, generated from {@link createProgram}'s
 * program without running it.
 * @returns docs/cli.md's content
 */
export function cliReference(): string {
  const program = createProgram(() => {});
  const help = program.createHelp();
  const commands = help.visibleCommands(program);
  const lines = [
    '<!-- Generated by tooling/cli-reference.ts from packages/cli/src/program.ts: do not edit. -->',
    '',
    `# ${program.name()} command line`,
    '',
    `${text(program.description())}. Installed from npm the command is ${code(program.name())};`,
    `in this repository, ${code(`pnpm ${program.name()} ...`)} runs it from source.`,
    `${code(`${program.name()} COMMAND --help`)} prints the same reference for one command.`,
    '',
    '```sh',
    `${program.name()} ${program.usage()}`,
    '```',
    '',
    '| command | description |',
    '| --- | --- |',
    ...commands.map((c) => `| ${code(help.subcommandTerm(c))} | ${text(c.description())} |`),
    '',
    '| option | description | default |',
    '| --- | --- | --- |',
    ...help.visibleOptions(program).map(optionRow),
    '',
    ...renderHelpText(helpText(program, 'afterHelp')),
    ...program.commands.flatMap((c) => renderCommand(c, 2)),
  ];
  while (lines.at(-1) === '') lines.pop();
  return `${lines.join('\n')}\n`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const page = cliReference();
  writeFileSync(CLI_REFERENCE_PATH, page);
  console.log(`wrote docs/cli.md (${page.split('\n').length - 1} lines)`);
}
