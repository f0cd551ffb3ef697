import { readFile } from 'node:fs/promises';
import { GanError } from '@gankit/core';
import * as wavefileModule from 'wavefile';
import { writeFileAtomic } from '../checkpoint/atomic.js';

/**
 * Decoded audio: the sample rate and one array of samples in [-1, 1] per channel.
 * @category Audio
 */
export interface AudioClip {
  /** Samples per second, per channel. */
  sampleRate: number;
  /** One array per channel, all of the same length. */
  channels: Float32Array[];
}

type WaveFileInstance = InstanceType<typeof wavefileModule.WaveFile>;
type WaveFileClass = new () => WaveFileInstance;

// wavefile is a UMD bundle: Node's ESM loader sees only its `default` export, bundlers and CJS see
// `WaveFile` directly.
const WaveFile: WaveFileClass =
  (wavefileModule as unknown as { WaveFile?: WaveFileClass }).WaveFile ??
  (wavefileModule as unknown as { default: { WaveFile: WaveFileClass } }).default.WaveFile;

interface Fmt {
  audioFormat: number;
  numChannels: number;
  sampleRate: number;
  bitsPerSample: number;
}

function hasRiffHeader(bytes: Uint8Array): boolean {
  if (bytes.length < 12) return false;
  const tag = String.fromCharCode(bytes[0]!, bytes[1]!, bytes[2]!, bytes[3]!);
  const wave = String.fromCharCode(bytes[8]!, bytes[9]!, bytes[10]!, bytes[11]!);
  return (tag === 'RIFF' || tag === 'RIFX' || tag === 'RF64') && wave === 'WAVE';
}

/**
 * Decodes the bytes of a WAV file: integer PCM of 8 to 32 bits (8-bit unsigned, wider signed) or
 * 32/64-bit float, any number of channels, each channel scaled to [-1, 1].
 *
 * @param bytes - the whole file
 * @param what - how to name the bytes in messages, e.g. the file they came from (default `bytes`)
 * @returns the sample rate and one Float32Array per channel
 * @throws GanError `INVALID_DATA` when the bytes are not a WAV file, the encoding is not PCM or
 *   float, there are no samples, or the sample rate is not positive
 * @example
 * ```ts
 * import { decodeWav, encodeWav } from '@gankit/data';
 * const bytes = encodeWav({ sampleRate: 8000, channels: [new Float32Array([0, 0.5, -0.5])] });
 * console.log(decodeWav(bytes).channels[0]); // Float32Array [0, 0.5, -0.5]
 * ```
 * @category Audio
 */
export function decodeWav(bytes: Uint8Array, what = 'bytes'): AudioClip {
  if (!hasRiffHeader(bytes)) {
    throw new GanError('INVALID_DATA', `decodeWav: ${what} is not a WAV file (no RIFF header)`);
  }
  const wav = new WaveFile();
  try {
    wav.fromBuffer(bytes);
  } catch (e) {
    throw new GanError(
      'INVALID_DATA',
      `decodeWav: ${what} is not a readable WAV file: ${(e as Error).message}`,
      {
        cause: e,
      },
    );
  }
  const fmt = wav.fmt as Fmt;
  const depth = wav.bitDepth;
  const isFloat = depth === '32f' || depth === '64';
  const bits = Number(depth);
  const isPcm =
    (fmt.audioFormat === 1 || fmt.audioFormat === 65534) && Number.isInteger(bits) && bits >= 8 && bits <= 32;
  if (!isFloat && !isPcm) {
    throw new GanError(
      'INVALID_DATA',
      `decodeWav: ${what} uses an unsupported encoding (format ${fmt.audioFormat}, ${fmt.bitsPerSample} bits); expected integer PCM of 8 to 32 bits or 32/64-bit float`,
    );
  }
  if (!(fmt.sampleRate > 0) || !(fmt.numChannels > 0)) {
    throw new GanError(
      'INVALID_DATA',
      `decodeWav: ${what} has sample rate ${fmt.sampleRate} and ${fmt.numChannels} channels; both must be positive`,
    );
  }
  let raw: Float64Array[];
  try {
    const samples = wav.getSamples(false, Float64Array) as unknown as Float64Array | Float64Array[];
    raw = samples instanceof Float64Array ? [samples] : samples;
  } catch (e) {
    throw new GanError('INVALID_DATA', `decodeWav: ${what} has unreadable samples: ${(e as Error).message}`, {
      cause: e,
    });
  }
  const length = raw[0]?.length ?? 0;
  if (length === 0) throw new GanError('INVALID_DATA', `decodeWav: ${what} has no samples`);
  const offset = !isFloat && bits === 8 ? 128 : 0;
  const scale = isFloat ? 1 : 1 / 2 ** (bits - 1);
  const channels = raw.map((channel) => {
    const out = new Float32Array(length);
    for (let i = 0; i < length; i++) out[i] = ((channel[i] ?? 0) - offset) * scale;
    return out;
  });
  return { sampleRate: fmt.sampleRate, channels };
}

