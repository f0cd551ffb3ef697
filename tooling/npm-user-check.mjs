#!/usr/bin/env node
// What an npm user does, outside the monorepo: pack every package (after `pnpm build`), check
// the tarballs' licences, install them with npm (not pnpm) into a scratch project by the
// README's own install line, run the README's library example, `npx gankit --version` and a
// short `npx gankit train`. Where onnxruntime-node ships native binaries (Linux x64, as the
// README says) the native kernels must be on in both. Usage: node tooling/npm-user-check.mjs
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkLicences } from './check-licences.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const NATIVE_LINE = /native kernels: onnxruntime-node/;
const nativeExpected = process.platform === 'linux' && process.arch === 'x64';
const keep = process.argv.includes('--keep');

function run(cmd, args, options = {}) {
  console.log(`$ ${[cmd, ...args].join(' ')}`);
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...options });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  if (r.status !== 0) {
    console.log(out.split('\n').slice(-40).join('\n'));
    throw new Error(`${cmd} ${args.join(' ')} exited ${r.status ?? r.signal}`);
  }
  return out;
}

function fail(message) {
  throw new Error(message);
}

/** The README's "Install from npm" section: its npm install line and its js example. */
function readmeInstallSection() {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const start = readme.indexOf('## Install from npm');
  if (start < 0) fail('README.md has no "## Install from npm" section');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 3));
  const sh = section.match(/```sh\n([\s\S]*?)```/)?.[1];
  const js = section.match(/```js\n([\s\S]*?)```/)?.[1];
  if (!sh || !js) fail('README.md "Install from npm" needs a ```sh install block and a ```js example');
  const install = sh
    .replace(/\\\n/g, ' ')
    .split('\n')
    .find((l) => /\bnpm i(nstall)? .*@gankit\//.test(l));
  if (!install) fail('README.md "Install from npm" has no `npm i @gankit/...` line');
  const specs = install
    .slice(install.search(/\bnpm i(nstall)? /))
    .split(/\s+/)
    .slice(2)
    .filter((s) => s && !s.startsWith('-'));
  return { specs, example: js };
}

const scratch = mkdtempSync(join(tmpdir(), 'gankit-npm-user-'));
try {
  // 1. pack, as a release would (pnpm rewrites workspace: ranges to versions)
  const tarballs = join(scratch, 'tarballs');
  mkdirSync(tarballs);
  const packages = readdirSync(join(root, 'packages')).filter((d) => {
    const file = join(root, 'packages', d, 'package.json');
    return existsSync(file) && !JSON.parse(readFileSync(file, 'utf8')).private;
  });
  for (const dir of packages) {
    run('pnpm', ['pack', '--pack-destination', tarballs], { cwd: join(root, 'packages', dir) });
  }
  const tgz = new Map(
    readdirSync(tarballs).map((f) => {
      const name = JSON.parse(
        spawnSync('tar', ['-xzOf', join(tarballs, f), 'package/package.json'], { encoding: 'utf8' }).stdout,
      ).name;
      return [name, join(tarballs, f)];
    }),
  );
  console.log(`packed ${tgz.size} packages`);

  // 2. licences as a scanner reads them
  const problems = checkLicences(tarballs);
  if (problems.length) fail(`licence check:\n  ${problems.join('\n  ')}`);

  // 3. the README's install line, with the tarballs for @gankit/*; the CLI beside it
  const project = join(scratch, 'project');
  mkdirSync(project);
  writeFileSync(
    join(project, 'package.json'),
    `${JSON.stringify({ name: 'gankit-user', version: '1.0.0', private: true, type: 'module' }, null, 2)}\n`,
  );
  const { specs, example } = readmeInstallSection();
  const resolved = specs.map((s) =>
    s.startsWith('@gankit/') ? (tgz.get(s) ?? fail(`README installs ${s}, which is not packed`)) : s,
  );
  const cli = tgz.get('@gankit/cli') ?? fail('@gankit/cli was not packed');
  // the CLI's own @gankit dependencies that the README line does not name (e.g. @gankit/sweeps)
  // would come from the registry once published; here they come from their tarballs
  const cliDeps = Object.keys(
    JSON.parse(readFileSync(join(root, 'packages/cli/package.json'), 'utf8')).dependencies ?? {},
  )
    .filter((d) => d.startsWith('@gankit/') && !specs.includes(d))
    .map((d) => tgz.get(d) ?? fail(`@gankit/cli depends on ${d}, which is not packed`));
  const env = {
    ...process.env,
    ONNXRUNTIME_NODE_INSTALL: 'skip',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
  };
  delete env.npm_config_user_agent; // npm, not the pnpm that may have started this script
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...resolved, ...cliDeps, cli], {
    cwd: project,
    env,
  });
  for (const name of ['onnxruntime-node', '@gankit/cli', '@gankit/families']) {
    if (!existsSync(join(project, 'node_modules', name, 'package.json'))) fail(`npm did not install ${name}`);
  }

  // 4. the README's library example
  writeFileSync(join(project, 'train.mjs'), example);
  const exampleOut = run('node', ['train.mjs'], { cwd: project, env });
  console.log(exampleOut.split('\n').slice(-6).join('\n'));
  if (!existsSync(join(project, 'zoo-grid.png'))) fail('the README example wrote no zoo-grid.png');
  if (!existsSync(join(project, 'runs/my-dcgan/generator/model.json')))
    fail('the README example saved no generator');
  if (nativeExpected && !NATIVE_LINE.test(exampleOut))
    fail('the README example trained without native kernels');

  // 5. the CLI as installed
  const bin = join(project, 'node_modules', '.bin', 'gankit');
  const version = run(bin, ['--version'], { cwd: project, env }).trim();
  const cliVersion = JSON.parse(readFileSync(join(root, 'packages/cli/package.json'), 'utf8')).version;
  if (version !== cliVersion) fail(`gankit --version printed '${version}', expected ${cliVersion}`);
  const trainOut = run(
    'npx',
    [
      'gankit',
      'train',
      '--preset',
      'dcgan-fashion',
      '--steps',
      '20',
      '--out',
      'runs/cli',
      '--set',
      'output.evalSamples=500',
    ],
    {
      cwd: project,
      env,
    },
  );
  console.log(trainOut.split('\n').slice(-4).join('\n'));
  if (!existsSync(join(project, 'runs/cli/samples/final.png')))
    fail('npx gankit train wrote no samples/final.png');
  if (nativeExpected && !NATIVE_LINE.test(trainOut)) fail('npx gankit train ran without native kernels');
  console.log(
    `npm-user check: passed (${tgz.size} tarballs, native kernels ${nativeExpected ? 'on' : 'not expected on this platform'})`,
  );
} catch (e) {
  console.error(`npm-user check: FAILED: ${e.message}`);
  process.exitCode = 1;
} finally {
  if (keep) console.log(`kept ${scratch}`);
  else rmSync(scratch, { recursive: true, force: true });
}
