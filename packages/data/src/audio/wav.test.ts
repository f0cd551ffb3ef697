import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GanError } from '@gankit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as wavefileModule from 'wavefile';
import { type AudioClip, decodeWav, encodeWav, readWav, resample, toMono, writeWav } from './wav.js';

type WaveFileClass = new () => InstanceType<typeof wavefileModule.WaveFile>;
const WaveFile: WaveFileClass =
  (wavefileModule as unknown as { WaveFile?: WaveFileClass }).WaveFile ??
  (wavefileModule as unknown as { default: { WaveFile: WaveFileClass } }).default.WaveFile;

/** A WAV file made by wavefile itself, the reference encoder. */
function wavBytes(
  channels: number,
  sampleRate: number,
  depth: string,
  samples: number[][] | number[],
): Uint8Array {
  const wav = new WaveFile();
  wav.fromScratch(channels, sampleRate, depth, samples);
  return wav.toBuffer();
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gankit-wav-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function rejection(promise: Promise<unknown>): Promise<GanError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GanError);
  return error as GanError;
}

function thrown(fn: () => unknown): GanError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(GanError);
    return e as GanError;
  }
  throw new Error('expected a GanError');
}

describe('decodeWav / encodeWav', () => {
  it('round-trips 16-bit mono exactly at 16-bit resolution', () => {
    const ints = [0, 1, -1, 12345, -32768, 32767, -20000];
    const clip = decodeWav(wavBytes(1, 16000, '16', ints));
    expect(clip.sampleRate).toBe(16000);
    expect(clip.channels).toHaveLength(1);
    expect(Array.from(clip.channels[0]!)).toEqual(ints.map((v) => Math.fround(v / 32768)));
    const back = decodeWav(encodeWav(clip));
    expect(back).toEqual(clip);
  });

  it('decodes 32-bit float stereo exactly and re-encodes it as 16-bit', () => {
    const left = [0, 0.5, -0.25, 0.999, -1, 0.123456];
    const right = [1, -0.5, 0.75, 0, 0.3, -0.7];
    const clip = decodeWav(wavBytes(2, 44100, '32f', [left, right]));
    expect(clip.sampleRate).toBe(44100);
    expect(Array.from(clip.channels[0]!)).toEqual(left.map(Math.fround));
    expect(Array.from(clip.channels[1]!)).toEqual(right.map(Math.fround));
    const back = decodeWav(encodeWav(clip));
    expect(back.channels).toHaveLength(2);
    for (const c of [0, 1]) {
      back.channels[c]!.forEach((v, i) => {
        // rounding costs half a step; +1 has no 16-bit code and becomes 32767 / 32768
        const step = clip.channels[c]![i] === 1 ? 1 / 32768 : 0.5 / 32768;
        expect(Math.abs(v - clip.channels[c]![i]!)).toBeLessThanOrEqual(step + 1e-9);
      });
    }
  });

  it('decodes 24-bit stereo, 32-bit integer and 8-bit unsigned PCM', () => {
    const left = [0, 8388607, -8388608, 4194304, -1];
    const right = [100, -100, 2000000, -3000000, 7];
    const clip24 = decodeWav(wavBytes(2, 48000, '24', [left, right]));
    expect(clip24.sampleRate).toBe(48000);
    expect(Array.from(clip24.channels[0]!)).toEqual(left.map((v) => Math.fround(v / 2 ** 23)));
    expect(Array.from(clip24.channels[1]!)).toEqual(right.map((v) => Math.fround(v / 2 ** 23)));
    const back24 = decodeWav(encodeWav(clip24));
    expect(back24.channels.map((c) => c.length)).toEqual([5, 5]);
    expect(Math.abs(back24.channels[1]![2]! - 2000000 / 2 ** 23)).toBeLessThan(1 / 32768);

    const ints32 = [0, 2 ** 30, -(2 ** 31), 2 ** 31 - 1];
    expect(Array.from(decodeWav(wavBytes(1, 8000, '32', ints32)).channels[0]!)).toEqual(
      ints32.map((v) => Math.fround(v / 2 ** 31)),
    );
    const bytes8 = [0, 64, 128, 192, 255];
    expect(Array.from(decodeWav(wavBytes(1, 8000, '8', bytes8)).channels[0]!)).toEqual(
      bytes8.map((v) => (v - 128) / 128),
    );
  });

  it('writes a standard 16-bit PCM header and clips out-of-range samples', () => {
    const bytes = encodeWav({ sampleRate: 22050, channels: [new Float32Array([2, -2, Number.NaN, 0.5])] });
    expect(bytes.length).toBe(44 + 8);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    expect(String.fromCharCode(...bytes.subarray(0, 4))).toBe('RIFF');
    expect(view.getUint16(20, true)).toBe(1); // PCM
    expect(view.getUint16(22, true)).toBe(1); // channels
    expect(view.getUint32(24, true)).toBe(22050);
    expect(view.getUint16(34, true)).toBe(16);
    expect([0, 1, 2, 3].map((i) => view.getInt16(44 + 2 * i, true))).toEqual([32767, -32768, 0, 16384]);
  });

  it('rejects clips it cannot encode', () => {
    const mismatched = thrown(() =>
      encodeWav({ sampleRate: 8000, channels: [new Float32Array(3), new Float32Array(4)] }),
    );
    expect(mismatched.code).toBe('INVALID_DATA');
    expect(mismatched.message).toBe(
      'encodeWav: the clip channels must have the same length; channel 0 has 3 samples, channel 1 has 4',
    );
    expect(thrown(() => encodeWav({ sampleRate: 0, channels: [new Float32Array(3)] })).message).toBe(
      'encodeWav: the clip sampleRate must be a positive integer, got 0',
    );
    expect(thrown(() => encodeWav({ sampleRate: 8000, channels: [] })).code).toBe('INVALID_DATA');
    expect(thrown(() => encodeWav({ sampleRate: 8000, channels: [new Float32Array(0)] })).message).toBe(
      'encodeWav: the clip has no samples',
    );
  });

  it('rejects encodings other than PCM and float', () => {
    const wav = new WaveFile();
    wav.fromScratch(1, 8000, '16', [0, 1000, -1000, 30000]);
    wav.toALaw();
    const error = thrown(() => decodeWav(wav.toBuffer(), 'alaw.wav'));
    expect(error.code).toBe('INVALID_DATA');
    expect(error.message).toMatch(/^decodeWav: alaw\.wav uses an unsupported encoding \(format 6, 8 bits\)/);
  });
});

