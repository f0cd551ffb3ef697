import { GanError, SeededRandom } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';
import { Matrix, pseudoInverse } from 'ml-matrix';

/**
 * Short-time Fourier transform settings.
 * @category Audio
 */
export interface StftOptions {
  /** Frame length and DFT size in samples: an even positive integer. */
  fftSize: number;
  /** Samples between the starts of consecutive frames: a positive integer <= fftSize. */
  hopSize: number;
}

/**
 * Mel spectrogram settings.
 * @category Audio
 */
export interface MelOptions extends StftOptions {
  /** Sample rate of the signal in Hz. */
  sampleRate: number;
  /** Number of mel bands, >= 1. */
  melBins: number;
  /** Lowest frequency of the filterbank in Hz (default 0). */
  fMin?: number;
  /** Highest frequency of the filterbank in Hz (default sampleRate / 2). */
  fMax?: number;
}

/**
 * Griffin-Lim settings.
 * @category Audio
 */
export interface GriffinLimOptions extends StftOptions {
  /** Length of the signal to rebuild, in samples. */
  length: number;
  /** Number of iterations (default 60). */
  iterations?: number;
  /** Momentum of fast Griffin-Lim, in [0, 1) for stability (default 0.99; 0 is plain Griffin-Lim). */
  momentum?: number;
  /** Seed of the generator that draws the initial phases (default 0). */
  seed?: number;
}

function invalid(fn: string, message: string): GanError {
  return new GanError('INVALID_ARGUMENT', `${fn}: ${message}`);
}

function checkStft(fn: string, o: StftOptions): void {
  if (typeof o !== 'object' || o === null) throw invalid(fn, `options must be an object, got ${String(o)}`);
  const { fftSize, hopSize } = o;
  if (!Number.isInteger(fftSize) || fftSize < 2 || fftSize % 2 !== 0) {
    throw invalid(fn, `fftSize must be an even positive integer, got ${String(fftSize)}`);
  }
  if (!Number.isInteger(hopSize) || hopSize < 1) {
    throw invalid(fn, `hopSize must be a positive integer, got ${String(hopSize)}`);
  }
  if (hopSize > fftSize) throw invalid(fn, `hopSize must be <= fftSize (${fftSize}), got ${hopSize}`);
}

interface MelSettings {
  fftSize: number;
  sampleRate: number;
  melBins: number;
  fMin: number;
  fMax: number;
}

function checkMel(fn: string, o: MelOptions): MelSettings {
  checkStft(fn, o);
  const { sampleRate, melBins } = o;
  if (typeof sampleRate !== 'number' || !Number.isFinite(sampleRate) || sampleRate <= 0) {
    throw invalid(fn, `sampleRate must be a positive number, got ${String(sampleRate)}`);
  }
  if (!Number.isInteger(melBins) || melBins < 1) {
    throw invalid(fn, `melBins must be an integer >= 1, got ${String(melBins)}`);
  }
  const fMin = o.fMin ?? 0;
  const fMax = o.fMax ?? sampleRate / 2;
  if (typeof fMin !== 'number' || !Number.isFinite(fMin) || fMin < 0) {
    throw invalid(fn, `fMin must be a finite number >= 0, got ${String(fMin)}`);
  }
  if (typeof fMax !== 'number' || !Number.isFinite(fMax) || fMax > sampleRate / 2) {
    throw invalid(
      fn,
      `fMax must be a finite number <= sampleRate / 2 (${sampleRate / 2}), got ${String(fMax)}`,
    );
  }
  if (fMin >= fMax) throw invalid(fn, `fMin must be < fMax, got fMin ${fMin} and fMax ${fMax}`);
  return { fftSize: o.fftSize, sampleRate, melBins, fMin, fMax };
}

function checkSignal(fn: string, signal: tf.Tensor1D): void {
  if (!(signal instanceof tf.Tensor) || signal.rank !== 1) {
    throw invalid(
      fn,
      `signal must be a 1-D tensor, got ${signal instanceof tf.Tensor ? `rank ${signal.rank}` : String(signal)}`,
    );
  }
  if (signal.size < 1) throw invalid(fn, 'signal must have at least 1 sample for one frame, got 0');
}

function checkSpectrum(fn: string, name: string, t: tf.Tensor2D, bins: number): void {
  if (!(t instanceof tf.Tensor) || t.rank !== 2 || t.shape[1] !== bins || t.shape[0] < 1) {
    throw invalid(
      fn,
      `${name} must be a 2-D tensor [frames >= 1, fftSize / 2 + 1 = ${bins}], got ${t instanceof tf.Tensor ? `[${t.shape.join(', ')}]` : String(t)}`,
    );
  }
}

