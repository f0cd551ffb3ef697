/**
 * The bad-input corpus: cases generated from a fixed list of templates (IDX files, images,
 * model.json and weights, checkpoints and run folders, configs, CLI flags, sizes), each run
 * through the built CLI under a time limit and a memory cap. A bad input must end in a clear
 * error: exit 1 or 2, a first line that says `gankit:` or `error:`, no stack trace, and the
 * name of the file or flag at fault. Valid controls (inputs that look odd but are fine) must
 * succeed, so that refusing everything cannot pass.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { formatConfig, presetConfig } from '@gankit/families';
import { ROOT, runCli } from './process.js';

export interface BadInputCase {
  id: string;
  category: string;
  args: string[];
  /** Text the error must contain (the file or flag at fault); empty for controls. */
  mention: string;
  /** A valid control: must exit 0. */
  control?: boolean;
  /** Prepares the files the case uses. */
  setup?: () => Promise<unknown>;
}

export type Outcome =
  | 'clear'
  | 'unclear'
  | 'crash'
  | 'hang'
  | 'memory'
  | 'silent'
  | 'control-ok'
  | 'control-failed';

export interface CaseResult {
  id: string;
  category: string;
  outcome: Outcome;
  ms: number;
  peakRssMb: number;
  detail: string;
}

const CPU = ['--backend', 'cpu'];

/** The small runs the cases damage copies of, trained once. */
async function makeFixtures(dir: string): Promise<void> {
  const runs: [string, string[]][] = [
    [
      'ring',
      ['--preset', 'gan-ring8', '--steps', '4', '--batch-size', '32', '--set', 'output.checkpointEvery=2'],
    ],
    [
      'dcgan',
      [
        '--preset',
        'dcgan-fashion',
        '--steps',
        '2',
        '--batch-size',
        '8',
        '--set',
        'model.generatorWidth=4',
        '--set',
        'model.discriminatorWidth=4',
        '--set',
        'output.evalSamples=0',
        '--set',
        'output.checkpointEvery=1',
      ],
    ],
    [
      'sr',
      [
        '--preset',
        'srresnet-x4',
        '--steps',
        '2',
        '--batch-size',
        '2',
        '--set',
        'model.filters=4',
        '--set',
        'model.residualBlocks=1',
        '--set',
        'output.checkpointEvery=1',
      ],
    ],
    [
      'voice',
      [
        '--preset',
        'cyclegan-voice',
        '--steps',
        '2',
        '--batch-size',
        '2',
        ...[
          'data.sentences=2',
          'data.parallelSentences=1',
          'audio.sampleRate=8000',
          'audio.fMax=4000',
          'audio.fftSize=128',
          'audio.hopSize=32',
          'audio.melBins=16',
          'audio.griffinLimIterations=2',
          'model.segmentFrames=16',
          'model.generatorFilters=4',
          'model.residualBlocks=1',
          'model.discriminatorFilters=4',
          'model.discriminatorLayers=2',
          'speakerClassifierSteps=2',
          'output.checkpointEvery=1',
        ].flatMap((a) => ['--set', a]),
      ],
    ],
  ];
  await Promise.all(
    runs.map(async ([name, args]) => {
      const r = await runCli(['train', ...args, ...CPU, '--out', path.join(dir, name)], {
        timeoutMs: 300_000,
      });
      if (r.code !== 0) throw new Error(`reliability: fixture run ${name} failed:\n${r.stderr}`);
    }),
  );
  const sharp = (await import('sharp')).default;
  await sharp({ create: { width: 24, height: 16, channels: 3, background: { r: 200, g: 90, b: 30 } } })
    .png()
    .toFile(path.join(dir, 'photo.png'));
  await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 90, g: 90, b: 90 } } })
    .toColourspace('b-w')
    .jpeg()
    .toFile(path.join(dir, 'gray.jpg'));
}

