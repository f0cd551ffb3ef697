import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import * as path from 'node:path';
import { GanError, SeededRandom } from '@gankit/core';
import {
  type AudioClip,
  type EspeakVoice,
  logMelSpectrogram,
  type MelOptions,
  readWav,
  resample,
  speak,
  toMono,
} from '@gankit/data';
import * as tf from '@tensorflow/tfjs-core';

const SUBJECTS = [
  'the old farmer',
  'a young sailor',
  'my brother',
  'the tall doctor',
  'our neighbour',
  'the quiet girl',
  'a clever fox',
  'the little boy',
  'her uncle',
  'the busy baker',
  'a tired soldier',
  'the kind teacher',
  'his daughter',
  'the new driver',
  'a brown horse',
  'the grey cat',
  'the singer',
  'a lonely wolf',
];
const VERBS = [
  'carried',
  'painted',
  'found',
  'washed',
  'sold',
  'opened',
  'followed',
  'watched',
  'bought',
  'fixed',
  'lifted',
  'dropped',
  'cleaned',
  'counted',
  'hid',
  'pushed',
  'brought',
  'wanted',
];
const OBJECTS = [
  'a heavy box',
  'the red door',
  'seven apples',
  'an empty basket',
  'the silver key',
  'a long letter',
  'the broken chair',
  'some warm bread',
  'a wooden boat',
  'the green bottle',
  'two small coins',
  'a yellow kite',
  'the morning paper',
  'a bag of rice',
  'the blue umbrella',
  'a pair of boots',
];
const PLACES = [
  'near the river',
  'before dinner',
  'in the garden',
  'after the storm',
  'at the market',
  'on monday',
  'behind the barn',
  'under the bridge',
  'in the kitchen',
  'by the window',
  'at midnight',
  'across the field',
  'during the summer',
  'beside the lake',
  'at the station',
  'in the morning',
];

/**
 * `count` different sentences ("the old farmer carried a heavy box near the river"), drawn
 * from a small grammar with `seed`; the same seed gives the same sentences.
 * @param count - how many (at most the grammar's 18 x 18 x 16 x 16)
 * @param seed - the draw
 * @returns distinct sentences
 */
export function makeSentences(count: number, seed: number): string[] {
  const total = SUBJECTS.length * VERBS.length * OBJECTS.length * PLACES.length;
  if (count > total) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `makeSentences: the grammar makes ${total} sentences, asked for ${count}`,
    );
  }
  const rng = new SeededRandom(seed);
  const seen = new Set<string>();
  const out: string[] = [];
  const pick = (words: string[]) => words[rng.int(words.length)]!;
  while (out.length < count) {
    const sentence = `${pick(SUBJECTS)} ${pick(VERBS)} ${pick(OBJECTS)} ${pick(PLACES)}`;
    if (!seen.has(sentence)) {
      seen.add(sentence);
      out.push(sentence);
    }
  }
  return out;
}

/** One utterance: its waveform at the model's rate and its log-mel spectrogram [melBins, frames]. */
export interface Utterance {
  name: string;
  samples: Float32Array;
  /** Natural-log mel magnitudes, bins as rows. */
  logMel: Float32Array;
  frames: number;
}

/** The speech of two voices: unpaired training utterances of each, and a parallel set for evaluation. */
export interface SpeechCorpus {
  a: Utterance[];
  b: Utterance[];
  /** The same sentences in both voices (index i of each is one sentence); never trained on. */
  parallelA: Utterance[];
  parallelB: Utterance[];
}

/** Settings of the corpus, as the family's config holds them. */
export interface SpeechCorpusSettings {
  /** `espeak` (spoken by espeak-ng when the run starts) or a folder of WAV files. */
  dir: string;
  voiceA: EspeakVoice;
  voiceB: EspeakVoice;
  sentences: number;
  parallelSentences: number;
  seed: number;
}

/** The log-mel spectrogram of mono samples, bins as rows: [melBins, frames] flattened. */
export async function analyse(
  samples: Float32Array,
  mel: MelOptions,
): Promise<{ logMel: Float32Array; frames: number }> {
  const spec = tf.tidy(() => tf.transpose(logMelSpectrogram(tf.tensor1d(samples), mel)));
  const frames = spec.shape[1]!;
  const logMel = (await spec.data()) as Float32Array;
  spec.dispose();
  return { logMel, frames };
}