/** The fixed tensors of one fftSize: window and forward/inverse real-DFT bases. */
interface Dft {
  n: number;
  bins: number;
  window: tf.Tensor1D;
  /** [n, bins]: cos(2 pi k t / n) */
  cos: tf.Tensor2D;
  /** [n, bins]: -sin(2 pi k t / n), so frames @ sin is the imaginary part */
  sin: tf.Tensor2D;
  /** [bins, n]: c_k cos(2 pi k t / n) / n, c_k = 1 at DC and Nyquist, 2 elsewhere */
  icos: tf.Tensor2D;
  /** [bins, n]: -c_k sin(2 pi k t / n) / n */
  isin: tf.Tensor2D;
}

/** Builds the DFT tensors; the caller disposes them (or calls this inside tf.tidy). */
function makeDft(n: number): Dft {
  const bins = n / 2 + 1;
  const cos = new Float32Array(n * bins);
  const sin = new Float32Array(n * bins);
  const icos = new Float32Array(bins * n);
  const isin = new Float32Array(bins * n);
  for (let t = 0; t < n; t++) {
    for (let k = 0; k < bins; k++) {
      // (k * t) mod n keeps the angle small and exact
      const angle = (2 * Math.PI * ((k * t) % n)) / n;
      const c = Math.cos(angle);
      const s = Math.sin(angle);
      cos[t * bins + k] = c;
      sin[t * bins + k] = -s;
      const weight = (k === 0 || k === n / 2 ? 1 : 2) / n;
      icos[k * n + t] = weight * c;
      isin[k * n + t] = -weight * s;
    }
  }
  return {
    n,
    bins,
    window: tf.tidy(() => tf.signal.hannWindow(n)),
    cos: tf.tensor2d(cos, [n, bins]),
    sin: tf.tensor2d(sin, [n, bins]),
    icos: tf.tensor2d(icos, [bins, n]),
    isin: tf.tensor2d(isin, [bins, n]),
  };
}

function disposeDft(d: Dft): void {
  tf.dispose([d.window, d.cos, d.sin, d.icos, d.isin]);
}

/** Centred, windowed STFT; call inside tf.tidy. */
function stftWith(d: Dft, signal: tf.Tensor1D, hop: number): { real: tf.Tensor2D; imag: tf.Tensor2D } {
  const half = d.n / 2;
  const padded = tf.pad(signal, [[half, half]]);
  const frames = tf.mul(tf.signal.frame(padded, d.n, hop), d.window) as tf.Tensor2D;
  return { real: tf.matMul(frames, d.cos), imag: tf.matMul(frames, d.sin) };
}

/** Sum over frames of the squared window at each output sample, for `frames` frames. */
function windowSquareSum(n: number, hop: number, frames: number): Float32Array {
  const total = (frames - 1) * hop + n;
  const sum = new Float64Array(total);
  for (let t = 0; t < n; t++) {
    // periodic Hann, as tf.signal.hannWindow gives for even n
    const w = 0.5 - 0.5 * Math.cos((2 * Math.PI * t) / n);
    for (let f = 0; f < frames; f++) sum[f * hop + t]! += w * w;
  }
  return Float32Array.from(sum, (v) => (v > 1e-10 ? 1 / v : 1));
}

/** Windowed overlap-add inverse; call inside tf.tidy. */
function istftWith(d: Dft, real: tf.Tensor2D, imag: tf.Tensor2D, hop: number, length: number): tf.Tensor1D {
  const { n } = d;
  const frames = real.shape[0];
  const time = tf.mul(tf.add(tf.matMul(real, d.icos), tf.matMul(imag, d.isin)), d.window) as tf.Tensor2D;
  // overlap-add without scatter: cut each frame into r chunks of hop samples; chunk j of frame f
  // lands on output block f + j
  const r = Math.ceil(n / hop);
  const chunks = tf.reshape(
    tf.pad(time, [
      [0, 0],
      [0, r * hop - n],
    ]),
    [frames, r, hop],
  ) as tf.Tensor3D;
  let blocks: tf.Tensor2D | undefined;
  for (let j = 0; j < r; j++) {
    const chunk = tf.reshape(tf.slice(chunks, [0, j, 0], [frames, 1, hop]), [frames, hop]) as tf.Tensor2D;
    const shifted = tf.pad(chunk, [
      [j, r - 1 - j],
      [0, 0],
    ]) as tf.Tensor2D;
    blocks = blocks ? (tf.add(blocks, shifted) as tf.Tensor2D) : shifted;
  }
  const olaLength = (frames - 1) * hop + n;
  const summed = tf.slice(tf.reshape(blocks as tf.Tensor2D, [-1]), 0, olaLength) as tf.Tensor1D;
  const normalised: tf.Tensor1D = tf.mul(summed, tf.tensor1d(windowSquareSum(n, hop, frames)));
  const half = n / 2;
  const available = olaLength - half;
  if (available >= length) return tf.slice(normalised, half, length);
  return tf.pad(tf.slice(normalised, half, available), [[0, length - available]]);
}

