import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadImage, readWav, writeWav } from '@gankit/data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { presetConfig, resume, sampleRun, train, translateFiles } from '../index.js';
import { corpusSentences, makeSentences } from './corpus.js';

// A voice-conversion run end to end at toy size (espeak-ng speaks a tiny corpus): both
// translators and the speaker classifier saved, the end-of-run scores, the spectrogram grid
// with its WAVs, translation of a stereo 44.1 kHz WAV and back, and exact resume.
const tiny = (steps: number) =>
  presetConfig('cyclegan-voice', {
    steps,
    backend: 'cpu',
    set: [
      'data.sentences=3',
      'data.parallelSentences=2',
      'audio.sampleRate=8000',
      'audio.fMax=4000',
      'audio.fftSize=128',
      'audio.hopSize=32',
      'audio.melBins=16',
      'audio.griffinLimIterations=4',
      'model.segmentFrames=16',
      'model.generatorFilters=4',
      'model.residualBlocks=1',
      'model.discriminatorFilters=4',
      'model.discriminatorLayers=2',
      'speakerClassifierSteps=3',
      'training.batchSize=2',
      'training.decayStart=2',
      'poolSize=4',
      'output.checkpointEvery=2',
    ],
  });

let tmp: string;
let runDir: string;
let evaluation: Record<string, unknown>;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'gankit-voice-'));
  runDir = path.join(tmp, 'run');
  evaluation = (await train(tiny(4), { out: runDir })).evaluation;
}, 300_000);
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('voice-conversion corpus', () => {
  it('draws distinct seeded sentences, and the two voices train on different ones', () => {
    const a = makeSentences(50, 3);
    expect(new Set(a).size).toBe(50);
    expect(makeSentences(50, 3)).toEqual(a);
    expect(makeSentences(50, 4)).not.toEqual(a);
    const s = corpusSentences({
      dir: 'espeak',
      voiceA: { name: 'en' },
      voiceB: { name: 'en' },
      sentences: 20,
      parallelSentences: 5,
      seed: 0,
    });
    const all = [...s.a, ...s.b, ...s.parallel];
    expect(new Set(all).size).toBe(45);
    expect(() => makeSentences(10 ** 6, 0)).toThrow(/makeSentences: the grammar makes \d+ sentences/);
  });
});

describe('voice-conversion family', () => {
  it('saves G, F and the speaker classifier and scores both directions on the parallel pairs', () => {
    for (const dir of ['generator', 'generator-ba', 'speaker-classifier']) {
      expect(existsSync(path.join(runDir, dir, 'model.json')), dir).toBe(true);
    }
    const conversion = evaluation.conversion as Record<string, Record<string, number>>;
    const accuracy = conversion.speakerClassifierAccuracy as unknown as number;
    expect(accuracy).toBeGreaterThanOrEqual(0);
    expect(accuracy).toBeLessThanOrEqual(1);
    for (const direction of ['a2b', 'b2a']) {
      const scores = conversion[direction]!;
      expect(scores.pairs).toBe(2);
      for (const key of ['mcd', 'sourceMcd', 'vocoderMcd']) {
        expect(Number.isFinite(scores[key]), key).toBe(true);
        expect(scores[key]).toBeGreaterThan(0);
      }
      expect(scores.calledTarget).toBeGreaterThanOrEqual(0);
      expect(scores.calledTarget).toBeLessThanOrEqual(1);
    }
  });

  it('samples spectrogram rows with the WAVs beside them', async () => {
    const out = await sampleRun(runDir, { n: 1, seed: 0, out: path.join(tmp, 'voice.png'), backend: 'cpu' });
    const grid = await loadImage(out);
    // 2 rows of 3 spectrograms, 16 bins x 128 frames at scale 2
    expect(grid.width).toBeGreaterThan(3 * 256);
    expect(grid.height).toBeGreaterThan(2 * 32);
    for (const name of ['a', 'a2b', 'b', 'b2a']) {
      const clip = await readWav(path.join(tmp, `voice-0-${name}.wav`));
      expect(clip.sampleRate).toBe(8000);
      expect(clip.channels[0]!.length).toBeGreaterThan(4000);
    }
  });

  it('converts a stereo 44.1 kHz WAV and writes it back at 44.1 kHz in stereo', async () => {
    const rate = 44100;
    const n = rate; // 1 s
    const left = Float32Array.from({ length: n }, (_, i) => 0.3 * Math.sin((2 * Math.PI * 220 * i) / rate));
    const input = path.join(tmp, 'tone.wav');
    await writeWav(input, { sampleRate: rate, channels: [left, left.map((v) => v * 0.5)] });
    const target = path.join(tmp, 'converted.wav');
    const [written] = await translateFiles(runDir, [input], { out: target, backend: 'cpu' });
    expect(written).toBe(target);
    const clip = await readWav(target);
    expect(clip.sampleRate).toBe(rate);
    expect(clip.channels.length).toBe(2);
    expect(Math.abs(clip.channels[0]!.length - n)).toBeLessThan(rate / 100);
    // several inputs go into a folder, named by direction
    const [other] = await translateFiles(runDir, [input, input], {
      direction: 'b2a',
      out: path.join(tmp, 'many'),
      backend: 'cpu',
    });
    expect(other).toBe(path.join(tmp, 'many', 'tone.b2a.wav'));
  });

  it('refuses audio it cannot convert, naming the file', async () => {
    const short = path.join(tmp, 'short.wav');
    await writeWav(short, { sampleRate: 16000, channels: [new Float32Array(100)] });
    await expect(translateFiles(runDir, [short], { out: tmp, backend: 'cpu' })).rejects.toThrow(
      /translate: .*short\.wav holds 0\.006 s of sound; at least 128 samples at 8000 Hz/,
    );
    const notWav = path.join(tmp, 'not.wav');
    await fs.writeFile(notWav, 'hello');
    await expect(translateFiles(runDir, [notWav], { out: tmp, backend: 'cpu' })).rejects.toThrow(/not\.wav/);
  });

  it('resumes exactly', async () => {
    const split = path.join(tmp, 'split');
    await train(tiny(2), { out: split });
    await resume(split, { steps: 2 });
    const weights = (dir: string, net: string) => fs.readFile(path.join(dir, net, 'weights.bin'));
    for (const net of ['generator', 'generator-ba']) {
      expect(Buffer.compare(await weights(split, net), await weights(runDir, net)), net).toBe(0);
    }
  }, 300_000);

  it('refuses segment lengths the networks cannot take, naming the path', () => {
    expect(() => presetConfig('cyclegan-voice', { set: ['model.segmentFrames=30'] })).toThrow(
      /model\.segmentFrames: must be a multiple of 8/,
    );
    expect(() => presetConfig('cyclegan-voice', { set: ['audio.ceiling=-20'] })).toThrow(
      /audio\.ceiling: must be above floor/,
    );
  });
});
