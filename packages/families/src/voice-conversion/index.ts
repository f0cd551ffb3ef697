import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { GanError } from '@gankit/core';
import {
  type AudioClip,
  griffinLim,
  type MelOptions,
  makeDirectory,
  melToMagnitude,
  readWav,
  resample,
  saveImageGrid,
  saveModel,
  toMono,
  writeWav,
} from '@gankit/data';
import { melCepstralDistortion } from '@gankit/metrics';
import { patchganDiscriminator, spectrogramTranslator } from '@gankit/models';
import { type CycleGanStrategy, cycleGanStrategy, type UnpairedBatch } from '@gankit/trainers';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { z } from 'zod';
import { commonConfigShape, nonNegative, positiveInt } from '../config.js';
import { loadReverse, REVERSE_GENERATOR_DIR } from '../cyclegan/index.js';
import type { FamilyDefinition, Log } from '../family.js';
import { analyse, loadParallelPairs, loadSpeechCorpus, type SpeechCorpus, type Utterance } from './corpus.js';
import { convertUtterance, type SpectrogramScale, segmentSource } from './features.js';
import {
  loadSpeakerClassifier,
  runSpeakerClassifier,
  SPEAKER_CLASSIFIER_DIR,
  shareCalled,
} from './speaker.js';

/** The folder of a voice-conversion run that holds F: B -> A (the run's `generator/` is G: A -> B). */
export const VOICE_REVERSE_GENERATOR_DIR = REVERSE_GENERATOR_DIR;

const voiceSchema = z
  .object({
    /** espeak-ng voice and variant (`espeak-ng --voices=variant` lists them), e.g. `en-us+m3`. */
    name: z.string().regex(/^[a-z0-9][a-z0-9+_-]*$/i, 'must be an espeak-ng voice such as en-us+m3'),
    /** Base pitch 0-99 (espeak-ng's default 50). */
    pitch: z.number().int().min(0).max(99).optional(),
    /** Pitch range 0-99 (default 50). */
    pitchRange: z.number().int().min(0).max(99).optional(),
    /** Words per minute (default 175). */
    speed: z.number().int().min(80).max(450).optional(),
  })
  .strict();

/** Config of the `voice-conversion` family. @category Families */
export const voiceConversionConfigSchema = z
  .object({
    ...commonConfigShape,
    family: z.literal('voice-conversion'),
    data: z
      .object({
        dataset: z.literal('speech-domains'),
        /**
         * `espeak`: the corpus is spoken by espeak-ng when the run starts; or a folder with
         * `a/` and `b/` (training WAVs of each voice) and `parallel/a/`, `parallel/b/` (the same
         * sentences in both voices, paired by file name, for evaluation only).
         */
        dir: z.string().min(1),
        voiceA: voiceSchema,
        voiceB: voiceSchema,
        /** Training sentences per voice (`espeak`); A's and B's are different sentences. */
        sentences: positiveInt,
        /** Further sentences spoken by both voices, for evaluation (`espeak`). */
        parallelSentences: positiveInt,
        /** Seed of the sentence draw. */
        seed: z.number().int().min(0),
      })
      .strict(),
    audio: z
      .object({
        sampleRate: positiveInt,
        fftSize: positiveInt,
        hopSize: positiveInt,
        melBins: positiveInt,
        fMin: nonNegative,
        fMax: positiveInt,
        /** Natural-log mel magnitude mapped to -1 (silence). */
        floor: z.number(),
        /** Natural-log mel magnitude mapped to 1. */
        ceiling: z.number(),
        /** Griffin-Lim iterations when a spectrogram becomes a waveform. */
        griffinLimIterations: positiveInt,
      })
      .strict()
      .refine((a) => a.ceiling > a.floor, { path: ['ceiling'], message: 'must be above floor' })
      .refine((a) => a.hopSize <= a.fftSize, { path: ['hopSize'], message: 'must be at most fftSize' })
      .refine((a) => a.fMax <= a.sampleRate / 2, {
        path: ['fMax'],
        message: 'must be at most sampleRate / 2',
      }),
    model: z
      .object({
        /** Frames of the training segments (a multiple of 4 and of 2^discriminatorLayers). */
        segmentFrames: positiveInt,
        generatorFilters: positiveInt,
        residualBlocks: z.number().int().min(0),
        discriminatorFilters: positiveInt,
        discriminatorLayers: positiveInt,
      })
      .strict(),
    cycleWeight: nonNegative,
    identityWeight: nonNegative,
    poolSize: z.number().int().min(0),
    /** Steps of the speaker classifier trained (before the GAN) to judge converted speech. */
    speakerClassifierSteps: positiveInt,
  })
  .strict()
  .superRefine((c, ctx) => {
    const frames = c.model.segmentFrames;
    const unit = Math.max(4, 2 ** c.model.discriminatorLayers);
    if (frames % unit !== 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['model', 'segmentFrames'],
        message: `must be a multiple of ${unit} (the translator's stride 4 and the PatchGAN's 2^discriminatorLayers)`,
      });
    }
    if (c.audio.melBins < 2 ** c.model.discriminatorLayers) {
      ctx.addIssue({
        code: 'custom',
        path: ['audio', 'melBins'],
        message: `must be at least 2^discriminatorLayers = ${2 ** c.model.discriminatorLayers}`,
      });
    }
  });

