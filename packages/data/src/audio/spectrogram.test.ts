import { readFileSync } from 'node:fs';
import { setupBackend } from '@gankit/backend';
import { GanError } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  griffinLim,
  istft,
  logMelSpectrogram,
  type MelOptions,
  melFilterbank,
  melToMagnitude,
  stft,
  stftMagnitude,
} from './spectrogram.js';

interface AudioFixture {
  sampleRate: number;
  fftSize: number;
  hopSize: number;
  melBins: number;
  fMin: number;
  fMax: number;
  signal: number[];
  frameCount: number;
  frames: number[];
  magnitude: number[][];
  filterbank: number[][];
  defaultFilterbank: {
    sampleRate: number;
    fftSize: number;
    hopSize: number;
    melBins: number;
    values: number[][];
  };
  logMel: number[][];
}

// written by test/fixtures/make-audio-fixtures.py (numpy rfft, scipy's Hann window)
const golden = JSON.parse(
  readFileSync(new URL('../../test/fixtures/audio.json', import.meta.url), 'utf8'),
) as AudioFixture;
const mel: MelOptions = {
  sampleRate: golden.sampleRate,
  fftSize: golden.fftSize,
  hopSize: golden.hopSize,
  melBins: golden.melBins,
  fMin: golden.fMin,
  fMax: golden.fMax,
};

beforeAll(async () => {
  await setupBackend({ backend: 'cpu' });
});

/** Runs `fn`, disposes what it returns, and checks that nothing else was left behind. */
function noLeaks<T extends tf.TensorContainer>(fn: () => T, check: (result: T) => void): void {
  const before = tf.memory().numTensors;
  const result = fn();
  try {
    check(result);
  } finally {
    tf.dispose(result);
  }
  expect(tf.memory().numTensors).toBe(before);
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, relative: number): void {
  expect(actual.length).toBe(expected.length);
  let scale = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]!));
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    worst = Math.max(
      worst,
      Math.abs(actual[i]! - expected[i]!) / Math.max(Math.abs(expected[i]!), 1e-3 * scale),
    );
  }
  expect(worst).toBeLessThan(relative);
}

function tones(length: number, sampleRate: number, parts: [number, number][]): Float32Array {
  return Float32Array.from({ length }, (_, i) =>
    parts.reduce((sum, [f, a]) => sum + a * Math.sin((2 * Math.PI * f * i) / sampleRate), 0),
  );
}

function seededNoise(length: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  });
}

function gauge(sig: tf.Tensor1D, fn: (s: tf.Tensor1D) => void): void {
  try {
    fn(sig);
  } finally {
    sig.dispose();
  }
}

describe('stft / stftMagnitude', () => {
  it('matches numpy rfft of centred Hann frames', () => {
    gauge(tf.tensor1d(golden.signal), (signal) => {
      noLeaks(
        () => stftMagnitude(signal, mel),
        (magnitude) => {
          expect(magnitude.shape).toEqual([golden.frameCount, golden.fftSize / 2 + 1]);
          const rows = magnitude.arraySync();
          golden.frames.forEach((frame, i) => {
            expectClose(rows[frame]!, golden.magnitude[i]!, 1e-4);
          });
        },
      );
    });
  });

  it('gives 1 + floor(length / hop) frames and real/imag parts whose modulus is the magnitude', () => {
    gauge(tf.tensor1d(seededNoise(1000, 3)), (signal) => {
      const o = { fftSize: 128, hopSize: 48 };
      const magnitude = stftMagnitude(signal, o);
      noLeaks(
        () => stft(signal, o),
        ({ real, imag }) => {
          expect(real.shape).toEqual([1 + Math.floor(1000 / 48), 65]);
          expect(imag.shape).toEqual(real.shape);
          const modulus = tf.tidy(() => tf.sqrt(tf.add(tf.square(real), tf.square(imag))));
          expectClose(modulus.dataSync(), magnitude.dataSync(), 1e-5);
          modulus.dispose();
          // DC and Nyquist bins of a real signal have no imaginary part
          const im = imag.arraySync();
          for (const row of im) {
            expect(Math.abs(row[0]!)).toBeLessThan(1e-4);
            expect(Math.abs(row[64]!)).toBeLessThan(1e-4);
          }
        },
      );
      magnitude.dispose();
    });
  });

  it('rejects bad options, naming the option and the value', () => {
    gauge(tf.tensor1d([1, 2, 3]), (signal) => {
      const cases: [Parameters<typeof stft>[1], string][] = [
        [{ fftSize: 255, hopSize: 64 }, 'stft: fftSize must be an even positive integer, got 255'],
        [{ fftSize: 0, hopSize: 1 }, 'stft: fftSize must be an even positive integer, got 0'],
        [{ fftSize: 256, hopSize: 0 }, 'stft: hopSize must be a positive integer, got 0'],
        [{ fftSize: 256, hopSize: 2.5 }, 'stft: hopSize must be a positive integer, got 2.5'],
        [{ fftSize: 64, hopSize: 65 }, 'stft: hopSize must be <= fftSize (64), got 65'],
      ];
      for (const [o, message] of cases) {
        const error = (() => {
          try {
            stft(signal, o);
          } catch (e) {
            return e;
          }
        })() as GanError;
        expect(error).toBeInstanceOf(GanError);
        expect(error.code).toBe('INVALID_ARGUMENT');
        expect(error.message).toBe(message);
      }
    });
    const empty = tf.tensor1d([]);
    expect(() => stftMagnitude(empty, { fftSize: 8, hopSize: 2 })).toThrow(
      /stftMagnitude: signal must have at least 1 sample/,
    );
    empty.dispose();
    const matrix = tf.zeros([2, 2]) as unknown as tf.Tensor1D;
    expect(() => stft(matrix, { fftSize: 8, hopSize: 2 })).toThrow(
      /stft: signal must be a 1-D tensor, got rank 2/,
    );
    matrix.dispose();
  });
});