function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** A PNG that declares width x height RGB pixels but holds one compressed row: a decompression bomb. */
function pngBomb(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width >>> 0, 0);
  ihdr.writeUInt32BE(height >>> 0, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', zlib.deflateSync(Buffer.alloc(1 + 3 * Math.min(width, 100000)))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** An IDX header: magic (0, 0, dtype, rank) then the dimensions, big-endian. */
function idxHeader(dtype: number, dims: number[]): Buffer {
  const b = Buffer.alloc(4 + 4 * dims.length);
  b.set([0, 0, dtype, dims.length], 0);
  for (const [i, d] of dims.entries()) b.writeUInt32BE(d >>> 0, 4 + 4 * i);
  return b;
}

async function copy(from: string, to: string): Promise<void> {
  await fs.rm(to, { recursive: true, force: true });
  await fs.cp(from, to, { recursive: true });
}

async function patchJson(file: string, patch: (json: Record<string, unknown>) => unknown): Promise<void> {
  const json = JSON.parse(await fs.readFile(file, 'utf8'));
  await fs.writeFile(file, JSON.stringify(patch(json) ?? json));
}

/** Every case of the corpus, in a fixed order. */
export function corpus(fixtures: string, work: string): BadInputCase[] {
  const cases: BadInputCase[] = [];
  const add = (c: BadInputCase): void => {
    cases.push(c);
  };
  const f = (name: string) => path.join(fixtures, name);
  const w = (name: string) => path.join(work, name);
  const ring = ['train', '--preset', 'gan-ring8', '--steps', '2', ...CPU];
  const tinyDcgan = [
    'train',
    '--preset',
    'dcgan-fashion',
    '--steps',
    '1',
    '--batch-size',
    '4',
    '--set',
    'model.generatorWidth=4',
    '--set',
    'model.discriminatorWidth=4',
    '--set',
    'output.evalSamples=0',
    ...CPU,
  ];

  // ---- CLI flags
  const numeric: [string, string[]][] = [
    ['--steps', ['-1', '0', '1.5', 'abc', '', '1e400', '3steps', '0x10']],
    ['--batch-size', ['-1', '0', '2.5', 'abc', '', '1e400']],
    ['--seed', ['-1', '1.5', 'abc', '', '1e400']],
    ['--threads', ['0', '-2', 'abc', '1.5', '']],
  ];
  for (const [flag, values] of numeric) {
    for (const v of values) {
      add({
        id: `flag ${flag}=${JSON.stringify(v)}`,
        category: 'flags',
        args: [...ring, flag, v],
        mention: flag,
      });
    }
  }
  for (const v of ['gpu', 'foo', '', 'CPU']) {
    add({
      id: `flag --backend=${JSON.stringify(v)}`,
      category: 'flags',
      args: ['train', '--preset', 'gan-ring8', '--backend', v],
      mention: '--backend',
    });
  }
  for (const v of ['nope', '', 'dcgan', '../../etc/passwd']) {
    add({
      id: `flag --preset=${JSON.stringify(v)}`,
      category: 'flags',
      args: ['train', '--preset', v, ...CPU],
      mention: '--preset',
    });
  }
  add({ id: 'train without --preset', category: 'flags', args: ['train', ...CPU], mention: '--preset' });
  add({ id: 'unknown command', category: 'flags', args: ['frobnicate'], mention: 'frobnicate' });
  add({ id: 'unknown option', category: 'flags', args: [...ring, '--frob'], mention: '--frob' });
  add({
    id: '--steps without a value',
    category: 'flags',
    args: ['train', '--preset', 'gan-ring8', '--steps'],
    mention: '--steps',
  });
  add({ id: 'stray argument', category: 'flags', args: [...ring, 'extra'], mention: 'extra' });
  const sets: [string, string][] = [
    ['noequals', 'noequals'],
    ['=1', '=1'],
    ['data.dri=x', 'data.dri'],
    ['model.hiddenUnits=-1', 'model.hiddenUnits'],
    ['training.steps=abc', 'training.steps'],
    ['emaDecay=2', 'emaDecay'],
    ['emaDecay=-0.1', 'emaDecay'],
    ['loss=foo', 'loss'],
    ['output.sampleEvery=0', 'output.sampleEvery'],
    ['training.batchSize=0', 'training.batchSize'],
    ['optimizer.learningRate=-1', 'optimizer.learningRate'],
    ['optimizer.beta1=1', 'optimizer.beta1'],
    ['__proto__.polluted=1', '__proto__'],
    ['constructor.prototype.polluted=1', 'constructor'],
    ['family=dcgan', 'family'],
    ['model=5', 'model'],
    ['backend=foo', 'backend'],
    ['training.seed=-1', 'training.seed'],
    ['training.decayStart=-5', 'training.decayStart'],
    ['output.evalEvery=0', 'output.evalEvery'],
    ['regularizer.kind=foo', 'regularizer'],
    ['training.onNonFinite=ignore', 'training.onNonFinite'],
    ['training=null', 'training'],
    ['discriminatorSteps=0', 'discriminatorSteps'],
  ];
  for (const [assignment, mention] of sets) {
    add({ id: `--set ${assignment}`, category: 'configs', args: [...ring, '--set', assignment], mention });
  }
  add({
    id: '--set data.dir on a dataset folder that is missing',
    category: 'configs',
    args: [...tinyDcgan, '--set', `data.dir=${w('missing-data')}`],
    mention: 'missing-data',
  });
  add({
    id: '--data on generated data',
    category: 'flags',
    args: [...ring, '--data', w('x')],
    mention: '--data',
  });

  // ---- run folders given to train
  add({
    id: '--out under /proc',
    category: 'run folders',
    args: [...ring, '--out', '/proc/gankit/x'],
    mention: '/proc/gankit/x',
  });
  add({
    id: '--out is a file',
    category: 'run folders',
    args: [...ring, '--out', w('out-file')],
    mention: 'out-file',
    setup: () => fs.writeFile(w('out-file'), 'x'),
  });
  add({
    id: '--out is a folder of other files',
    category: 'run folders',
    args: [...ring, '--out', w('out-busy')],
    mention: 'out-busy',
    setup: async () => {
      await fs.mkdir(w('out-busy'), { recursive: true });
      await fs.writeFile(w('out-busy/thesis.tex'), 'x');
    },
  });
  add({
    id: '--out is an existing run',
    category: 'run folders',
    args: [...ring, '--out', w('out-run')],
    mention: 'out-run',
    setup: () => copy(f('ring'), w('out-run')),
  });
  add({
    id: '--out is a run folder in use',
    category: 'run folders',
    args: [...ring, '--out', w('out-locked')],
    mention: 'out-locked',
    setup: async () => {
      await fs.mkdir(w('out-locked'), { recursive: true });
      await fs.writeFile(
        w('out-locked/.gankit.lock'),
        JSON.stringify({ pid: 1, host: os.hostname(), since: 'now' }),
      );
    },
  });

  // ---- config files (train --config)
  const ringYaml = formatConfig(presetConfig('gan-ring8'));
  const configFiles: [string, string, string | Buffer][] = [
    [
      'alias bomb',
      'bomb.yaml',
      ['a: &a [x, x, x, x, x, x, x, x, x]']
        .concat(
          ['b', 'c', 'd', 'e', 'f', 'g'].map(
            (k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdef'[i]}`).join(', ')}]`,
          ),
        )
        .join('\n'),
    ],
    ['custom tag', 'tag.yaml', `${ringYaml}extra: !!js/function "function () { return 1 }"\n`],
    ['__proto__ key', 'proto.yaml', ringYaml.replace('model:\n', 'model:\n  __proto__:\n    polluted: 1\n')],
    ['duplicate key', 'dup.yaml', `${ringYaml}family: dcgan\n`],
    ['a list', 'list.yaml', '- family: gan\n'],
    ['empty', 'empty.yaml', ''],
    ['broken YAML', 'broken.yaml', 'family: [gan\n'],
    ['broken JSON', 'broken.json', '{"family": "gan",'],
    ['binary bytes', 'binary.yaml', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0xff, 0xfe, 0x0a, 0x1a])],
    ['unknown family', 'family.yaml', ringYaml.replace('family: gan', 'family: gann')],
    ['no family', 'nofamily.json', '{"preset": "gan-ring8"}'],
    [
      'three mistakes',
      'three.yaml',
      ringYaml
        .replace('loss: non-saturating', 'loss: hindge')
        .replace(/learningRate: .*/, 'learningRate: -1')
        .replace(/ {2}steps: .*/, '  steps: 10\n  stpes: 3'),
    ],
    ['another extension', 'run.toml', 'family = "gan"\n'],
    ['over 1 MiB', 'huge.yaml', `${ringYaml}# ${'x'.repeat(1.5 * 2 ** 20)}\n`],
  ];
  for (const [what, name, contents] of configFiles) {
    add({
      id: `config file: ${what}`,
      category: 'config files',
      args: [
        'train',
        '--config',
        w(`configs/${name}`),
        '--steps',
        '2',
        ...CPU,
        '--out',
        w(`config-run-${name}`),
      ],
      mention: name,
      setup: async () => {
        await fs.mkdir(w('configs'), { recursive: true });
        await fs.writeFile(w(`configs/${name}`), contents);
      },
    });
  }
  add({
    id: 'config file: missing',
    category: 'config files',
    args: ['train', '--config', w('configs/none.yaml'), ...CPU],
    mention: 'none.yaml',
  });
  add({
    id: 'config file: a folder',
    category: 'config files',
    args: ['train', '--config', w('configs-dir.yaml'), ...CPU],
    mention: 'configs-dir.yaml',
    setup: () => fs.mkdir(w('configs-dir.yaml'), { recursive: true }),
  });
  add({
    id: 'config file: both --preset and --config',
    category: 'config files',
    args: ['train', '--preset', 'gan-ring8', '--config', w('configs/ring.yaml'), ...CPU],
    mention: '--config',
  });
  add({
    id: 'config file: written by gankit config, with comments and a $schema line (control)',
    category: 'config files',
    args: ['train', '--config', w('configs/ring.yaml'), '--steps', '2', ...CPU, '--out', w('config-run-ok')],
    mention: '',
    control: true,
    setup: async () => {
      await fs.mkdir(w('configs'), { recursive: true });
      await fs.writeFile(
        w('configs/ring.yaml'),
        `# yaml-language-server: $schema=../schemas/gan.schema.json\n# my recipe\n${ringYaml}`,
      );
    },
  });

  // ---- IDX files (Fashion-MNIST folders)
  const bundled = path.join(ROOT, 'packages/data/data/fashion-mnist-subset');
  // each case replaces one file of a copy of the bundled set with these bytes, or damages the copy
  const idxFile = (which: string) => `${which}-${which === 'train-images' ? 'idx3' : 'idx1'}-ubyte.gz`;
  const gz = (...parts: Buffer[]) => zlib.gzipSync(Buffer.concat(parts));
  const idx: [string, 'train-images' | 'train-labels', Buffer | ((dir: string) => Promise<unknown>)][] = [
    ['empty images file', 'train-images', gz()],
    ['3-byte images file', 'train-images', gz(Buffer.from([0, 0, 8]))],
    ['wrong rank in magic', 'train-images', gz(idxHeader(8, [2000]), Buffer.alloc(2000))],
    ['float dtype', 'train-images', gz(idxHeader(0x0d, [10, 28, 28]), Buffer.alloc(10 * 784 * 4))],
    ['unknown dtype code', 'train-images', gz(idxHeader(0x42, [10, 28, 28]), Buffer.alloc(7840))],
    ['zero images', 'train-images', gz(idxHeader(8, [0, 28, 28]))],
    ['truncated pixel data', 'train-images', gz(idxHeader(8, [2000, 28, 28]), Buffer.alloc(784 * 100))],
    ['trailing bytes', 'train-images', gz(idxHeader(8, [10, 28, 28]), Buffer.alloc(7840 + 13))],
    ['gzip that declares 4 GB', 'train-images', gz(idxHeader(8, [5000000, 28, 28]), Buffer.alloc(1 << 20))],
    ['dimensions that overflow', 'train-images', gz(idxHeader(8, [0xffffffff, 0xffffffff, 28]))],
    ['not gzip despite .gz', 'train-images', Buffer.from('this is not gzip')],
    ['gzip of garbage', 'train-images', gz(Buffer.from('garbage garbage garbage'))],
    [
      'truncated gzip stream',
      'train-images',
      async (d) => {
        const whole = await fs.readFile(path.join(bundled, idxFile('train-images')));
        await fs.writeFile(path.join(d, idxFile('train-images')), whole.subarray(0, 5000));
      },
    ],
    [
      '32x32 images for a 28x28 model',
      'train-images',
      gz(idxHeader(8, [100, 32, 32]), Buffer.alloc(100 * 1024)),
    ],
    ['rank-4 images', 'train-images', gz(idxHeader(8, [10, 28, 28, 3]), Buffer.alloc(10 * 784 * 3))],
    ['labels count differs', 'train-labels', gz(idxHeader(8, [1999]), Buffer.alloc(1999))],
    ['label 11', 'train-labels', gz(idxHeader(8, [2000]), Buffer.alloc(2000, 11))],
    ['labels missing', 'train-labels', (d) => fs.rm(path.join(d, idxFile('train-labels')))],
    ['images missing', 'train-images', (d) => fs.rm(path.join(d, idxFile('train-images')))],
    [
      'labels are a folder',
      'train-labels',
      async (d) => {
        await fs.rm(path.join(d, idxFile('train-labels')));
        await fs.mkdir(path.join(d, idxFile('train-labels')));
      },
    ],
  ];
  idx.forEach(([label, mention, damage], i) => {
    const dir = w(`idx-${i}`);
    add({
      id: `IDX: ${label}`,
      category: 'IDX',
      args: [...tinyDcgan, '--data', dir],
      mention,
      setup: async () => {
        await copy(bundled, dir);
        if (Buffer.isBuffer(damage)) await fs.writeFile(path.join(dir, idxFile(mention)), damage);
        else await damage(dir);
      },
    });
  });
  add({
    id: 'IDX: --data is missing',
    category: 'IDX',
    args: [...tinyDcgan, '--data', w('no-such-data')],
    mention: 'no-such-data',
  });
  add({
    id: 'IDX: --data is an empty folder',
    category: 'IDX',
    args: [...tinyDcgan, '--data', w('empty-data')],
    mention: 'empty-data',
    setup: () => fs.mkdir(w('empty-data'), { recursive: true }),
  });
  add({
    id: 'IDX: --data is a file',
    category: 'IDX',
    args: [...tinyDcgan, '--data', w('data-file')],
    mention: 'data-file',
    setup: () => fs.writeFile(w('data-file'), 'x'),
  });
  add({
    id: 'control: bundled IDX data',
    category: 'IDX',
    args: [...tinyDcgan, '--data', 'bundled', '--out', w('ctl-bundled')],
    mention: '',
    control: true,
  });

  // ---- images given to upscale
  const upscale = (image: string, ...more: string[]) => ['upscale', image, '--run', f('sr'), ...CPU, ...more];
  const images: [string, (file: string) => Promise<void>][] = [
    ['empty file', (p) => fs.writeFile(p, '')],
    ['text file', (p) => fs.writeFile(p, 'hello')],
    ['truncated PNG', async (p) => fs.writeFile(p, (await fs.readFile(f('photo.png'))).subarray(0, 60))],
    ['PNG declaring 20000x20000 (a decompression bomb)', (p) => fs.writeFile(p, pngBomb(20000, 20000))],
    ['PNG declaring 9000x9000', (p) => fs.writeFile(p, pngBomb(9000, 9000))],
    ['PNG declaring 0x0', (p) => fs.writeFile(p, pngBomb(0, 0))],
    ['PNG declaring 2^31 x 1', (p) => fs.writeFile(p, pngBomb(0x7fffffff, 1))],
    [
      'PNG with a broken CRC',
      async (p) => {
        const b = Buffer.from(await fs.readFile(f('photo.png')));
        b[29] = (b[29]! + 1) & 0xff;
        await fs.writeFile(p, b);
      },
    ],
    [
      'JPEG signature then garbage',
      (p) => fs.writeFile(p, Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(64, 7)])),
    ],
    [
      'random bytes',
      (p) => fs.writeFile(p, Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 7919) & 255))),
    ],
  ];
  images.forEach(([label, make], i) => {
    const file = w(`image-${i}.png`);
    add({
      id: `image: ${label}`,
      category: 'images',
      args: upscale(file, '--out', w(`up-${i}.png`)),
      mention: `image-${i}.png`,
      setup: () => make(file),
    });
  });
  add({ id: 'image: missing file', category: 'images', args: upscale(w('nope.png')), mention: 'nope.png' });
  add({ id: 'image: a folder', category: 'images', args: upscale(work), mention: work });
  add({
    id: 'upscale --out .jpg (refused before work)',
    category: 'images',
    args: upscale(f('photo.png'), '--out', w('big.jpg')),
    mention: 'big.jpg',
  });
  add({
    id: 'upscale --out under /proc',
    category: 'images',
    args: upscale(f('photo.png'), '--out', '/proc/gankit/big.png'),
    mention: '/proc/gankit',
  });
  add({
    id: 'upscale --out is a folder',
    category: 'images',
    args: upscale(f('photo.png'), '--out', w('out-dir.png')),
    mention: 'out-dir.png',
    setup: () => fs.mkdir(w('out-dir.png'), { recursive: true }),
  });
  for (const [flag, v] of [
    ['--tile', '0'],
    ['--tile', '-5'],
    ['--tile', 'abc'],
    ['--tile', '4'],
    ['--overlap', '-1'],
    ['--overlap', 'abc'],
  ] as const) {
    add({
      id: `upscale ${flag}=${v}`,
      category: 'flags',
      args: upscale(f('photo.png'), '--out', w('t.png'), flag, v),
      mention: flag,
    });
  }
  add({
    id: 'upscale with neither --run nor --model',
    category: 'flags',
    args: ['upscale', f('photo.png'), ...CPU],
    mention: '--run',
  });
  add({
    id: 'upscale --model unknown',
    category: 'flags',
    args: ['upscale', f('photo.png'), '--model', 'nope-x9', ...CPU],
    mention: 'nope-x9',
  });
  add({
    id: 'upscale --run of an image GAN',
    category: 'run folders',
    args: ['upscale', f('photo.png'), '--run', f('dcgan'), ...CPU],
    mention: f('dcgan'),
  });
  add({
    id: 'control: upscale a PNG',
    category: 'images',
    args: upscale(f('photo.png'), '--out', w('ctl-up.png')),
    mention: '',
    control: true,
  });
  add({
    id: 'control: upscale a grayscale JPEG',
    category: 'images',
    args: upscale(f('gray.jpg'), '--out', w('ctl-gray.png')),
    mention: '',
    control: true,
  });

  // ---- model.json and weights of a run's generator (sample)
  const sample = (run: string, ...more: string[]) => [
    'sample',
    '--run',
    run,
    '--out',
    w(`${path.basename(run)}.png`),
    ...CPU,
    ...more,
  ];
  const models: [string, (g: string) => Promise<void>][] = [
    ['model.json missing', (g) => fs.rm(path.join(g, 'model.json'))],
    ['model.json empty', (g) => fs.writeFile(path.join(g, 'model.json'), '')],
    ['model.json not JSON', (g) => fs.writeFile(path.join(g, 'model.json'), '{"modelTopology": ')],
    ['model.json is {}', (g) => fs.writeFile(path.join(g, 'model.json'), '{}')],
    ['model.json is an array', (g) => fs.writeFile(path.join(g, 'model.json'), '[]')],
    [
      'model.json with no topology',
      (g) => patchJson(path.join(g, 'model.json'), (j) => void delete j.modelTopology),
    ],
    [
      'weightsManifest not an array',
      (g) => patchJson(path.join(g, 'model.json'), (j) => void (j.weightsManifest = 5)),
    ],
    [
      'weights path outside the folder',
      (g) =>
        patchJson(
          path.join(g, 'model.json'),
          (j) =>
            void ((j.weightsManifest as { paths: string[] }[])[0]!.paths = ['../../../../../../etc/passwd']),
        ),
    ],
    [
      'absolute weights path',
      (g) =>
        patchJson(
          path.join(g, 'model.json'),
          (j) => void ((j.weightsManifest as { paths: string[] }[])[0]!.paths = ['/etc/hostname']),
        ),
    ],
    ['weights file missing', (g) => fs.rm(path.join(g, 'weights.bin'))],
    ['weights truncated', (g) => fs.truncate(path.join(g, 'weights.bin'), 1000)],
    ['weights extended', (g) => fs.appendFile(path.join(g, 'weights.bin'), Buffer.alloc(64))],
    [
      'one bit flipped',
      async (g) => {
        const b = await fs.readFile(path.join(g, 'weights.bin'));
        b[100] = b[100]! ^ 1;
        await fs.writeFile(path.join(g, 'weights.bin'), b);
      },
    ],
    [
      'weights zeroed',
      async (g) => {
        const { size } = await fs.stat(path.join(g, 'weights.bin'));
        await fs.writeFile(path.join(g, 'weights.bin'), Buffer.alloc(size));
      },
    ],
    [
      'NaN weights without a recorded hash',
      async (g) => {
        await patchJson(path.join(g, 'model.json'), (j) => void delete j.weightsSha256);
        const b = await fs.readFile(path.join(g, 'weights.bin'));
        new DataView(b.buffer, b.byteOffset).setFloat32(8, Number.NaN, true);
        await fs.writeFile(path.join(g, 'weights.bin'), b);
      },
    ],
    [
      'unknown layer class',
      (g) =>
        patchJson(path.join(g, 'model.json'), (j) => {
          const text = JSON.stringify(j).replace(/"class_name":"Dense"/, '"class_name":"EvilLayer"');
          return JSON.parse(text);
        }),
    ],
    [
      'weight shape that does not fit',
      (g) =>
        patchJson(path.join(g, 'model.json'), (j) => {
          const w0 = (j.weightsManifest as { weights: { shape: number[] }[] }[])[0]!.weights[0]!;
          w0.shape = [w0.shape[0]! + 1, ...w0.shape.slice(1)];
        }),
    ],
    [
      'string dtype',
      (g) =>
        patchJson(path.join(g, 'model.json'), (j) => {
          (j.weightsManifest as { weights: { dtype: string }[] }[])[0]!.weights[0]!.dtype = 'string';
        }),
    ],
    [
      'a layer config with code in it',
      (g) =>
        patchJson(path.join(g, 'model.json'), (j) => {
          const text = JSON.stringify(j).replace(
            /"activation":"[a-z]+"/,
            '"activation":"require(\'child_process\').execSync(\'touch /tmp/gankit-pwned\')"',
          );
          return JSON.parse(text);
        }),
    ],
  ];
  models.forEach(([label, damage], i) => {
    for (const base of ['ring', 'dcgan']) {
      const run = w(`model-${base}-${i}`);
      add({
        id: `model.json (${base}): ${label}`,
        category: 'model files',
        args: sample(run),
        mention: path.basename(run),
        setup: async () => {
          await copy(f(base), run);
          await damage(path.join(run, 'generator'));
        },
      });
    }
  });

  // ---- checkpoints and run files (resume)
  const resumeCase = (
    label: string,
    base: string,
    damage: (run: string) => Promise<void>,
    control = false,
    mention?: string,
  ) => {
    const run = w(`resume-${cases.length}`);
    add({
      id: `${control ? 'control: ' : ''}resume (${base}): ${label}`,
      category: 'checkpoints',
      args: ['resume', run, '--steps', '1'],
      mention: mention ?? (control ? '' : path.basename(run)),
      control,
      setup: async () => {
        await copy(f(base), run);
        await damage(run);
      },
    });
  };
  const ckpts = async (run: string) => {
    const dir = path.join(run, 'checkpoints');
    return (await fs.readdir(dir))
      .filter((n) => n.startsWith('step-'))
      .sort()
      .map((n) => path.join(dir, n));
  };
  for (const base of ['ring', 'dcgan', 'sr']) {
    resumeCase('every state.json garbage', base, async (r) => {
      for (const c of await ckpts(r)) await fs.writeFile(path.join(c, 'state.json'), 'garbage');
    });
    resumeCase('every checkpoint generator truncated', base, async (r) => {
      for (const c of await ckpts(r))
        await fs.truncate(path.join(c, 'models', 'generator', 'weights.bin'), 10);
    });
    resumeCase('every optimizer file garbage', base, async (r) => {
      for (const c of await ckpts(r)) {
        for (const n of await fs.readdir(path.join(c, 'optimizers'))) {
          if (n.endsWith('.json')) await fs.writeFile(path.join(c, 'optimizers', n), '{');
        }
      }
    });
    resumeCase('every optimizer weights file short', base, async (r) => {
      for (const c of await ckpts(r)) {
        for (const n of await fs.readdir(path.join(c, 'optimizers'))) {
          if (n.endsWith('.bin')) await fs.truncate(path.join(c, 'optimizers', n), 3);
        }
      }
    });
    resumeCase(
      'config.json not JSON',
      base,
      (r) => fs.writeFile(path.join(r, 'config.json'), '{"preset": '),
      false,
      'config.json',
    );
    resumeCase(
      'config.json with an unknown key',
      base,
      (r) => patchJson(path.join(r, 'config.json'), (j) => void (j.extra = 1)),
      false,
      'extra',
    );
    resumeCase(
      'config.json of an unknown family',
      base,
      (r) => patchJson(path.join(r, 'config.json'), (j) => void (j.family = 'nope')),
      false,
      'nope',
    );
    resumeCase(
      'config.json with negative steps',
      base,
      (r) =>
        patchJson(path.join(r, 'config.json'), (j) => void ((j.training as { steps: number }).steps = -4)),
      false,
      'training.steps',
    );
    resumeCase('config.json missing', base, (r) => fs.rm(path.join(r, 'config.json')));
    resumeCase(
      'config.json is a folder',
      base,
      async (r) => {
        await fs.rm(path.join(r, 'config.json'));
        await fs.mkdir(path.join(r, 'config.json'));
      },
      false,
      'config.json',
    );
    resumeCase(
      'a network of another size in the config',
      base,
      (r) =>
        patchJson(path.join(r, 'config.json'), (j) => {
          const m = j.model as Record<string, unknown>;
          for (const [k, v] of Object.entries(m)) {
            if (typeof v === 'number' && /width|filters/i.test(k)) m[k] = v * 2;
            if (Array.isArray(v) && k === 'hidden') m[k] = v.map((u: number) => u * 2);
          }
        }),
      false,
      'does not fit',
    );
    resumeCase('run in use by a live process', base, (r) =>
      fs.writeFile(
        path.join(r, '.gankit.lock'),
        JSON.stringify({ pid: process.pid, host: os.hostname(), since: 'now' }),
      ),
    );
    // controls: damage that an intact older checkpoint or a tolerant reader recovers from
    resumeCase(
      'latest pointer garbage',
      base,
      (r) => fs.writeFile(path.join(r, 'checkpoints', 'latest'), 'step-9999\n'),
      true,
    );
    resumeCase(
      'newest checkpoint truncated',
      base,
      async (r) => {
        const all = await ckpts(r);
        await fs.truncate(path.join(all[all.length - 1]!, 'models', 'generator', 'weights.bin'), 10);
      },
      true,
    );
    resumeCase(
      'metrics.jsonl with a cut-short line',
      base,
      (r) => fs.appendFile(path.join(r, 'metrics.jsonl'), '{"step": 9, "d_lo'),
      true,
    );
    resumeCase(
      'stale lock of a dead process',
      base,
      (r) =>
        fs.writeFile(
          path.join(r, '.gankit.lock'),
          JSON.stringify({ pid: 2 ** 22 + 17, host: os.hostname(), since: 'then' }),
        ),
      true,
    );
    resumeCase(
      'leftover temporary checkpoint folder',
      base,
      (r) => fs.mkdir(path.join(r, 'checkpoints', '.step-00000099.tmp-999999-dead')),
      true,
    );
  }
  add({
    id: 'resume of a missing folder',
    category: 'run folders',
    args: ['resume', w('no-run')],
    mention: 'no-run',
  });
  add({
    id: 'resume of a file',
    category: 'run folders',
    args: ['resume', w('out-file')],
    mention: 'out-file',
    setup: () => fs.writeFile(w('out-file'), 'x'),
  });
  add({
    id: 'resume of an empty folder',
    category: 'run folders',
    args: ['resume', w('empty-run')],
    mention: 'empty-run',
    setup: () => fs.mkdir(w('empty-run'), { recursive: true }),
  });
  add({
    id: 'resume of a folder with only a lock',
    category: 'run folders',
    args: ['resume', w('lock-only')],
    mention: 'lock-only',
    setup: async () => {
      await fs.mkdir(w('lock-only'), { recursive: true });
      await fs.writeFile(w('lock-only/.gankit.lock'), '{}');
    },
  });
  for (const v of ['0', '-1', 'abc']) {
    add({
      id: `resume --steps ${v}`,
      category: 'flags',
      args: ['resume', f('ring'), '--steps', v],
      mention: '--steps',
    });
  }

  // ---- sample flags and sizes
  for (const v of ['0', '-1', 'abc', '1e9', '10001', '']) {
    add({
      id: `sample --n ${JSON.stringify(v)}`,
      category: 'sizes',
      args: [...sample(f('dcgan')), '--n', v],
      mention: '--n',
    });
  }
  for (const v of ['-1', 'abc']) {
    add({
      id: `sample --seed ${v}`,
      category: 'flags',
      args: [...sample(f('dcgan')), '--seed', v],
      mention: '--seed',
    });
  }
  add({
    id: 'sample --class on an unconditional run',
    category: 'flags',
    args: [...sample(f('dcgan')), '--class', '3'],
    mention: '--class',
  });
  add({
    id: 'sample --from-level on a DCGAN',
    category: 'flags',
    args: [...sample(f('dcgan')), '--from-level', '1'],
    mention: '--from-level',
  });
  add({
    id: 'sample of a super-resolution run',
    category: 'run folders',
    args: sample(f('sr')),
    mention: 'upscale',
  });
  add({
    id: 'sample of a missing run',
    category: 'run folders',
    args: sample(w('no-run')),
    mention: 'no-run',
  });
  add({
    id: 'sample --model unknown',
    category: 'flags',
    args: ['sample', '--model', 'nope', '--out', w('s.png'), ...CPU],
    mention: 'nope',
  });
  add({
    id: 'sample --run and --model together',
    category: 'flags',
    args: [...sample(f('dcgan')), '--model', 'dcgan-fashion'],
    mention: '--model',
  });
  add({
    id: 'sample without --out',
    category: 'flags',
    args: ['sample', '--run', f('dcgan'), ...CPU],
    mention: '--out',
  });
  add({
    id: 'sample --out .gif',
    category: 'flags',
    args: ['sample', '--run', f('dcgan'), '--out', w('s.gif'), ...CPU],
    mention: 's.gif',
  });
  add({
    id: 'sample --out under /proc',
    category: 'run folders',
    args: ['sample', '--run', f('dcgan'), '--out', '/proc/gankit/s.png', ...CPU],
    mention: '/proc/gankit',
  });
  add({
    id: 'sample --text on a dcgan run',
    category: 'flags',
    args: [...sample(f('dcgan')), '--text', 'a red dress'],
    mention: '--text',
  });
  add({
    id: 'sample --interpolate with one caption',
    category: 'flags',
    args: [...sample(f('dcgan')), '--interpolate', 'a red dress'],
    mention: '--interpolate',
  });
  add({
    id: 'translate with a dcgan run',
    category: 'run folders',
    args: ['translate', w('x.png'), '--run', f('dcgan'), ...CPU],
    mention: 'translate',
  });
  add({
    id: 'translate --direction x2y',
    category: 'flags',
    args: ['translate', w('x.png'), '--run', f('dcgan'), '--direction', 'x2y', ...CPU],
    mention: 'x2y',
  });
  add({
    id: 'translate without --run',
    category: 'flags',
    args: ['translate', w('x.png'), ...CPU],
    mention: '--run',
  });
  // speech to a voice run: what is not a WAV, too short, or no file at all
  const speech = (file: string, ...rest: string[]) => [
    'translate',
    file,
    '--run',
    f('voice'),
    ...rest,
    ...CPU,
  ];
  const wavHeader = (dataBytes: number, format = 1, bits = 16) => {
    const b = Buffer.alloc(44);
    b.write('RIFF', 0, 'latin1');
    b.writeUInt32LE(36 + dataBytes, 4);
    b.write('WAVEfmt ', 8, 'latin1');
    b.writeUInt32LE(16, 16);
    b.writeUInt16LE(format, 20);
    b.writeUInt16LE(1, 22);
    b.writeUInt32LE(16000, 24);
    b.writeUInt32LE((16000 * bits) / 8, 28);
    b.writeUInt16LE(bits / 8, 32);
    b.writeUInt16LE(bits, 34);
    b.write('data', 36, 'latin1');
    b.writeUInt32LE(dataBytes, 40);
    return b;
  };
  const sounds: [string, (p: string) => Promise<void>][] = [
    ['text named .wav', (p) => fs.writeFile(p, 'not a sound\n')],
    ['a PNG named .wav', (p) => fs.copyFile(f('photo.png'), p)],
    ['no samples', (p) => fs.writeFile(p, wavHeader(0))],
    ['6 ms of sound', (p) => fs.writeFile(p, Buffer.concat([wavHeader(200), Buffer.alloc(200)]))],
    [
      'a-law encoding',
      (p) => fs.writeFile(p, Buffer.concat([wavHeader(4000, 6, 8), Buffer.alloc(4000, 0xd5)])),
    ],
    ['header cut short', (p) => fs.writeFile(p, wavHeader(64000).subarray(0, 30))],
  ];
  sounds.forEach(([label, make], i) => {
    const file = w(`speech-${i}.wav`);
    add({
      id: `speech: ${label}`,
      category: 'audio',
      args: speech(file, '--out', w(`converted-${i}.wav`)),
      mention: `speech-${i}.wav`,
      setup: () => make(file),
    });
  });
  add({ id: 'speech: missing file', category: 'audio', args: speech(w('nope.wav')), mention: 'nope.wav' });
  add({
    id: 'speech: an image to a voice run',
    category: 'audio',
    args: speech(f('photo.png')),
    mention: 'photo.png',
  });
  add({
    id: 'speech: data.dir that does not exist',
    category: 'audio',
    args: [
      'train',
      '--preset',
      'cyclegan-voice',
      '--steps',
      '1',
      '--set',
      `data.dir=${w('no-speech')}`,
      ...CPU,
    ],
    mention: 'no-speech',
  });
  add({
    id: 'control: translate speech',
    category: 'audio',
    args: speech(path.join(ROOT, 'docs/examples/speech-low.wav'), '--out', w('ctl-converted.wav')),
    mention: '',
    control: true,
  });
  for (const [preset, assignment, mention] of [
    ['dcgan-fashion', 'model.imageSize=32', 'model.imageSize'],
    ['dcgan-fashion', 'model.channels=3', 'model.channels'],
    ['cgan-fashion', 'model.imageSize=16', 'model.imageSize'],
    ['lapgan-fashion', 'model.channels=3', 'channels'],
    ['pix2pix-edges', 'model.imageSize=16', 'imageSize'],
    ['cyclegan-sneakers-boots', 'model.imageSize=16', 'imageSize'],
    ['cyclegan-voice', 'model.segmentFrames=30', 'segmentFrames'],
    ['cyclegan-voice', 'audio.melBins=4', 'melBins'],
    ['cyclegan-voice', 'data.voiceA.name=en;rm', 'voiceA.name'],
    ['srresnet-x4', 'data.hrSize=30', 'hrSize'],
    ['srresnet-x4', 'data.scale=3', 'scale'],
  ] as const) {
    add({
      id: `${preset} with --set ${assignment}`,
      category: 'sizes',
      args: [
        'train',
        '--preset',
        preset,
        '--steps',
        '1',
        '--set',
        assignment,
        '--set',
        'output.evalSamples=0',
        ...CPU,
      ],
      mention,
    });
  }
  add({
    id: 'control: sample --n 1',
    category: 'sizes',
    args: ['sample', '--run', f('dcgan'), '--n', '1', '--out', w('ctl-s1.png'), ...CPU],
    mention: '',
    control: true,
  });
  add({
    id: 'control: sample a scatter plot',
    category: 'sizes',
    args: ['sample', '--run', f('ring'), '--n', '500', '--out', w('ctl-ring.png'), ...CPU],
    mention: '',
    control: true,
  });

  // ---- eval and stats
  for (const v of ['0', '1', 'abc']) {
    add({
      id: `eval --n ${v}`,
      category: 'flags',
      args: ['eval', f('dcgan'), '--n', v, ...CPU],
      mention: '--n',
    });
  }
  add({
    id: 'eval --stats missing',
    category: 'files',
    args: ['eval', f('dcgan'), '--n', '100', '--stats', w('nostats.json'), ...CPU],
    mention: 'nostats.json',
  });
  add({
    id: 'eval --stats not JSON',
    category: 'files',
    args: ['eval', f('dcgan'), '--n', '100', '--stats', w('bad-stats.json'), ...CPU],
    mention: 'bad-stats.json',
    setup: () => fs.writeFile(w('bad-stats.json'), '{"mean": [1, 2'),
  });
  add({
    id: 'eval --stats of the wrong shape',
    category: 'files',
    args: ['eval', f('dcgan'), '--n', '100', '--stats', w('odd-stats.json'), ...CPU],
    mention: 'odd-stats.json',
    setup: () =>
      fs.writeFile(w('odd-stats.json'), JSON.stringify({ dim: 3, count: 2, mean: [1], sumSquares: [] })),
  });
  add({
    id: 'eval --features foo',
    category: 'flags',
    args: ['eval', f('dcgan'), '--features', 'foo', ...CPU],
    mention: 'features',
  });
  add({
    id: 'eval --features inception:missing',
    category: 'files',
    args: ['eval', f('dcgan'), '--n', '100', '--features', `inception:${w('no-inception')}`, ...CPU],
    mention: 'no-inception',
  });
  add({
    id: 'eval of a ring run',
    category: 'run folders',
    args: ['eval', f('ring'), ...CPU],
    mention: 'no evaluation',
  });
  add({
    id: 'eval of a super-resolution run with a bad photo',
    category: 'images',
    args: ['eval', f('sr'), w('image-1.png'), ...CPU],
    mention: 'image-1.png',
    setup: () => fs.writeFile(w('image-1.png'), 'hello'),
  });
  add({
    id: 'stats --out under /proc',
    category: 'files',
    args: ['stats', '--out', '/proc/gankit/s.json', '--data', 'bundled', ...CPU],
    mention: '/proc/gankit',
  });
  add({
    id: 'stats --data missing',
    category: 'IDX',
    args: ['stats', '--out', w('s.json'), '--data', w('no-data'), ...CPU],
    mention: 'no-data',
  });
  add({ id: 'stats without --out', category: 'flags', args: ['stats', ...CPU], mention: '--out' });
  add({
    id: '--plugin that does not exist',
    category: 'flags',
    args: [...ring, '--plugin', w('no-plugin.mjs')],
    mention: 'no-plugin.mjs',
  });
  add({
    id: '--plugin that throws',
    category: 'flags',
    args: [...ring, '--plugin', w('throws.mjs')],
    mention: 'throws.mjs',
    setup: () => fs.writeFile(w('throws.mjs'), "throw new Error('plugin broke');\n"),
  });
  add({
    id: '--plugin that registers nothing',
    category: 'flags',
    args: ['train', '--preset', 'toy-preset', '--plugin', w('empty.mjs'), ...CPU],
    mention: 'toy-preset',
    setup: () => fs.writeFile(w('empty.mjs'), 'export {};\n'),
  });
  add({ id: 'control: info', category: 'flags', args: ['info', ...CPU], mention: '', control: true });
  add({ id: 'control: presets', category: 'flags', args: ['presets'], mention: '', control: true });
  return cases;
}