/** A validated `voice-conversion` config. @category Families */
export type VoiceConversionConfig = z.infer<typeof voiceConversionConfigSchema>;

const cycleganVoice: VoiceConversionConfig = {
  preset: 'cyclegan-voice',
  family: 'voice-conversion',
  description:
    'CycleGAN-VC (Kaneko & Kameoka 2018): a low male espeak-ng voice <-> a high female one from unpaired sentences, log-mel spectrograms, gated 1-D CNNs, Griffin-Lim',
  data: {
    dataset: 'speech-domains',
    dir: 'espeak',
    voiceA: { name: 'en-us+m3', pitch: 30 },
    voiceB: { name: 'en-us+f4', pitch: 75 },
    sentences: 150,
    parallelSentences: 20,
    seed: 0,
  },
  audio: {
    sampleRate: 16000,
    fftSize: 512,
    hopSize: 128,
    melBins: 64,
    fMin: 0,
    fMax: 8000,
    floor: -7,
    ceiling: 4.5,
    griffinLimIterations: 60,
  },
  model: {
    segmentFrames: 64,
    generatorFilters: 32,
    residualBlocks: 3,
    discriminatorFilters: 16,
    discriminatorLayers: 3,
  },
  cycleWeight: 10,
  identityWeight: 5,
  poolSize: 50,
  speakerClassifierSteps: 300,
  loss: 'lsgan',
  discriminatorSteps: 1,
  optimizer: { learningRate: 2e-4, beta1: 0.5, beta2: 0.999 },
  training: { steps: 2000, batchSize: 8, seed: 0, decayStart: 1000 },
  output: { progressEvery: 50, sampleEvery: 500, checkpointEvery: 250, sampleCount: 24 },
  backend: 'auto',
};

const melOptions = (c: VoiceConversionConfig): MelOptions => ({
  sampleRate: c.audio.sampleRate,
  fftSize: c.audio.fftSize,
  hopSize: c.audio.hopSize,
  melBins: c.audio.melBins,
  fMin: c.audio.fMin,
  fMax: c.audio.fMax,
});

const scaleOf = (c: VoiceConversionConfig): SpectrogramScale => ({
  melBins: c.audio.melBins,
  floor: c.audio.floor,
  ceiling: c.audio.ceiling,
});

async function corpusOf(config: VoiceConversionConfig, log: Log): Promise<SpeechCorpus> {
  const started = Date.now();
  const corpus = await loadSpeechCorpus(config.data, melOptions(config));
  const seconds = (u: Utterance[]) => u.reduce((t, x) => t + x.samples.length, 0) / config.audio.sampleRate;
  log(
    `data: ${corpus.a.length} utterances of voice A (${seconds(corpus.a).toFixed(0)} s) and ${corpus.b.length} of voice B (${seconds(corpus.b).toFixed(0)} s), different sentences; ${corpus.parallelA.length} parallel pairs held out (${config.data.dir === 'espeak' ? 'spoken by espeak-ng' : config.data.dir}, ${((Date.now() - started) / 1000).toFixed(1)} s)`,
  );
  return corpus;
}