const toUtterance = async (name: string, clip: AudioClip, mel: MelOptions): Promise<Utterance> => {
  const samples = resample(toMono(clip), clip.sampleRate, mel.sampleRate);
  return { name, samples, ...(await analyse(samples, mel)) };
};

async function readFolder(dir: string, mel: MelOptions): Promise<Utterance[]> {
  if (!existsSync(dir)) {
    throw new GanError(
      'IO_ERROR',
      `voice-conversion: ${dir} does not exist (data.dir needs a/, b/, parallel/a and parallel/b folders of WAV files)`,
    );
  }
  const files = (await readdir(dir)).filter((f) => f.toLowerCase().endsWith('.wav')).sort();
  if (files.length === 0) throw new GanError('INVALID_DATA', `voice-conversion: ${dir} holds no .wav files`);
  const out: Utterance[] = [];
  for (const f of files)
    out.push(await toUtterance(f.replace(/\.wav$/i, ''), await readWav(path.join(dir, f)), mel));
  return out;
}

const say = async (texts: string[], voice: EspeakVoice, prefix: string, mel: MelOptions) => {
  const out: Utterance[] = [];
  for (const [i, text] of texts.entries()) {
    out.push(
      await toUtterance(
        `${prefix}${String(i).padStart(3, '0')}`,
        await speak(text, voice, mel.sampleRate),
        mel,
      ),
    );
  }
  return out;
};

/**
 * The held-out parallel pairs of a corpus alone (what evaluation and sampling need): spoken
 * again by espeak-ng (the same sentences and voices give the same speech), or read from the
 * folder's `parallel/a/` and `parallel/b/`, paired by file name.
 */
export async function loadParallelPairs(
  settings: SpeechCorpusSettings,
  mel: MelOptions,
): Promise<Pick<SpeechCorpus, 'parallelA' | 'parallelB'>> {
  if (settings.dir === 'espeak') {
    const { parallel } = corpusSentences(settings);
    return {
      parallelA: await say(parallel, settings.voiceA, 'p', mel),
      parallelB: await say(parallel, settings.voiceB, 'p', mel),
    };
  }
  const root = settings.dir;
  const pairs = {
    parallelA: await readFolder(path.join(root, 'parallel', 'a'), mel),
    parallelB: await readFolder(path.join(root, 'parallel', 'b'), mel),
  };
  const names = (u: Utterance[]) => u.map((x) => x.name).join('\n');
  if (names(pairs.parallelA) !== names(pairs.parallelB)) {
    throw new GanError(
      'INVALID_DATA',
      `voice-conversion: ${root}/parallel/a and parallel/b must hold the same file names (one sentence per name)`,
    );
  }
  return pairs;
}

/**
 * The corpus of a voice-conversion run: spoken by espeak-ng in the two voices (training
 * sentences of A and B disjoint, so the domains are unpaired; `parallelSentences` further
 * sentences spoken by both, kept for evaluation), or read from a folder holding `a/`, `b/`,
 * `parallel/a/` and `parallel/b/` (parallel files paired by name).
 */
export async function loadSpeechCorpus(
  settings: SpeechCorpusSettings,
  mel: MelOptions,
): Promise<SpeechCorpus> {
  if (settings.dir === 'espeak') {
    const sentences = corpusSentences(settings);
    return {
      a: await say(sentences.a, settings.voiceA, 'a', mel),
      b: await say(sentences.b, settings.voiceB, 'b', mel),
      ...(await loadParallelPairs(settings, mel)),
    };
  }
  return {
    a: await readFolder(path.join(settings.dir, 'a'), mel),
    b: await readFolder(path.join(settings.dir, 'b'), mel),
    ...(await loadParallelPairs(settings, mel)),
  };
}

/** The sentences an `espeak` corpus speaks: training A, training B, parallel. */
export function corpusSentences(settings: SpeechCorpusSettings): {
  a: string[];
  b: string[];
  parallel: string[];
} {
  const n = settings.sentences;
  const all = makeSentences(2 * n + settings.parallelSentences, settings.seed);
  return { a: all.slice(0, n), b: all.slice(n, 2 * n), parallel: all.slice(2 * n) };
}