describe('istft', () => {
  it.each([
    { fftSize: 256, hopSize: 64, length: 2000 },
    { fftSize: 128, hopSize: 48, length: 1001 },
    { fftSize: 64, hopSize: 32, length: 640 },
  ])('reconstructs the signal from its STFT (fftSize $fftSize, hop $hopSize, length $length)', (o) => {
    const x = seededNoise(o.length, o.length);
    gauge(tf.tensor1d(x), (signal) => {
      const { real, imag } = stft(signal, o);
      noLeaks(
        () => istft(real, imag, o),
        (y) => {
          expect(y.shape).toEqual([o.length]);
          const back = y.dataSync();
          let worst = 0;
          for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(back[i]! - x[i]!));
          expect(worst).toBeLessThan(1e-4);
        },
      );
      tf.dispose([real, imag]);
    });
  });

  it('returns exactly `length` samples, padding with zeros past the last frame', () => {
    const real = tf.zeros([3, 5]) as tf.Tensor2D;
    const imag = tf.zeros([3, 5]) as tf.Tensor2D;
    noLeaks(
      () => istft(real, imag, { fftSize: 8, hopSize: 4, length: 50 }),
      (y) => expect(y.shape).toEqual([50]),
    );
    expect(() => istft(real, imag, { fftSize: 16, hopSize: 4, length: 8 })).toThrow(
      /istft: real must be a 2-D tensor \[frames >= 1, fftSize \/ 2 \+ 1 = 9\], got \[3, 5\]/,
    );
    expect(() => istft(real, imag, { fftSize: 8, hopSize: 4, length: 0 })).toThrow(
      /istft: length must be a positive integer, got 0/,
    );
    tf.dispose([real, imag]);
  });
});

describe('melFilterbank', () => {
  it('matches the numpy HTK filterbank', () => {
    noLeaks(
      () => melFilterbank(mel),
      (fb) => {
        expect(fb.shape).toEqual([golden.fftSize / 2 + 1, golden.melBins]);
        expectClose(fb.dataSync(), golden.filterbank.flat(), 1e-4);
      },
    );
  });

  it('defaults fMin to 0 and fMax to sampleRate / 2, with triangles peaking at most at 1', () => {
    const d = golden.defaultFilterbank;
    noLeaks(
      () =>
        melFilterbank({
          sampleRate: d.sampleRate,
          fftSize: d.fftSize,
          hopSize: d.hopSize,
          melBins: d.melBins,
        }),
      (fb) => {
        const values = fb.dataSync();
        expectClose(values, d.values.flat(), 1e-4);
        expect(Math.max(...values)).toBeLessThanOrEqual(1);
        expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
      },
    );
  });

  it('rejects bad mel options', () => {
    const base = { sampleRate: 16000, fftSize: 256, hopSize: 64, melBins: 20 };
    expect(() => melFilterbank({ ...base, melBins: 0 })).toThrow(
      'melFilterbank: melBins must be an integer >= 1, got 0',
    );
    expect(() => melFilterbank({ ...base, fMax: 9000 })).toThrow(
      'melFilterbank: fMax must be a finite number <= sampleRate / 2 (8000), got 9000',
    );
    expect(() => melFilterbank({ ...base, fMin: 500, fMax: 400 })).toThrow(
      'melFilterbank: fMin must be < fMax, got fMin 500 and fMax 400',
    );
    expect(() => melFilterbank({ ...base, fMin: -1 })).toThrow(
      'melFilterbank: fMin must be a finite number >= 0, got -1',
    );
    expect(() => melFilterbank({ ...base, sampleRate: 0 })).toThrow(
      'melFilterbank: sampleRate must be a positive number, got 0',
    );
  });
});