function checkClip(fn: string, clip: AudioClip, what: string): number {
  if (!Number.isInteger(clip.sampleRate) || clip.sampleRate <= 0) {
    throw new GanError(
      'INVALID_DATA',
      `${fn}: ${what} sampleRate must be a positive integer, got ${String(clip.sampleRate)}`,
    );
  }
  if (clip.channels.length === 0) throw new GanError('INVALID_DATA', `${fn}: ${what} has no channels`);
  const length = clip.channels[0]!.length;
  for (const [i, channel] of clip.channels.entries()) {
    if (channel.length !== length) {
      throw new GanError(
        'INVALID_DATA',
        `${fn}: ${what} channels must have the same length; channel 0 has ${length} samples, channel ${i} has ${channel.length}`,
      );
    }
  }
  if (length === 0) throw new GanError('INVALID_DATA', `${fn}: ${what} has no samples`);
  return length;
}

/**
 * Encodes a clip as a 16-bit PCM WAV file; samples outside [-1, 1] are clipped.
 *
 * @param clip - the sample rate (a positive integer) and the channels, all of one length
 * @returns the bytes of the WAV file
 * @throws GanError `INVALID_DATA` when the clip has no channels or samples, channels of different
 *   lengths, or a sample rate that is not a positive integer
 * @example
 * ```ts
 * import { encodeWav } from '@gankit/data';
 * const bytes = encodeWav({ sampleRate: 16000, channels: [new Float32Array(160)] });
 * console.log(bytes.length); // 364: a 44-byte header and 160 two-byte samples
 * ```
 * @category Audio
 */
export function encodeWav(clip: AudioClip): Uint8Array {
  checkClip('encodeWav', clip, 'the clip');
  const channels = clip.channels.map((channel) => {
    const out = new Int16Array(channel.length);
    for (let i = 0; i < channel.length; i++) {
      const v = Number.isNaN(channel[i]) ? 0 : Math.max(-1, Math.min(1, channel[i]!));
      out[i] = Math.max(-32768, Math.min(32767, Math.round(v * 32768)));
    }
    return out;
  });
  const wav = new WaveFile();
  wav.fromScratch(channels.length, clip.sampleRate, '16', channels);
  return wav.toBuffer();
}

/**
 * Reads and decodes a WAV file (see {@link decodeWav} for the encodings it accepts).
 *
 * @param file - path of the WAV file
 * @returns the sample rate and one Float32Array per channel, in [-1, 1]
 * @throws GanError `IO_ERROR` when the file is missing or unreadable; `INVALID_DATA` when it is not
 *   a WAV file, uses another encoding, or has no samples
 * @example
 * ```ts
 * import { readWav, writeWav } from '@gankit/data';
 * await writeWav('/tmp/gankit-example/beep.wav', { sampleRate: 8000, channels: [new Float32Array(80).fill(0.25)] });
 * console.log((await readWav('/tmp/gankit-example/beep.wav')).channels[0]!.length); // 80
 * ```
 * @category Audio
 */
export async function readWav(file: string): Promise<AudioClip> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (e) {
    throw new GanError('IO_ERROR', `readWav: could not read ${file}: ${(e as Error).message}`, { cause: e });
  }
  try {
    return decodeWav(bytes, file);
  } catch (e) {
    if (e instanceof GanError) {
      throw new GanError(e.code, e.message.replace(/^decodeWav:/, 'readWav:'), { cause: e.cause });
    }
    throw e;
  }
}

/**
 * Writes a clip as a 16-bit PCM WAV file, atomically (a temporary file renamed over the target).
 *
 * @param file - destination path (parent folders are created)
 * @param clip - the sample rate and the channels, all of one length
 * @returns nothing; resolves once the file is in place
 * @throws GanError `INVALID_DATA` for a clip {@link encodeWav} rejects; `IO_ERROR` when the write fails
 * @example
 * ```ts
 * import { writeWav } from '@gankit/data';
 * await writeWav('/tmp/gankit-example/silence.wav', { sampleRate: 16000, channels: [new Float32Array(16000)] });
 * ```
 * @category Audio
 */
export async function writeWav(file: string, clip: AudioClip): Promise<void> {
  checkClip('writeWav', clip, `the clip for ${file}`);
  await writeFileAtomic(file, encodeWav(clip));
}