/** The log-mel of an utterance ([melBins, frames], bins as rows) as rows of frames [frames][melBins]. */
const frameRows = (logMel: Float32Array, melBins: number, frames: number): Float32Array[] =>
  Array.from({ length: frames }, (_, t) =>
    Float32Array.from({ length: melBins }, (_, m) => logMel[m * frames + t]!),
  );

// 24 coefficients (the usual MCD order), fewer for small toy spectrograms
const mcdOf = (reference: Utterance, logMel: Float32Array, frames: number, melBins: number) =>
  melCepstralDistortion(
    frameRows(reference.logMel, melBins, reference.frames),
    frameRows(logMel, melBins, frames),
    {
      order: Math.min(24, melBins - 1),
    },
  ).mcd;

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

/**
 * The conversion numbers of G and F on the held-out parallel pairs, each way: the
 * mel-cepstral distortion (DTW-aligned) of the converted speech, re-analysed from its
 * Griffin-Lim waveform, against the same sentence in the target voice, beside the MCD of the
 * unconverted source and of the target's own Griffin-Lim resynthesis (the vocoder's floor);
 * and the share of converted utterances the speaker classifier calls the target voice, beside
 * its accuracy on the real utterances.
 */
async function conversionScores(
  g: tfl.LayersModel,
  f: tfl.LayersModel,
  classifier: tfl.LayersModel,
  corpus: Pick<SpeechCorpus, 'parallelA' | 'parallelB'>,
  config: VoiceConversionConfig,
  log: Log,
): Promise<Record<string, unknown>> {
  const mel = melOptions(config);
  const scale = scaleOf(config);
  const { melBins } = config.audio;
  const iterations = config.audio.griffinLimIterations;
  const accuracy =
    ((await shareCalled(classifier, corpus.parallelA, 0, scale)) +
      (await shareCalled(classifier, corpus.parallelB, 1, scale))) /
    2;
  log(
    `speaker classifier: ${(100 * accuracy).toFixed(1)}% of the ${2 * corpus.parallelA.length} held-out utterances called right`,
  );
  const result: Record<string, unknown> = { speakerClassifierAccuracy: accuracy };
  for (const [name, sources, targets, net, target] of [
    ['a2b', corpus.parallelA, corpus.parallelB, g, 1],
    ['b2a', corpus.parallelB, corpus.parallelA, f, 0],
  ] as const) {
    const converted: Utterance[] = [];
    const mcd: number[] = [];
    const sourceMcd: number[] = [];
    const vocoderMcd: number[] = [];
    for (const [i, source] of sources.entries()) {
      const out = await convertUtterance(net, source, scale, mel, iterations);
      const again = { name: source.name, samples: out.samples, ...(await analyse(out.samples, mel)) };
      converted.push(again);
      const reference = targets[i]!;
      mcd.push(mcdOf(reference, again.logMel, again.frames, melBins));
      sourceMcd.push(mcdOf(reference, source.logMel, source.frames, melBins));
      // the target itself through the same spectrogram -> Griffin-Lim path, no network
      const resynth = await resynthesize(reference, mel, iterations);
      const back = await analyse(resynth, mel);
      vocoderMcd.push(mcdOf(reference, back.logMel, back.frames, melBins));
    }
    const scores = {
      pairs: sources.length,
      mcd: mean(mcd),
      sourceMcd: mean(sourceMcd),
      vocoderMcd: mean(vocoderMcd),
      calledTarget: await shareCalled(classifier, converted, target as 0 | 1, scale),
      sourcesCalledTarget: await shareCalled(classifier, sources, target as 0 | 1, scale),
    };
    log(
      `${name}: MCD ${scores.mcd.toFixed(2)} dB against the target voice (unconverted ${scores.sourceMcd.toFixed(2)} dB, target through Griffin-Lim ${scores.vocoderMcd.toFixed(2)} dB); ${(100 * scores.calledTarget).toFixed(0)}% called the target voice by the speaker classifier (unconverted ${(100 * scores.sourcesCalledTarget).toFixed(0)}%)`,
    );
    result[name] = scores;
  }
  return { conversion: result };
}

