import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { GanError } from '@gankit/core';
import { type AudioClip, decodeWav, resample, toMono } from './wav.js';

const run = promisify(execFile);

/** A voice of espeak-ng: a voice name with its variant, and the prosody it speaks with. @category Audio */
export interface EspeakVoice {
  /** Voice and variant as `espeak-ng -v` takes it, e.g. `en-us+m3` or `en+f4`. */
  name: string;
  /** Base pitch, 0-99 (espeak-ng's default 50). */
  pitch?: number;
  /** Pitch range, 0-99 (default 50; 0 is a monotone). */
  pitchRange?: number;
  /** Words per minute (default 175). */
  speed?: number;
}

/** The program that speaks; `GANKIT_ESPEAK` overrides it (tests act out a missing one). */
const program = () => process.env.GANKIT_ESPEAK ?? 'espeak-ng';

/**
 * Whether espeak-ng can be run here.
 * @returns true when `espeak-ng --version` succeeds
 * @category Audio
 */
export async function espeakAvailable(): Promise<boolean> {
  try {
    await run(program(), ['--version']);
    return true;
  } catch {
    return false;
  }
}

type Voices = { languages: Set<string>; variants: Set<string> };
const known = new Map<string, Promise<Voices>>();

/** The languages and variants this espeak-ng has (it speaks an unknown name in its default voice without a word). */
function knownVoices(): Promise<Voices> {
  const cached = known.get(program());
  if (cached) return cached;
  const voices = (async () => {
    // columns: Pty Language Age/Gender VoiceName File Other
    const column = async (args: string[], index: number) =>
      (await run(program(), args)).stdout
        .split('\n')
        .slice(1)
        .map((line) => line.trim().split(/\s+/)[index] ?? '')
        .filter(Boolean);
    const languages = new Set((await column(['--voices'], 1)).map((l) => l.toLowerCase()));
    const variants = new Set(
      (await column(['--voices=variant'], 4)).map((f) => f.replace(/^!v\//, '').toLowerCase()),
    );
    return { languages, variants };
  })();
  known.set(program(), voices);
  voices.catch(() => known.delete(program()));
  return voices;
}

const inRange = (fn: string, name: string, value: number | undefined, max: number) => {
  if (value !== undefined && !(Number.isInteger(value) && value >= 0 && value <= max)) {
    throw new GanError('INVALID_ARGUMENT', `${fn}: ${name} must be an integer in 0..${max}, got ${value}`);
  }
};

/** espeak-ng not found: how to get it; other errors pass through. */
const missing = (fn: string, e: unknown) =>
  (e as NodeJS.ErrnoException).code === 'ENOENT'
    ? new GanError(
        'BACKEND_UNAVAILABLE',
        `${fn}: espeak-ng is not installed (apt-get install espeak-ng), or give a folder of WAV files instead`,
        { cause: e },
      )
    : e;

/**
 * Speaks `text` with espeak-ng (Debian's `espeak-ng` package) and returns it as mono samples
 * at `sampleRate`. The same text, voice and rate give the same samples on the same espeak-ng.
 * @param text - what to say (plain text)
 * @param voice - voice, variant and prosody
 * @param sampleRate - rate of the returned clip (espeak-ng speaks at 22,050 Hz; resampled)
 * @returns the spoken text, one channel
 * @throws GanError `INVALID_ARGUMENT` for empty text, a voice espeak-ng does not have, or a bad pitch/range/speed;
 *   `BACKEND_UNAVAILABLE` when espeak-ng is not installed; `INVALID_DATA` when it fails on the voice
 * @example
 * ```ts
 * import { speak } from '@gankit/data';
 * const clip = await speak('the cat sat on the mat', { name: 'en-us+f2', pitch: 70 }, 16000);
 * clip.channels[0].length; // about 1.5 s of samples
 * ```
 * @category Audio
 */
export async function speak(text: string, voice: EspeakVoice, sampleRate: number): Promise<AudioClip> {
  const fn = 'speak';
  if (text.trim() === '') throw new GanError('INVALID_ARGUMENT', `${fn}: text is empty`);
  if (!/^[a-z0-9][a-z0-9+_-]*$/i.test(voice.name)) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: voice.name must be an espeak-ng voice such as en-us+m3, got ${JSON.stringify(voice.name)}`,
    );
  }
  inRange(fn, 'voice.pitch', voice.pitch, 99);
  inRange(fn, 'voice.pitchRange', voice.pitchRange, 99);
  if (
    voice.speed !== undefined &&
    !(Number.isInteger(voice.speed) && voice.speed >= 80 && voice.speed <= 450)
  ) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: voice.speed must be an integer in 80..450 words per minute, got ${voice.speed}`,
    );
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'gankit-espeak-'));
  try {
    const { languages, variants } = await knownVoices();
    const [language = '', variant] = voice.name.toLowerCase().split('+');
    if (!languages.has(language) || (variant !== undefined && !variants.has(variant))) {
      throw new GanError(
        'INVALID_ARGUMENT',
        `${fn}: espeak-ng has no voice ${JSON.stringify(voice.name)} (a language of 'espeak-ng --voices', optionally +variant of 'espeak-ng --voices=variant', e.g. en-us+m3)`,
      );
    }
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw missing(fn, e);
  }
  const file = path.join(dir, 'speech.wav');
  const args = ['-v', voice.name, '-w', file];
  if (voice.pitch !== undefined) args.push('-p', String(voice.pitch));
  if (voice.pitchRange !== undefined) args.push('-P', String(voice.pitchRange));
  if (voice.speed !== undefined) args.push('-s', String(voice.speed));
  try {
    try {
      // text after `--`, so a sentence can never be read as a flag
      await run(program(), [...args, '--', text]);
    } catch (e) {
      const err = e as NodeJS.ErrnoException & { stderr?: string };
      if (err.code === 'ENOENT') throw missing(fn, e);
      throw new GanError(
        'INVALID_DATA',
        `${fn}: espeak-ng failed on voice ${voice.name}: ${(err.stderr ?? err.message).trim()}`,
        { cause: e },
      );
    }
    const clip = decodeWav(
      new Uint8Array(await readFile(file)),
      `espeak-ng's output for voice ${voice.name}`,
    );
    return { sampleRate, channels: [resample(toMono(clip), clip.sampleRate, sampleRate)] };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