describe('logMelSpectrogram / melToMagnitude', () => {
  it('matches the numpy log-mel', () => {
    gauge(tf.tensor1d(golden.signal), (signal) => {
      noLeaks(
        () => logMelSpectrogram(signal, mel),
        (logMel) => {
          expect(logMel.shape).toEqual([golden.frameCount, golden.melBins]);
          const actual = logMel.arraySync();
          // ln differences are relative differences of the mel energies
          let worst = 0;
          golden.logMel.forEach((row, f) => {
            row.forEach((v, m) => {
              worst = Math.max(worst, Math.abs(actual[f]![m]! - v));
            });
          });
          expect(worst).toBeLessThan(1e-4);
        },
      );
    });
  });

  it('floors silence at ln(1e-5)', () => {
    gauge(tf.zeros([500]) as tf.Tensor1D, (signal) => {
      noLeaks(
        () => logMelSpectrogram(signal, mel),
        (logMel) => {
          for (const v of logMel.dataSync()) expect(v).toBeCloseTo(Math.log(1e-5), 5);
        },
      );
    });
  });

  it('inverts the mel step to a magnitude that correlates with the true one', () => {
    gauge(tf.tensor1d(golden.signal), (signal) => {
      const logMel = logMelSpectrogram(signal, mel);
      const truth = stftMagnitude(signal, mel);
      noLeaks(
        () => melToMagnitude(logMel, mel),
        (estimate) => {
          expect(estimate.shape).toEqual(truth.shape);
          const a = estimate.dataSync();
          const b = truth.dataSync();
          expect(Math.min(...a)).toBeGreaterThanOrEqual(0);
          const mean = (v: ArrayLike<number>) => {
            let sum = 0;
            for (let i = 0; i < v.length; i++) sum += v[i]!;
            return sum / v.length;
          };
          const ma = mean(a);
          const mb = mean(b);
          let sab = 0;
          let saa = 0;
          let sbb = 0;
          for (let i = 0; i < a.length; i++) {
            sab += (a[i]! - ma) * (b[i]! - mb);
            saa += (a[i]! - ma) ** 2;
            sbb += (b[i]! - mb) ** 2;
          }
          expect(sab / Math.sqrt(saa * sbb)).toBeGreaterThan(0.8);
        },
      );
      // the cached pseudo-inverse gives the same answer the second time
      const again = melToMagnitude(logMel, mel);
      const first = melToMagnitude(logMel, mel);
      expect(again.dataSync()).toEqual(first.dataSync());
      tf.dispose([logMel, truth, again, first]);
    });
  });

  it('rejects a log-mel of the wrong width', () => {
    const wrong = tf.zeros([4, 7]) as tf.Tensor2D;
    expect(() => melToMagnitude(wrong, mel)).toThrow(
      'melToMagnitude: logMel must be a 2-D tensor [frames, melBins = 20], got [4, 7]',
    );
    wrong.dispose();
  });
});

describe('griffinLim', () => {
  const o = { fftSize: 256, hopSize: 64 };
  const length = 4000;

  function spectralConvergence(target: tf.Tensor2D, y: tf.Tensor1D): number {
    return tf.tidy(() => {
      const rebuilt = stftMagnitude(y, o);
      return tf.div(tf.norm(tf.sub(target, rebuilt)), tf.norm(target)).dataSync()[0]!;
    });
  }

  it('recovers a two-tone signal to a spectral convergence below 0.1, better than one iteration', () => {
    gauge(
      tf.tensor1d(
        tones(length, 16000, [
          [440, 0.6],
          [1250, 0.3],
        ]),
      ),
      (signal) => {
        const magnitude = stftMagnitude(signal, o);
        let full = 1;
        noLeaks(
          () => griffinLim(magnitude, { ...o, length }),
          (y) => {
            expect(y.shape).toEqual([length]);
            full = spectralConvergence(magnitude, y);
          },
        );
        const one = griffinLim(magnitude, { ...o, length, iterations: 1 });
        const single = spectralConvergence(magnitude, one);
        expect(full).toBeLessThan(0.1);
        expect(full).toBeLessThan(single);
        // seeded: the same options give the same waveform
        const a = griffinLim(magnitude, { ...o, length, iterations: 3, seed: 5 });
        const b = griffinLim(magnitude, { ...o, length, iterations: 3, seed: 5 });
        expect(a.dataSync()).toEqual(b.dataSync());
        tf.dispose([magnitude, one, a, b]);
      },
    );
  });

  it('rejects a magnitude whose frame count does not fit the length', () => {
    const magnitude = tf.ones([10, 129]) as tf.Tensor2D;
    expect(() => griffinLim(magnitude, { ...o, length })).toThrow(
      'griffinLim: magnitude has 10 frames, but length 4000 with hopSize 64 gives 63',
    );
    expect(() => griffinLim(magnitude, { ...o, length: 600, iterations: -1 })).toThrow(
      'griffinLim: iterations must be an integer >= 0, got -1',
    );
    magnitude.dispose();
  });
});