/** An utterance's own log-mel back to a waveform (mel inverse, Griffin-Lim), no network. */
async function resynthesize(u: Utterance, mel: MelOptions, iterations: number): Promise<Float32Array> {
  const samples = tf.tidy(() => {
    const rows = tf.transpose(tf.tensor2d(u.logMel, [mel.melBins, u.frames])) as tf.Tensor2D;
    return griffinLim(melToMagnitude(rows, mel), {
      fftSize: mel.fftSize,
      hopSize: mel.hopSize,
      length: u.samples.length,
      iterations,
    });
  });
  const out = (await samples.data()) as Float32Array;
  samples.dispose();
  return out;
}

/**
 * Voice conversion with CycleGAN-VC (Kaneko & Kameoka 2018) on log-mel spectrograms: two
 * gated 1-D CNN translators G: A -> B and F: B -> A and two PatchGAN discriminators over
 * spectrogram segments, trained on different sentences of the two voices with the LSGAN,
 * cycle and identity terms of CycleGAN (Zhu et al. 2017); waveforms come back by Griffin-Lim.
 * The run's `generator/` is G, `generator-ba/` is F and `speaker-classifier/` the judge of
 * converted speech; `gankit translate speech.wav --run R --out converted.wav` converts a WAV
 * of any rate and channel count.
 * @category Families
 */
