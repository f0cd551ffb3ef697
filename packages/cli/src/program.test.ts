import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { encodeImageGrid, loadImage, loadModel, saveImage, saveModel } from '@gankit/data';
import { listPresets } from '@gankit/families';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createProgram, runCli } from './program.js';

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'gankit-cli-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

/** Runs the CLI in-process, capturing stdout lines, stderr text and the exit code. */
async function gankit(...args: string[]) {
  const out: string[] = [];
  let err = '';
  const spy = vi.spyOn(console, 'error').mockImplementation((m: unknown) => {
    err += `${String(m)}\n`;
  });
  const write = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    err += String(chunk);
    return true;
  });
  const logSpy = vi.spyOn(console, 'log').mockImplementation((m: unknown) => {
    out.push(String(m));
  });
  try {
    const code = await runCli(['node', 'gankit', ...args]);
    return { code, out, err };
  } finally {
    spy.mockRestore();
    write.mockRestore();
    logSpy.mockRestore();
  }
}

describe('gankit CLI errors', () => {
  it('lists the valid presets for an unknown one', async () => {
    const r = await gankit('train', '--preset', 'dcgan-fashon');
    expect(r.code).toBe(2);
    expect(r.err).toContain(
      "unknown preset 'dcgan-fashon'; valid presets: dcgan-fashion, hinge-sn-fashion, wgan-gp-fashion, cgan-fashion, gan-ring8, wgan-gp-ring8, gan-grid25, lapgan-fashion, lapgan-fashion-conditional, srresnet-x4, srgan-x4, lsrgan-x4, pix2pix-edges, gancls-fashion, ganintcls-fashion, cyclegan-sneakers-boots, cyclegan-voice",
    );
  });

  it('lists the valid options for an unknown flag', async () => {
    const r = await gankit('train', '--preset', 'dcgan-fashion', '--stepz', '3');
    expect(r.code).toBe(2);
    expect(r.err).toContain("unknown option '--stepz'");
    expect(r.err).toContain(
      "valid options of 'train': --preset, --config, --steps, --batch-size, --seed, --backend, --data, --out",
    );
  });

  it('rejects a bad number and an unknown backend, naming what arrived', async () => {
    expect((await gankit('train', '--preset', 'dcgan-fashion', '--steps', '-3')).err).toContain(
      "expected an integer >= 1, got '-3'",
    );
    expect((await gankit('info', '--backend', 'cuda')).err).toContain(
      "expected one of auto, tensorflow-gpu, tensorflow, webgpu, wasm, cpu, got 'cuda'",
    );
  });

  it('names a missing data folder and how to get the data', async () => {
    const missing = path.join(tmp, 'no-such-dir');
    const r = await gankit(
      'train',
      '--preset',
      'dcgan-fashion',
      '--data',
      missing,
      '--backend',
      'cpu',
      '--out',
      path.join(tmp, 'r0'),
    );
    expect(r.code).toBe(1);
    expect(r.err).toContain(missing);
    expect(r.err).toContain('apt-get install dataset-fashion-mnist');
  });

  it('reports every config problem with its path', async () => {
    const r = await gankit('train', '--preset', 'gan-ring8', '--data', '/x');
    expect(r.err).toContain("--data does not apply to preset 'gan-ring8'");
  });

  it('lists unknown commands and the presets', async () => {
    expect((await gankit('trian')).err).toContain(
      'valid commands: train, config, schema, resume, sample, upscale, translate, eval, stats, report, compare, info, presets',
    );
    const r = await gankit('presets');
    expect(r.out.join('\n')).toMatch(/^dcgan-fashion +DCGAN \(Radford 2015\) on Fashion-MNIST/m);
    expect(r.out.join('\n')).toMatch(/^wgan-gp-ring8 +WGAN-GP \(Gulrajani et al\. 2017/m);
    expect(r.out).toHaveLength(listPresets().length);
    for (const line of r.out) expect(line.split(/ {2,}/)).toHaveLength(2);
  });

  it('reports the backend and why', async () => {
    const r = await gankit('info', '--backend', 'cpu');
    expect(r.code).toBe(0);
    expect(r.out.join('\n')).toContain('backend: cpu (requested explicitly');
    expect(r.out.join('\n')).toMatch(/@tensorflow\/tfjs-core 4\.22\.0/);
    expect(r.out.join('\n')).toMatch(/^onnxruntime-node (\d+\.\d+\.\d+|not installed)$/m);
    expect(createProgram().commands.map((c) => c.name())).toEqual([
      'train',
      'config',
      'schema',
      'resume',
      'sample',
      'upscale',
      'translate',
      'eval',
      'stats',
      'report',
      'compare',
      'info',
      'presets',
      'sweep',
      'worker',
    ]);
  });
});

describe('gankit train and sample', () => {
  it('trains a tiny run, samples byte-identical grids, and plain tfjs reproduces the images', async () => {
    const runDir = path.join(tmp, 'run');
    const train = await gankit(
      'train',
      '--preset',
      'dcgan-fashion',
      '--steps',
      '3',
      '--batch-size',
      '16',
      '--backend',
      'cpu',
      '--seed',
      '5',
      '--out',
      runDir,
      '--set',
      'output.evalSamples=300',
      '--set',
      'output.evalReference=bundled',
    );
    expect(train.err).toBe('');
    expect(train.code).toBe(0);
    expect(train.out.join('\n')).toMatch(/step 3\/3 {2}d_loss/);
    // the end-of-run FID and friends, with where they came from
    expect(train.out.join('\n')).toMatch(
      /^FID \d+\.\d\d, KID -?\d+\.\d{4}, precision [01]\.\d{3}, recall [01]\.\d{3} \(fashion-classifier/m,
    );
    const { imageMetrics } = JSON.parse(await fs.readFile(path.join(runDir, 'evaluation.json'), 'utf8'));
    expect(imageMetrics.provenance).toMatchObject({
      featureNetwork: 'fashion-classifier (penultimate, 128-d)',
      resolution: '28x28x1',
      nFake: 300,
      seed: 6,
    });
    expect(imageMetrics.provenance.weightsHash).toMatch(/^[0-9a-f]{16}$/);
    expect(imageMetrics.fid).toBeGreaterThan(0);
    const final = await loadImage(path.join(runDir, 'samples', 'final.png'));
    expect(final.width).toBeGreaterThan(28 * 8);

    // refuses to overwrite the run
    const again = await gankit('train', '--preset', 'dcgan-fashion', '--out', runDir, '--backend', 'cpu');
    expect(again.code).toBe(1);
    expect(again.err).toContain(`${runDir} already holds a run`);

    const a = path.join(tmp, 'a.png');
    const b = path.join(tmp, 'b.png');
    const c = path.join(tmp, 'c.png');
    expect(
      (await gankit('sample', '--run', runDir, '--n', '16', '--seed', '7', '--out', a, '--backend', 'cpu'))
        .code,
    ).toBe(0);
    await gankit('sample', '--run', runDir, '--n', '16', '--seed', '7', '--out', b, '--backend', 'cpu');
    await gankit('sample', '--run', runDir, '--n', '16', '--seed', '8', '--out', c, '--backend', 'cpu');
    expect(Buffer.compare(await fs.readFile(a), await fs.readFile(b))).toBe(0);
    expect(Buffer.compare(await fs.readFile(a), await fs.readFile(c))).not.toBe(0);

    // resume continues from the last checkpoint (step 3) for N more steps
    const resumed = await gankit('resume', runDir, '--steps', '2');
    expect(resumed.err).toBe('');
    expect(resumed.out.join('\n')).toContain('from step 3 to 5');
    expect(resumed.out.join('\n')).toMatch(/step 5\/5 {2}d_loss/);
    const metrics = (await fs.readFile(path.join(runDir, 'metrics.jsonl'), 'utf8')).trim().split('\n');
    expect(metrics.map((l) => JSON.parse(l).step)).toEqual([1, 2, 3, 4, 5]);
    expect((await gankit('resume', path.join(tmp, 'nowhere'))).err).toContain('is not a gankit run folder');

    const generatorDir = path.join(runDir, 'generator');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [path.join(import.meta.dirname, '..', 'test', 'plain-tfjs-sample.mjs'), generatorDir, '4', '7'],
      { cwd: path.join(import.meta.dirname, '..') },
    );
    const plain = JSON.parse(stdout) as { shape: number[]; values: number[] };
    const g = await loadModel(generatorDir);
    const ours = tf.tidy(() => g.predict(tf.randomNormal([4, 100], 0, 1, 'float32', 7)) as tf.Tensor);
    expect(plain.shape).toEqual([4, 28, 28, 1]);
    expect(plain.values).toEqual(Array.from(await ours.data()));
    ours.dispose();
    g.dispose();
  });
});

describe('gankit sample for class-conditional and 2-D runs', () => {
  it('samples one class with --class K, one row per class without it, and names bad classes', async () => {
    const runDir = path.join(tmp, 'cgan');
    const train = await gankit(
      ...['train', '--preset', 'cgan-fashion', '--steps', '2', '--batch-size', '10'],
      ...[
        '--backend',
        'cpu',
        '--out',
        runDir,
        '--set',
        'output.evalSamples=200',
        '--set',
        'output.evalReference=bundled',
      ],
    );
    expect(train.err).toBe('');
    expect(train.out.join('\n')).toMatch(
      /class fidelity: \d+\.\d% of samples classified as their requested class/,
    );
    const sample = async (file: string, ...extra: string[]) =>
      gankit(
        'sample',
        '--run',
        runDir,
        '--n',
        '20',
        '--seed',
        '3',
        '--out',
        file,
        '--backend',
        'cpu',
        ...extra,
      );
    const three = path.join(tmp, 'class3.png');
    const grid = path.join(tmp, 'grid.png');
    expect((await sample(three, '--class', '3')).out.join('\n')).toContain('wrote 20 samples of class 3');
    await sample(grid);
    // the grid has one row per class: 10 rows of 2
    const g = await loadImage(grid);
    expect(g.height).toBeGreaterThan(4 * g.width);
    // --class 3 gives what G computes for label 3 with the same latents
    const generator = await loadModel(path.join(runDir, 'generator'));
    const expected = tf.tidy(() => {
      const z = tf.randomNormal([20, 100], 0, 1, 'float32', 3);
      return generator.predict([z, tf.fill([20, 1], 3, 'int32')]) as tf.Tensor;
    });
    const png = await encodeImageGrid(expected as tf.Tensor4D, { scale: 2 });
    expect(Buffer.compare(await fs.readFile(three), png)).toBe(0);
    tf.dispose(expected);
    generator.dispose();

    const bad = await sample(path.join(tmp, 'x.png'), '--class', '10');
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('--class must be an integer in [0, 9]');
  });

  it('refuses --class on an unconditional run and writes a scatter plot for 2-D data', async () => {
    const runDir = path.join(tmp, 'ring');
    const train = await gankit(
      ...['train', '--preset', 'gan-ring8', '--steps', '2', '--batch-size', '16'],
      ...['--backend', 'cpu', '--out', runDir],
    );
    expect(train.code).toBe(0);
    expect(train.out.join('\n')).toMatch(/mode coverage: \d\/8 modes/);
    const r = await gankit('sample', '--run', runDir, '--out', path.join(tmp, 'ring.png'), '--class', '1');
    expect(r.code).toBe(1);
    expect(r.err).toContain('--class applies to class-conditional runs; ');
    const ok = await gankit('sample', '--run', runDir, '--n', '500', '--out', path.join(tmp, 'ring.png'));
    expect(ok.code).toBe(0);
    const plot = await loadImage(path.join(tmp, 'ring.png'));
    expect([plot.width, plot.height]).toEqual([512, 512]);
  });
});

describe('gankit upscale', () => {
  it('upscales a 1024x768 RGBA image tile by tile, keeping alpha, and names bad files', async () => {
    // a stand-in x2 generator in a run folder (the SR presets save theirs the same way)
    const runDir = path.join(tmp, 'sr-run');
    const x = tfl.input({ shape: [null, null, 3] });
    const up = tfl.layers.upSampling2d({ size: [2, 2] }).apply(x) as tfl.SymbolicTensor;
    const g = tfl.model({
      inputs: x,
      outputs: tfl.layers
        .conv2d({ filters: 3, kernelSize: 3, padding: 'same', kernelInitializer: 'ones', activation: 'tanh' })
        .apply(up) as tfl.SymbolicTensor,
    });
    await saveModel(g, path.join(runDir, 'generator'));
    g.dispose();
    const input = path.join(tmp, 'photo.png');
    const data = new Uint8Array(1024 * 768 * 4);
    for (let i = 0; i < data.length; i++) data[i] = i % 4 === 3 ? (i >> 12) & 255 : (i * 7) & 255;
    await saveImage({ data, width: 1024, height: 768, channels: 4 }, input);
    const r = await gankit(
      'upscale',
      input,
      '--run',
      runDir,
      '--backend',
      'cpu',
      '--tile',
      '256',
      '--overlap',
      '4',
    );
    expect(r.err).toBe('');
    expect(r.out.join('\n')).toContain('tile 12/12');
    const out = await loadImage(path.join(tmp, 'photo.x2.png'));
    expect([out.width, out.height, out.channels]).toEqual([2048, 1536, 4]);

    const bad = path.join(tmp, 'broken.png');
    await fs.writeFile(bad, 'not an image');
    const e = await gankit('upscale', bad, '--run', runDir, '--backend', 'cpu');
    expect(e.code).toBe(1);
    expect(e.err).toContain(`${bad} is not a readable image`);

    // a 138-byte PNG that declares 20000x20000 pixels (one compressed row) is refused from its
    // header, before anything is decoded
    const chunk = (type: string, data: Buffer) => {
      const head = Buffer.alloc(8);
      head.writeUInt32BE(data.length, 0);
      head.write(type, 4, 'latin1');
      const crc = Buffer.alloc(4);
      crc.writeUInt32BE(zlib.crc32(Buffer.concat([head.subarray(4), data])), 0);
      return Buffer.concat([head, data, crc]);
    };
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(20000, 0);
    ihdr.writeUInt32BE(20000, 4);
    ihdr.set([8, 2, 0, 0, 0], 8);
    const bomb = path.join(tmp, 'bomb.png');
    await fs.writeFile(
      bomb,
      Buffer.concat([
        Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
        chunk('IHDR', ihdr),
        chunk('IDAT', zlib.deflateSync(Buffer.alloc(1 + 3 * 20000))),
        chunk('IEND', Buffer.alloc(0)),
      ]),
    );
    const huge = await gankit('upscale', bomb, '--run', runDir, '--backend', 'cpu');
    expect(huge.code).toBe(1);
    expect(huge.err).toContain(
      `${bomb} is 20000x20000 (400.0 megapixels), more than the 67.1 megapixels accepted`,
    );
  });
});

describe('gankit conventions', () => {
  /** Runs the CLI in-process, capturing what commander writes to stdout. */
  async function stdoutOf(...args: string[]) {
    let text = '';
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      text += String(chunk);
      return true;
    });
    try {
      return { code: await runCli(['node', 'gankit', ...args]), text };
    } finally {
      write.mockRestore();
    }
  }

  it('prints the version of @gankit/cli for --version and -V', async () => {
    const { version } = JSON.parse(await fs.readFile(new URL('../package.json', import.meta.url), 'utf8'));
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
    expect(await stdoutOf('--version')).toEqual({ code: 0, text: `${version}\n` });
    expect(await stdoutOf('-V')).toEqual({ code: 0, text: `${version}\n` });
  });

  it('shows 2-3 examples in the help of train, resume, sample, upscale and translate, each of which parses', async () => {
    for (const name of ['train', 'resume', 'sample', 'upscale', 'translate']) {
      const { code, text } = await stdoutOf(name, '--help');
      expect(code).toBe(0);
      const examples = text.split('\nExamples:\n')[1]?.trimEnd().split('\n') ?? [];
      expect(examples.length, name).toBeGreaterThanOrEqual(2);
      expect(examples.length, name).toBeLessThanOrEqual(3);
      for (const line of examples) {
        expect(line).toMatch(new RegExp(`^ {2}\\$ gankit ${name} `));
        // the example's flags and values are accepted (the commands themselves not run)
        // split as a shell would: quoted captions stay one argument
        const words = line.replace(/#.*$/, '').match(/"[^"]*"|\S+/g) ?? [];
        const args = words.slice(2).map((w) => w.replace(/^"(.*)"$/, '$1'));
        const program = createProgram();
        for (const cmd of program.commands) cmd.action(() => {});
        await expect(program.parseAsync(['node', 'gankit', ...args]), line).resolves.toBe(program);
      }
    }
  });
});
