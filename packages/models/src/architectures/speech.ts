import { checkInteger, SeededRandom } from '@gankit/core';
import * as tfl from '@tensorflow/tfjs-layers';
import { heInit, sym } from './blocks.js';

/**
 * Options of {@link spectrogramTranslator}.
 * @category Architectures
 */
export interface SpectrogramTranslatorOptions {
  /** Mel bins: the rows of the spectrogram image. */
  melBins: number;
  /** Channels of the first gated conv (default 32); the downsampled layers have 2x and 4x. */
  filters?: number;
  /** Gated residual blocks at a quarter of the frame rate (default 4). */
  residualBlocks?: number;
  /** Seed of the initial weights. */
  seed?: number;
}

/**
 * A gated 1-D convolution over time, `a * sigmoid(g)` (Dauphin et al. 2017), the unit of
 * CycleGAN-VC; each branch is a conv (stride `strides`) followed by layer normalization
 * over the channels of each frame.
 */
function gatedConv(
  x: tfl.SymbolicTensor,
  filters: number,
  kernelSize: number,
  strides: number,
  name: string,
  rng: SeededRandom,
  normalize: boolean,
): tfl.SymbolicTensor {
  const branch = (part: string) => {
    let h = sym(
      tfl.layers.conv1d({
        filters,
        kernelSize,
        strides,
        padding: 'same',
        kernelInitializer: heInit(rng),
        name: `${name}_${part}`,
      }),
      x,
    );
    if (normalize) h = sym(tfl.layers.layerNormalization({ axis: -1, name: `${name}_${part}_norm` }), h);
    return h;
  };
  const linear = branch('linear');
  const gate = sym(tfl.layers.activation({ activation: 'sigmoid', name: `${name}_sigmoid` }), branch('gate'));
  return sym(tfl.layers.multiply({ name }), [linear, gate]);
}

/**
 * Doubles the frame rate the way a sub-pixel shuffle does in 2-D (Shi et al. 2016): a conv
 * to 2x the channels, whose frame t becomes frames 2t and 2t+1.
 */
function upsample(
  x: tfl.SymbolicTensor,
  filters: number,
  name: string,
  rng: SeededRandom,
): tfl.SymbolicTensor {
  const wide = gatedConv(x, filters * 2, 5, 1, name, rng, true);
  return sym(tfl.layers.reshape({ targetShape: [-1, filters], name: `${name}_shuffle` }), wide);
}

/**
 * The voice-conversion generator of CycleGAN-VC (Kaneko & Kameoka 2018), over log-mel
 * spectrograms: a 1-D gated CNN along time whose channels are the mel bins. A change of
 * speaker moves every harmonic and formant along the frequency axis at once; with the bins
 * as channels, each layer sees the whole spectrum of its frames, where a 2-D conv would need
 * many layers to carry energy across a pitch shift. A gated conv (k 15), two stride-2 gated
 * convs, `residualBlocks` gated residual blocks, two sub-pixel upsamplings and a conv
 * (k 15) back to the mel bins with tanh. Input and output are spectrogram images
 * [batch, melBins, frames, 1] (mel rows, time columns) so that image tools (pools, grids,
 * PatchGAN discriminators) take them; the frame count is free (any multiple of 4), so a
 * whole utterance is converted in one call.
 *
 * @param options - mel bins, width, residual blocks, seed
 * @returns a tf.LayersModel [b, melBins, frames, 1] -> [b, melBins, frames, 1] in [-1, 1]
 * @throws GanError `INVALID_ARGUMENT` naming the option for non-positive sizes
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { spectrogramTranslator } from '@gankit/models';
 * const g = spectrogramTranslator({ melBins: 16, filters: 8, residualBlocks: 1 });
 * const y = g.predict(tf.zeros([2, 16, 40, 1])) as tf.Tensor; // [2, 16, 40, 1]
 * ```
 * @category Architectures
 */
export function spectrogramTranslator(options: SpectrogramTranslatorOptions): tfl.LayersModel {
  const fn = 'spectrogramTranslator';
  const mel = checkInteger(fn, 'melBins', options.melBins);
  const c = checkInteger(fn, 'filters', options.filters ?? 32);
  const blocks = checkInteger(fn, 'residualBlocks', options.residualBlocks ?? 4, 0);
  const rng = new SeededRandom(options.seed ?? 0);

  const input = tfl.input({ shape: [mel, null, 1], name: 'spectrogram' });
  // [mel, t, 1] -> [t, mel]: time along the conv, bins as channels
  let h = sym(tfl.layers.permute({ dims: [2, 1, 3], name: 'to_frames' }), input);
  h = sym(tfl.layers.reshape({ targetShape: [-1, mel], name: 'bins_as_channels' }), h);
  h = gatedConv(h, c, 15, 1, 'in', rng, false);
  h = gatedConv(h, c * 2, 5, 2, 'down1', rng, true);
  h = gatedConv(h, c * 4, 5, 2, 'down2', rng, true);
  for (let i = 1; i <= blocks; i++) {
    const inner = gatedConv(h, c * 8, 3, 1, `res${i}_gated`, rng, true);
    let out = sym(
      tfl.layers.conv1d({
        filters: c * 4,
        kernelSize: 3,
        padding: 'same',
        kernelInitializer: heInit(rng),
        name: `res${i}_conv`,
      }),
      inner,
    );
    out = sym(tfl.layers.layerNormalization({ axis: -1, name: `res${i}_norm` }), out);
    h = sym(tfl.layers.add({ name: `res${i}` }), [h, out]);
  }
  h = upsample(h, c * 2, 'up1', rng);
  h = upsample(h, c, 'up2', rng);
  h = sym(
    tfl.layers.conv1d({
      filters: mel,
      kernelSize: 15,
      padding: 'same',
      activation: 'tanh',
      kernelInitializer: heInit(rng),
      name: 'output',
    }),
    h,
  );
  h = sym(tfl.layers.reshape({ targetShape: [-1, mel, 1], name: 'channels_as_bins' }), h);
  const out = sym(tfl.layers.permute({ dims: [2, 1, 3], name: 'to_image' }), h);
  return tfl.model({ inputs: input, outputs: out, name: 'spectrogram_translator' });
}