/**
 * Short-time Fourier transform of a signal: centred frames (the signal zero-padded by fftSize / 2
 * at both ends, 1 + floor(length / hopSize) frames), a periodic Hann window, and a real DFT
 * computed as a product with fixed cosine and sine bases, so it runs on every backend.
 *
 * @param signal - the samples, a 1-D tensor of at least one sample
 * @param o - fftSize (even) and hopSize (<= fftSize)
 * @returns the real and imaginary parts, each [frames, fftSize / 2 + 1]; the caller disposes both
 * @throws GanError `INVALID_ARGUMENT` when an option is out of range or the signal is not 1-D or empty
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { stft } from '@gankit/data';
 * const { real, imag } = stft(tf.randomNormal([1000]), { fftSize: 256, hopSize: 64 });
 * console.log(real.shape); // [16, 129]
 * tf.dispose([real, imag]);
 * ```
 * @category Audio
 */
export function stft(signal: tf.Tensor1D, o: StftOptions): { real: tf.Tensor2D; imag: tf.Tensor2D } {
  checkStft('stft', o);
  checkSignal('stft', signal);
  return tf.tidy(() => {
    const d = makeDft(o.fftSize);
    return stftWith(d, tf.cast(signal, 'float32') as tf.Tensor1D, o.hopSize);
  });
}

/**
 * Magnitude of the short-time Fourier transform, |STFT| (see {@link stft} for the framing).
 *
 * @param signal - the samples, a 1-D tensor of at least one sample
 * @param o - fftSize (even) and hopSize (<= fftSize)
 * @returns the magnitude, [frames, fftSize / 2 + 1]; the caller disposes it
 * @throws GanError `INVALID_ARGUMENT` when an option is out of range or the signal is not 1-D or empty
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { stftMagnitude } from '@gankit/data';
 * const magnitude = stftMagnitude(tf.randomNormal([1000]), { fftSize: 256, hopSize: 64 });
 * console.log(magnitude.shape); // [16, 129]
 * magnitude.dispose();
 * ```
 * @category Audio
 */
export function stftMagnitude(signal: tf.Tensor1D, o: StftOptions): tf.Tensor2D {
  checkStft('stftMagnitude', o);
  checkSignal('stftMagnitude', signal);
  return tf.tidy(() => {
    const d = makeDft(o.fftSize);
    const { real, imag } = stftWith(d, tf.cast(signal, 'float32') as tf.Tensor1D, o.hopSize);
    return tf.sqrt(tf.add(tf.square(real), tf.square(imag))) as tf.Tensor2D;
  });
}

/**
 * Inverse of {@link stft}: inverse real DFT of each frame, windowed overlap-add divided by the
 * summed squared window, the centring padding removed. `istft(stft(x))` gives back `x`.
 *
 * @param real - real part, [frames, fftSize / 2 + 1]
 * @param imag - imaginary part, the same shape
 * @param o - fftSize, hopSize and the `length` of the signal to return
 * @returns exactly `length` samples (zero-padded if the frames cover fewer); the caller disposes it
 * @throws GanError `INVALID_ARGUMENT` when an option is out of range or the parts have the wrong shapes
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { istft, stft } from '@gankit/data';
 * const x = tf.randomNormal([1000]) as tf.Tensor1D;
 * const { real, imag } = stft(x, { fftSize: 256, hopSize: 64 });
 * const y = istft(real, imag, { fftSize: 256, hopSize: 64, length: 1000 });
 * console.log((await tf.max(tf.abs(tf.sub(x, y))).data())[0]! < 1e-4); // true
 * ```
 * @category Audio
 */