/** Judges one finished case. */
export function judge(
  c: BadInputCase,
  r: Awaited<ReturnType<typeof runCli>>,
): { outcome: Outcome; detail: string } {
  const err = r.stderr.trim();
  const lastLine = err.split('\n').pop() ?? '';
  if (r.memoryExceeded) return { outcome: 'memory', detail: `peak ${r.peakRssMb.toFixed(0)} MB` };
  if (r.timedOut) return { outcome: 'hang', detail: `killed after ${r.ms} ms` };
  if (c.control) {
    return r.code === 0
      ? { outcome: 'control-ok', detail: '' }
      : { outcome: 'control-failed', detail: `exit ${r.code}: ${lastLine}` };
  }
  if (r.code === 0) return { outcome: 'silent', detail: 'exit 0' };
  if (/^\s+at .+[:(]\d+:\d+\)?$/m.test(err) || /^\s+at /m.test(err)) {
    return { outcome: 'crash', detail: err.split('\n').slice(0, 3).join(' | ') };
  }
  const first = err.split('\n')[0] ?? '';
  const clear =
    (r.code === 1 || r.code === 2) &&
    /^(gankit: |error: )/.test(first) &&
    err.toLowerCase().includes(c.mention.toLowerCase());
  return {
    outcome: clear ? 'clear' : 'unclear',
    detail: `exit ${r.code}: ${err.split('\n').slice(0, 2).join(' | ')}`,
  };
}