export const voiceConversionFamily: FamilyDefinition<VoiceConversionConfig> = {
  name: 'voice-conversion',
  description:
    'CycleGAN-VC (Kaneko & Kameoka 2018): voice style transfer between two speakers from unpaired speech',
  schema: voiceConversionConfigSchema,
  presets: [cycleganVoice],
  sampleCount: 4,
  async build(config, log, context = {}) {
    const { training, model: m, audio } = config;
    const corpus = await corpusOf(config, log);
    const scale = scaleOf(config);
    const classifier = await runSpeakerClassifier(
      corpus.a,
      corpus.b,
      {
        melBins: audio.melBins,
        segmentFrames: m.segmentFrames,
        steps: config.speakerClassifierSteps,
        seed: training.seed,
        scale,
      },
      context.runDir,
      log,
    );
    const translator = (seed: number) =>
      spectrogramTranslator({
        melBins: audio.melBins,
        filters: m.generatorFilters,
        residualBlocks: m.residualBlocks,
        seed,
      });
    const critic = (seed: number) =>
      patchganDiscriminator({
        inputSize: audio.melBins,
        inputWidth: m.segmentFrames,
        conditionChannels: 0,
        imageChannels: 1,
        baseFilters: m.discriminatorFilters,
        layers: m.discriminatorLayers,
        seed,
      });
    const preview = segmentSource(
      corpus.parallelA,
      corpus.parallelB,
      4,
      m.segmentFrames,
      training.seed + 5,
      scale,
    ).next() as UnpairedBatch;
    let strategy: CycleGanStrategy;
    try {
      strategy = cycleGanStrategy({
        generatorAB: translator(training.seed),
        generatorBA: translator(training.seed + 1),
        discriminatorA: critic(training.seed + 2),
        discriminatorB: critic(training.seed + 3),
        cycleWeight: config.cycleWeight,
        identityWeight: config.identityWeight,
        poolSize: config.poolSize,
        loss: config.loss,
        optimizer: config.optimizer,
        preview,
      });
    } finally {
      tf.dispose([preview.a, preview.b]);
    }
    const reverse = strategy.networks.generatorBA!;
    return {
      strategy,
      data: segmentSource(corpus.a, corpus.b, training.batchSize, m.segmentFrames, training.seed, scale),
      saveDerived: async (runDir) => {
        const dir = path.join(runDir, SPEAKER_CLASSIFIER_DIR);
        if (!existsSync(path.join(dir, 'model.json'))) await saveModel(classifier, dir);
      },
      exportNetworks: (_trainer, runDir) =>
        saveModel(reverse, path.join(runDir, VOICE_REVERSE_GENERATOR_DIR)),
      evaluate: (trainer) =>
        trainer.withSamplingNetwork((g) => conversionScores(g, reverse, classifier, corpus, config, log)),
    };
  },
  async evaluate(generator, config, options) {
    const runDir = options.runDir ?? '.';
    const f = await loadReverse(runDir, 'eval');
    const classifier = await loadSpeakerClassifier(runDir, 'eval');
    try {
      const corpus = await loadParallelPairs(config.data, melOptions(config));
      return await conversionScores(generator, f, classifier, corpus, config, options.log);
    } finally {
      f.dispose();
      classifier.dispose();
    }
  },
  async sample(generator, config, { n, out, runDir }) {
    // spectrogram rows: A, G(A), the same sentence in B, then B, F(B), A; WAVs beside the PNG
    const f = await loadReverse(runDir ?? '.', 'sample');
    try {
      const corpus = await loadParallelPairs(config.data, melOptions(config));
      const mel = melOptions(config);
      const scale = scaleOf(config);
      const count = Math.min(n, corpus.parallelA.length);
      const width = 128;
      const tiles: tf.Tensor3D[] = [];
      const stem = out.replace(/\.png$/i, '');
      const tile = (logMel: Float32Array, frames: number) =>
        tf.tidy(() => {
          const x = tf.tensor3d(logMel, [config.audio.melBins, frames, 1]);
          const fitted =
            frames >= width
              ? tf.slice(x, [0, 0, 0], [-1, width, 1])
              : tf.pad(
                  x,
                  [
                    [0, 0],
                    [0, width - frames],
                    [0, 0],
                  ],
                  config.audio.floor,
                );
          // low frequencies at the bottom, as spectrograms are drawn
          return tf.reverse(
            tf.clipByValue(
              tf.sub(tf.mul(tf.sub(fitted, scale.floor), 2 / (scale.ceiling - scale.floor)), 1),
              -1,
              1,
            ),
            0,
          ) as tf.Tensor3D;
        });
      for (let i = 0; i < count; i++) {
        const a = corpus.parallelA[i]!;
        const b = corpus.parallelB[i]!;
        const ab = await convertUtterance(generator, a, scale, mel, config.audio.griffinLimIterations);
        const ba = await convertUtterance(f, b, scale, mel, config.audio.griffinLimIterations);
        tiles.push(tile(a.logMel, a.frames), tile(ab.logMel, a.frames), tile(b.logMel, b.frames));
        tiles.push(tile(b.logMel, b.frames), tile(ba.logMel, b.frames), tile(a.logMel, a.frames));
        const clip = (samples: Float32Array): AudioClip => ({
          sampleRate: mel.sampleRate,
          channels: [samples],
        });
        await writeWav(`${stem}-${i}-a.wav`, clip(a.samples));
        await writeWav(`${stem}-${i}-a2b.wav`, clip(ab.samples));
        await writeWav(`${stem}-${i}-b.wav`, clip(b.samples));
        await writeWav(`${stem}-${i}-b2a.wav`, clip(ba.samples));
      }
      const grid = tf.stack(tiles) as tf.Tensor4D;
      tf.dispose(tiles);
      await saveImageGrid(grid, out, { scale: 2, cols: 3 });
      grid.dispose();
    } finally {
      f.dispose();
    }
  },
  async translate(generator, config, { inputs, direction, out, runDir }) {
    const net = direction === 'a2b' ? generator : await loadReverse(runDir, 'translate');
    const mel = melOptions(config);
    const scale = scaleOf(config);
    const toFile = inputs.length === 1 && out.toLowerCase().endsWith('.wav');
    const written: string[] = [];
    try {
      if (!toFile) await makeDirectory(out);
      for (const file of inputs) {
        const clip = await readWav(file);
        const samples = resample(toMono(clip), clip.sampleRate, mel.sampleRate);
        if (samples.length < mel.fftSize) {
          throw new GanError(
            'INVALID_DATA',
            `translate: ${file} holds ${(samples.length / mel.sampleRate).toFixed(3)} s of sound; at least ${mel.fftSize} samples at ${mel.sampleRate} Hz (one analysis frame) are needed`,
          );
        }
        const u = { name: file, samples, ...(await analyse(samples, mel)) };
        const converted = await convertUtterance(net, u, scale, mel, config.audio.griffinLimIterations);
        // back to the input's rate and channel count
        const back = resample(converted.samples, mel.sampleRate, clip.sampleRate);
        const target = toFile
          ? out
          : path.join(out, `${path.basename(file).replace(/\.[^.]+$/, '')}.${direction}.wav`);
        await writeWav(target, { sampleRate: clip.sampleRate, channels: clip.channels.map(() => back) });
        written.push(target);
      }
    } finally {
      if (net !== generator) net.dispose();
    }
    return written;
  },
};