export function istft(
  real: tf.Tensor2D,
  imag: tf.Tensor2D,
  o: StftOptions & { length: number },
): tf.Tensor1D {
  checkStft('istft', o);
  const bins = o.fftSize / 2 + 1;
  checkSpectrum('istft', 'real', real, bins);
  checkSpectrum('istft', 'imag', imag, bins);
  if (imag.shape[0] !== real.shape[0]) {
    throw invalid(
      'istft',
      `imag must have the shape of real [${real.shape.join(', ')}], got [${imag.shape.join(', ')}]`,
    );
  }
  if (!Number.isInteger(o.length) || o.length < 1) {
    throw invalid('istft', `length must be a positive integer, got ${String(o.length)}`);
  }
  return tf.tidy(() => {
    const d = makeDft(o.fftSize);
    return istftWith(
      d,
      tf.cast(real, 'float32') as tf.Tensor2D,
      tf.cast(imag, 'float32') as tf.Tensor2D,
      o.hopSize,
      o.length,
    );
  });
}

function hzToMel(f: number): number {
  return 2595 * Math.log10(1 + f / 700);
}

function melToHz(m: number): number {
  return 700 * (10 ** (m / 2595) - 1);
}

/** The filterbank as a row-major [bins, melBins] array of float64. */
function filterbankValues(s: MelSettings): Float64Array {
  const bins = s.fftSize / 2 + 1;
  const { melBins } = s;
  const lo = hzToMel(s.fMin);
  const hi = hzToMel(s.fMax);
  const points = Array.from({ length: melBins + 2 }, (_, i) => melToHz(lo + ((hi - lo) * i) / (melBins + 1)));
  const out = new Float64Array(bins * melBins);
  for (let k = 0; k < bins; k++) {
    const f = (k * s.sampleRate) / s.fftSize;
    for (let m = 0; m < melBins; m++) {
      const left = points[m]!;
      const centre = points[m + 1]!;
      const right = points[m + 2]!;
      const rising = (f - left) / (centre - left);
      const falling = (right - f) / (right - centre);
      out[k * melBins + m] = Math.max(0, Math.min(rising, falling));
    }
  }
  return out;
}

/**
 * Triangular mel filterbank on the HTK mel scale, mel = 2595 log10(1 + f / 700): melBins + 2 points
 * equally spaced in mel between fMin and fMax, each filter rising from one point to 1 at the next
 * and falling to 0 at the one after, evaluated at the DFT bin frequencies k * sampleRate / fftSize.
 *
 * @param o - sampleRate, fftSize, melBins and optionally fMin (default 0) and fMax (default sampleRate / 2)
 * @returns the filterbank, [fftSize / 2 + 1, melBins], so magnitude @ filterbank is the mel spectrum;
 *   the caller disposes it
 * @throws GanError `INVALID_ARGUMENT` when an option is out of range
 * @example
 * ```ts
 * import { melFilterbank } from '@gankit/data';
 * const fb = melFilterbank({ sampleRate: 16000, fftSize: 512, hopSize: 128, melBins: 40 });
 * console.log(fb.shape); // [257, 40]
 * fb.dispose();
 * ```
 * @category Audio
 */
export function melFilterbank(o: MelOptions): tf.Tensor2D {
  const s = checkMel('melFilterbank', o);
  return tf.tensor2d(Float32Array.from(filterbankValues(s)), [s.fftSize / 2 + 1, s.melBins]);
}

/**
 * Log-mel spectrogram: ln(max(|STFT| @ filterbank, 1e-5)), with the framing of {@link stft} and
 * the filterbank of {@link melFilterbank}.
 *
 * @param signal - the samples, a 1-D tensor of at least one sample
 * @param o - the STFT and mel settings
 * @returns the log-mel spectrogram, [frames, melBins]; the caller disposes it
 * @throws GanError `INVALID_ARGUMENT` when an option is out of range or the signal is not 1-D or empty
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { logMelSpectrogram } from '@gankit/data';
 * const mel = logMelSpectrogram(tf.randomNormal([16000]), {
 *   sampleRate: 16000, fftSize: 512, hopSize: 128, melBins: 40,
 * });
 * console.log(mel.shape); // [126, 40]
 * mel.dispose();
 * ```
 * @category Audio
 */