describe('readWav / writeWav', () => {
  it('round-trips a stereo clip through a file, atomically', async () => {
    const clip: AudioClip = {
      sampleRate: 16000,
      channels: [
        Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i / 10) * 0.8),
        Float32Array.from({ length: 1000 }, (_, i) => Math.cos(i / 7) * 0.3),
      ],
    };
    const file = join(dir, 'nested', 'stereo.wav');
    await writeWav(file, clip);
    expect((await readdir(join(dir, 'nested'))).filter((name) => name.includes('.tmp-'))).toEqual([]);
    const back = await readWav(file);
    expect(back.sampleRate).toBe(16000);
    expect(back.channels).toHaveLength(2);
    for (const c of [0, 1]) {
      let worst = 0;
      back.channels[c]!.forEach((v, i) => {
        worst = Math.max(worst, Math.abs(v - clip.channels[c]![i]!));
      });
      expect(worst).toBeLessThanOrEqual(0.5 / 32768 + 1e-7);
    }
  });

  it('reports a missing file as IO_ERROR', async () => {
    const file = join(dir, 'missing.wav');
    const error = await rejection(readWav(file));
    expect(error.code).toBe('IO_ERROR');
    expect(error.message).toMatch(
      new RegExp(`^readWav: could not read ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`),
    );
  });

  it('reports a PNG, garbage bytes and an empty WAV as INVALID_DATA, naming the file', async () => {
    const png = join(dir, 'image.wav');
    await writeFile(
      png,
      new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 73, 72, 68, 82]),
    );
    const pngError = await rejection(readWav(png));
    expect(pngError.code).toBe('INVALID_DATA');
    expect(pngError.message).toBe(`readWav: ${png} is not a WAV file (no RIFF header)`);

    const garbage = join(dir, 'garbage.wav');
    await writeFile(garbage, new Uint8Array([82, 73, 70, 70, 1, 2, 3, 4, 87, 65, 86, 69, 9, 9, 9]));
    const garbageError = await rejection(readWav(garbage));
    expect(garbageError.code).toBe('INVALID_DATA');
    expect(garbageError.message).toMatch(/^readWav: .*garbage\.wav is not a readable WAV file/);

    const empty = join(dir, 'empty.wav');
    await writeFile(empty, wavBytes(1, 16000, '16', []));
    const emptyError = await rejection(readWav(empty));
    expect(emptyError.code).toBe('INVALID_DATA');
    expect(emptyError.message).toBe(`readWav: ${empty} has no samples`);
  });

  it('rejects a clip with mismatched channels before writing anything', async () => {
    const file = join(dir, 'bad.wav');
    const error = await rejection(
      writeWav(file, { sampleRate: 8000, channels: [new Float32Array(2), new Float32Array(1)] }),
    );
    expect(error.code).toBe('INVALID_DATA');
    expect(error.message).toContain(`writeWav: the clip for ${file} channels must have the same length`);
    expect(await readdir(dir)).not.toContain('bad.wav');
  });
});