/**
 * Mixes a clip down to one channel: the mean of its channels, sample by sample.
 *
 * @param clip - the clip to mix
 * @returns a new array with one sample per frame
 * @throws GanError `INVALID_DATA` when the clip has no channels or channels of different lengths
 * @example
 * ```ts
 * import { toMono } from '@gankit/data';
 * const mono = toMono({ sampleRate: 8000, channels: [new Float32Array([1, 0]), new Float32Array([0, 0])] });
 * console.log(mono); // Float32Array [0.5, 0]
 * ```
 * @category Audio
 */
export function toMono(clip: AudioClip): Float32Array {
  if (clip.channels.length === 0) throw new GanError('INVALID_DATA', 'toMono: the clip has no channels');
  const length = clip.channels[0]!.length;
  const sum = new Float64Array(length);
  for (const [c, channel] of clip.channels.entries()) {
    if (channel.length !== length) {
      throw new GanError(
        'INVALID_DATA',
        `toMono: channels must have the same length; channel 0 has ${length} samples, channel ${c} has ${channel.length}`,
      );
    }
    for (let i = 0; i < length; i++) sum[i]! += channel[i]!;
  }
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = sum[i]! / clip.channels.length;
  return out;
}

/** Zeroth-order modified Bessel function of the first kind, by its power series. */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 64; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

const ZERO_CROSSINGS = 24;
const KAISER_BETA = 9;
const ROLLOFF = 0.95;
const TABLE_STEPS = 512; // kernel samples per zero crossing, linearly interpolated

let kernelTable: Float64Array | undefined;

/** sinc(u) times a Kaiser window, tabulated for u in [0, ZERO_CROSSINGS] (u in zero crossings). */
function kaiserSincTable(): Float64Array {
  if (kernelTable) return kernelTable;
  const size = ZERO_CROSSINGS * TABLE_STEPS + 2;
  const table = new Float64Array(size);
  const i0Beta = besselI0(KAISER_BETA);
  for (let i = 0; i < size; i++) {
    const u = i / TABLE_STEPS;
    const r = u / ZERO_CROSSINGS;
    const window = r >= 1 ? 0 : besselI0(KAISER_BETA * Math.sqrt(1 - r * r)) / i0Beta;
    const x = Math.PI * u;
    table[i] = (x === 0 ? 1 : Math.sin(x) / x) * window;
  }
  kernelTable = table;
  return table;
}

/**
 * Changes the sample rate of one channel by band-limited interpolation: a Kaiser-windowed sinc
 * (24 zero crossings each side, beta 9) whose cutoff is 95% of the lower Nyquist frequency, so
 * downsampling does not alias. The output has round(length * to / from) samples.
 *
 * @param samples - the channel to resample
 * @param from - its sample rate
 * @param to - the sample rate wanted
 * @returns a new array at the new rate; a copy of `samples` when `from === to`
 * @throws GanError `INVALID_ARGUMENT` when a rate is not a positive finite number
 * @example
 * ```ts
 * import { resample } from '@gankit/data';
 * console.log(resample(new Float32Array(22050), 22050, 16000).length); // 16000
 * ```
 * @category Audio
 */
export function resample(samples: Float32Array, from: number, to: number): Float32Array {
  for (const [name, rate] of [
    ['from', from],
    ['to', to],
  ] as const) {
    if (typeof rate !== 'number' || !Number.isFinite(rate) || rate <= 0) {
      throw new GanError(
        'INVALID_ARGUMENT',
        `resample: ${name} must be a positive sample rate, got ${String(rate)}`,
      );
    }
  }
  if (from === to) return samples.slice();
  const n = samples.length;
  const outLength = Math.round((n * to) / from);
  const out = new Float32Array(outLength);
  // cutoff as a fraction of the input's Nyquist frequency
  const cutoff = Math.min(1, to / from) * ROLLOFF;
  const halfWidth = ZERO_CROSSINGS / cutoff; // in input samples
  const table = kaiserSincTable();
  const step = from / to;
  for (let j = 0; j < outLength; j++) {
    const t = j * step;
    const lo = Math.max(0, Math.ceil(t - halfWidth));
    const hi = Math.min(n - 1, Math.floor(t + halfWidth));
    let acc = 0;
    for (let k = lo; k <= hi; k++) {
      const pos = Math.abs(t - k) * cutoff * TABLE_STEPS;
      const i = Math.floor(pos);
      if (i >= table.length - 1) continue;
      const frac = pos - i;
      acc += samples[k]! * (table[i]! + frac * (table[i + 1]! - table[i]!));
    }
    out[j] = acc * cutoff;
  }
  return out;
}