/** Runs the corpus (every `stride`-th case), two at a time. */
export async function badInputs(
  scratch: string,
  log: (line: string) => void,
  stride = 1,
  match?: string,
): Promise<CaseResult[]> {
  const fixtures = path.join(scratch, 'fixtures');
  const work = path.join(scratch, 'work');
  await fs.mkdir(fixtures, { recursive: true });
  await fs.mkdir(work, { recursive: true });
  await makeFixtures(fixtures);
  const all = corpus(fixtures, work);
  log(`bad inputs: ${all.length} cases in the corpus${stride > 1 ? `, every ${stride}th run` : ''}`);
  const chosen = all.filter((c, i) => i % stride === 0 && (match === undefined || c.id.includes(match)));
  const results: CaseResult[] = [];
  let next = 0;
  const worker = async () => {
    while (next < chosen.length) {
      const c = chosen[next++]!;
      await c.setup?.();
      const r = await runCli(c.args, { timeoutMs: 60_000, memoryCapMb: 2048, cwd: work });
      const { outcome, detail } = judge(c, r);
      results.push({ id: c.id, category: c.category, outcome, ms: r.ms, peakRssMb: r.peakRssMb, detail });
    }
  };
  await Promise.all([worker(), worker()]);
  return results.sort((a, b) => all.findIndex((c) => c.id === a.id) - all.findIndex((c) => c.id === b.id));
}