describe('toMono', () => {
  it('averages the channels', () => {
    const mono = toMono({
      sampleRate: 8000,
      channels: [
        new Float32Array([1, 0.5, -1]),
        new Float32Array([0, 0.5, 0]),
        new Float32Array([0.5, -1, 1]),
      ],
    });
    expect(Array.from(mono)).toEqual([0.5, 0, 0].map(Math.fround));
    const single = new Float32Array([0.25, -0.5]);
    expect(toMono({ sampleRate: 8000, channels: [single] })).toEqual(single);
    expect(
      thrown(() => toMono({ sampleRate: 8000, channels: [new Float32Array(1), new Float32Array(2)] })).code,
    ).toBe('INVALID_DATA');
  });
});

describe('resample', () => {
  function sine(length: number, rate: number, freq: number, amplitude: number): Float32Array {
    return Float32Array.from({ length }, (_, i) => amplitude * Math.sin((2 * Math.PI * freq * i) / rate));
  }

  /** Frequency of the largest DFT bin, searched in 1 Hz steps around the expected frequency. */
  function peakFrequency(x: Float32Array, rate: number, lo: number, hi: number): number {
    let best = 0;
    let bestPower = -1;
    for (let f = lo; f <= hi; f += 1) {
      let re = 0;
      let im = 0;
      for (let i = 0; i < x.length; i++) {
        re += x[i]! * Math.cos((2 * Math.PI * f * i) / rate);
        im -= x[i]! * Math.sin((2 * Math.PI * f * i) / rate);
      }
      if (re * re + im * im > bestPower) {
        bestPower = re * re + im * im;
        best = f;
      }
    }
    return best;
  }

  function middleAmplitude(x: Float32Array): number {
    const part = x.subarray(Math.floor(x.length * 0.2), Math.floor(x.length * 0.8));
    let sum = 0;
    for (const v of part) sum += v * v;
    return Math.sqrt((2 * sum) / part.length);
  }

  it('keeps the frequency and amplitude of a 1 kHz sine from 22050 Hz to 16000 Hz', () => {
    const x = sine(22050, 22050, 1000, 0.7);
    const y = resample(x, 22050, 16000);
    expect(y.length).toBe(16000);
    expect(peakFrequency(y, 16000, 900, 1100)).toBe(1000);
    expect(Math.abs(middleAmplitude(y) / 0.7 - 1)).toBeLessThan(0.02);
  });

  it('upsamples too, and removes what the lower rate cannot hold when downsampling', () => {
    const x = sine(8000, 8000, 440, 0.5);
    const up = resample(x, 8000, 11025);
    expect(up.length).toBe(11025);
    expect(peakFrequency(up, 11025, 400, 480)).toBe(440);
    expect(Math.abs(middleAmplitude(up) / 0.5 - 1)).toBeLessThan(0.02);
    // 7 kHz at 22050 Hz is above the 4 kHz Nyquist frequency of 8000 Hz: it must not alias to 1 kHz
    const high = resample(sine(22050, 22050, 7000, 0.5), 22050, 8000);
    expect(high.length).toBe(8000);
    expect(middleAmplitude(high)).toBeLessThan(0.005);
  });

  it('is the identity when the rates agree, and rejects non-positive rates', () => {
    const x = sine(100, 8000, 300, 1);
    const same = resample(x, 8000, 8000);
    expect(same).toEqual(x);
    expect(same).not.toBe(x);
    const error = thrown(() => resample(x, 0, 8000));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toBe('resample: from must be a positive sample rate, got 0');
    expect(thrown(() => resample(x, 8000, -1)).message).toBe(
      'resample: to must be a positive sample rate, got -1',
    );
  });
});