export function logMelSpectrogram(signal: tf.Tensor1D, o: MelOptions): tf.Tensor2D {
  const s = checkMel('logMelSpectrogram', o);
  checkSignal('logMelSpectrogram', signal);
  return tf.tidy(() => {
    const d = makeDft(o.fftSize);
    const { real, imag } = stftWith(d, tf.cast(signal, 'float32') as tf.Tensor1D, o.hopSize);
    const magnitude = tf.sqrt(tf.add(tf.square(real), tf.square(imag)));
    const fb = tf.tensor2d(Float32Array.from(filterbankValues(s)), [d.bins, s.melBins]);
    return tf.log(tf.maximum(tf.matMul(magnitude, fb), 1e-5)) as tf.Tensor2D;
  });
}

const pinvCache = new Map<string, Float32Array>();
const PINV_CACHE_LIMIT = 32;

/** The filterbank's pseudo-inverse, [melBins, bins] row-major, cached per settings. */
function filterbankPinv(s: MelSettings): Float32Array {
  const key = `${s.fftSize}/${s.sampleRate}/${s.melBins}/${s.fMin}/${s.fMax}`;
  const cached = pinvCache.get(key);
  if (cached) return cached;
  const bins = s.fftSize / 2 + 1;
  const values = filterbankValues(s);
  const rows = Array.from({ length: bins }, (_, k) =>
    Array.from(values.subarray(k * s.melBins, (k + 1) * s.melBins)),
  );
  const pinv = pseudoInverse(new Matrix(rows));
  const out = Float32Array.from(pinv.to1DArray());
  if (pinvCache.size >= PINV_CACHE_LIMIT) pinvCache.delete(pinvCache.keys().next().value as string);
  pinvCache.set(key, out);
  return out;
}

/**
 * Approximate inverse of {@link logMelSpectrogram}'s mel step: exp, then the least-squares
 * magnitude through the filterbank's pseudo-inverse (computed once per settings and cached),
 * clamped at 0. Feed the result to {@link griffinLim} to get a waveform.
 *
 * @param logMel - a log-mel spectrogram, [frames, melBins]
 * @param o - the settings the spectrogram was made with
 * @returns an estimated magnitude spectrogram, [frames, fftSize / 2 + 1]; the caller disposes it
 * @throws GanError `INVALID_ARGUMENT` when an option is out of range or logMel has the wrong shape
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { logMelSpectrogram, melToMagnitude } from '@gankit/data';
 * const o = { sampleRate: 16000, fftSize: 512, hopSize: 128, melBins: 80 };
 * const mel = logMelSpectrogram(tf.randomNormal([16000]), o);
 * const magnitude = melToMagnitude(mel, o);
 * console.log(magnitude.shape); // [126, 257]
 * tf.dispose([mel, magnitude]);
 * ```
 * @category Audio
 */
export function melToMagnitude(logMel: tf.Tensor2D, o: MelOptions): tf.Tensor2D {
  const s = checkMel('melToMagnitude', o);
  if (!(logMel instanceof tf.Tensor) || logMel.rank !== 2 || logMel.shape[1] !== s.melBins) {
    throw invalid(
      'melToMagnitude',
      `logMel must be a 2-D tensor [frames, melBins = ${s.melBins}], got ${logMel instanceof tf.Tensor ? `[${logMel.shape.join(', ')}]` : String(logMel)}`,
    );
  }
  const pinv = filterbankPinv(s);
  return tf.tidy(() => {
    const mel = tf.exp(tf.cast(logMel, 'float32'));
    return tf.relu(tf.matMul(mel, tf.tensor2d(pinv, [s.melBins, s.fftSize / 2 + 1]))) as tf.Tensor2D;
  });
}

/**
 * Rebuilds a waveform from a magnitude spectrogram by Griffin-Lim phase retrieval (D. Griffin and
 * J. Lim, "Signal estimation from modified short-time Fourier transform", IEEE Trans. ASSP 32(2),
 * 1984), accelerated with the momentum of fast Griffin-Lim (N. Perraudin, P. Balazs and
 * P. L. Søndergaard, "A fast Griffin-Lim algorithm", IEEE WASPAA 2013). Starts from random phases
 * drawn from a seeded generator, so the result is reproducible.
 *
 * @param magnitude - the target magnitude, [frames, fftSize / 2 + 1], framed as {@link stft} frames
 * @param o - fftSize, hopSize, the output `length`, and optionally iterations (60), momentum (0.99)
 *   and seed (0)
 * @returns the waveform, `length` samples; the caller disposes it
 * @throws GanError `INVALID_ARGUMENT` when an option is out of range or magnitude has the wrong shape
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { griffinLim, stftMagnitude } from '@gankit/data';
 * const x = tf.tidy(() => tf.sin(tf.mul(tf.range(0, 4000), (2 * Math.PI * 440) / 16000))) as tf.Tensor1D;
 * const magnitude = stftMagnitude(x, { fftSize: 256, hopSize: 64 });
 * const y = griffinLim(magnitude, { fftSize: 256, hopSize: 64, length: 4000, iterations: 10 });
 * console.log(y.shape); // [4000]
 * tf.dispose([x, magnitude, y]);
 * ```
 * @category Audio
 */
export function griffinLim(magnitude: tf.Tensor2D, o: GriffinLimOptions): tf.Tensor1D {
  checkStft('griffinLim', o);
  const bins = o.fftSize / 2 + 1;
  checkSpectrum('griffinLim', 'magnitude', magnitude, bins);
  if (!Number.isInteger(o.length) || o.length < 1) {
    throw invalid('griffinLim', `length must be a positive integer, got ${String(o.length)}`);
  }
  const iterations = o.iterations ?? 60;
  if (!Number.isInteger(iterations) || iterations < 0) {
    throw invalid('griffinLim', `iterations must be an integer >= 0, got ${String(iterations)}`);
  }
  const momentum = o.momentum ?? 0.99;
  if (typeof momentum !== 'number' || !Number.isFinite(momentum) || momentum < 0) {
    throw invalid('griffinLim', `momentum must be a finite number >= 0, got ${String(momentum)}`);
  }
  const seed = o.seed ?? 0;
  if (typeof seed !== 'number' || !Number.isFinite(seed)) {
    throw invalid('griffinLim', `seed must be a finite number, got ${String(seed)}`);
  }
  const frames = magnitude.shape[0];
  const hop = o.hopSize;
  const { length } = o;
  if (frames !== 1 + Math.floor(length / hop)) {
    throw invalid(
      'griffinLim',
      `magnitude has ${frames} frames, but length ${length} with hopSize ${hop} gives ${1 + Math.floor(length / hop)}`,
    );
  }
  const rng = new SeededRandom(seed);
  const phaseRe = new Float32Array(frames * bins);
  const phaseIm = new Float32Array(frames * bins);
  for (let i = 0; i < phaseRe.length; i++) {
    const phi = 2 * Math.PI * rng.next();
    phaseRe[i] = Math.cos(phi);
    phaseIm[i] = Math.sin(phi);
  }
  const d = makeDft(o.fftSize);
  const target = tf.cast(magnitude, 'float32') as tf.Tensor2D;
  let angRe: tf.Tensor2D = tf.tensor2d(phaseRe, [frames, bins]);
  let angIm: tf.Tensor2D = tf.tensor2d(phaseIm, [frames, bins]);
  let prevRe: tf.Tensor2D | undefined;
  let prevIm: tf.Tensor2D | undefined;
  const beta = momentum / (1 + momentum);
  try {
    for (let it = 0; it < iterations; it++) {
      const [nextRe, nextIm, rebuiltRe, rebuiltIm] = tf.tidy(() => {
        const y = istftWith(d, tf.mul(target, angRe), tf.mul(target, angIm), hop, length);
        const rebuilt = stftWith(d, y, hop);
        let re: tf.Tensor2D = rebuilt.real;
        let im: tf.Tensor2D = rebuilt.imag;
        if (prevRe && prevIm && beta > 0) {
          re = tf.sub(re, tf.mul(prevRe, beta));
          im = tf.sub(im, tf.mul(prevIm, beta));
        }
        const norm = tf.add(tf.sqrt(tf.add(tf.square(re), tf.square(im))), 1e-8);
        return [tf.div(re, norm), tf.div(im, norm), rebuilt.real, rebuilt.imag] as tf.Tensor2D[];
      });
      tf.dispose([angRe, angIm]);
      if (prevRe) tf.dispose([prevRe, prevIm as tf.Tensor2D]);
      angRe = nextRe!;
      angIm = nextIm!;
      prevRe = rebuiltRe;
      prevIm = rebuiltIm;
    }
    return tf.tidy(() => istftWith(d, tf.mul(target, angRe), tf.mul(target, angIm), hop, length));
  } finally {
    tf.dispose([angRe, angIm]);
    if (prevRe) tf.dispose([prevRe, prevIm as tf.Tensor2D]);
    if (target !== magnitude) target.dispose();
    disposeDft(d);
  }
}
