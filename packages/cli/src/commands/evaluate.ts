import { existsSync } from 'node:fs';
import * as path from 'node:path';
import {
  type BackendChoice,
  GanError,
  loadImage,
  loadModel,
  type RawImage,
  resizeBicubic,
  setupBackend,
  tiledUpscale,
  writeFileAtomic,
} from '@gankit/core';
import { psnr, ssim } from '@gankit/metrics';
import * as tf from '@tensorflow/tfjs-core';
import { readRunConfig, runPaths } from '../run/run-dir.js';

/** scikit-image's sample photographs: held out for evaluation, never used for training. */
export const SKIMAGE_EVAL_IMAGES = ['astronaut', 'chelsea', 'coffee', 'rocket', 'motorcycle_left'];
const SKIMAGE_DATA = '/usr/lib/python3/dist-packages/skimage/data';

/** Flags of `gankit eval`. */
export interface EvalFlags {
  /** Evaluation images; default: scikit-image's sample photos (Debian python3-skimage). */
  images?: string[];
  backend: BackendChoice;
  threads?: number;
}

/** One row of the evaluation: an image, scored for bicubic and for the run's generator. */
export interface EvalRow {
  image: string;
  size: [number, number];
  bicubic: { psnr: number; ssim: number };
  model: { psnr: number; ssim: number };
}

function toTensor(image: RawImage): tf.Tensor3D {
  return tf.tidy(() =>
    tf.sub(tf.div(tf.tensor3d(image.data, [image.height, image.width, image.channels], 'float32'), 127.5), 1),
  ) as tf.Tensor3D;
}

/**
 * `gankit eval <runDir>`: scores a super-resolution run on held-out photos as SR papers do:
 * each image cropped to a multiple of the scale, downscaled bicubically, upscaled by the run's
 * generator (tiled) and by bicubic interpolation; PSNR and SSIM on the luma with `scale`
 * border pixels cut. Writes `<runDir>/eval.json`.
 */
export async function evalCommand(
  runDir: string,
  flags: EvalFlags,
  log: (line: string) => void,
): Promise<EvalRow[]> {
  const dir = path.resolve(runDir);
  const config = await readRunConfig(dir);
  if (config.data.dataset !== 'image-folder') {
    throw new GanError(
      'INVALID_ARGUMENT',
      `eval: ${runDir} is a '${config.family}' run; eval scores super-resolution runs (srresnet-x4, srgan-x4, lsrgan-x4)`,
    );
  }
  const scale = config.data.scale;
  const files =
    flags.images ??
    SKIMAGE_EVAL_IMAGES.map((n) => path.join(SKIMAGE_DATA, `${n}.png`)).filter((f) => existsSync(f));
  if (files.length === 0) {
    throw new GanError(
      'IO_ERROR',
      `eval: no evaluation images; pass some, or install scikit-image's samples with 'apt-get install python3-skimage'`,
    );
  }
  await setupBackend({
    backend: flags.backend,
    ...(flags.threads === undefined ? {} : { threads: flags.threads }),
  });
  const generator = await loadModel(runPaths(dir).generator);
  // the run's folder names the model: the preset alone does not say the scale ('--set data.scale=2')
  const label = path.basename(dir);
  const rows: EvalRow[] = [];
  try {
    for (const file of files) {
      const full = await loadImage(file, { channels: 3 });
      const w = full.width - (full.width % scale);
      const h = full.height - (full.height % scale);
      // crop to a multiple of the scale (top-left), as SR benchmarks do
      const data = new Uint8Array(w * h * 3);
      for (let y = 0; y < h; y++)
        data.set(full.data.subarray(y * full.width * 3, (y * full.width + w) * 3), y * w * 3);
      const hr: RawImage = { data, width: w, height: h, channels: 3 };
      const lr = await resizeBicubic(hr, w / scale, h / scale);
      const bicubic = await resizeBicubic(lr, w, h);
      const sr = await tiledUpscale(generator, lr, { tile: 64, overlap: 16 });
      const [ref, bic, out] = [hr, bicubic, sr].map(toTensor);
      const opts = { crop: scale } as const;
      const row: EvalRow = {
        image: path.basename(file),
        size: [w, h],
        bicubic: { psnr: (await psnr(ref!, bic!, opts)).mean, ssim: (await ssim(ref!, bic!, opts)).mean },
        model: { psnr: (await psnr(ref!, out!, opts)).mean, ssim: (await ssim(ref!, out!, opts)).mean },
      };
      tf.dispose([ref!, bic!, out!]);
      rows.push(row);
      log(
        `${row.image.padEnd(22)} bicubic ${row.bicubic.psnr.toFixed(2)} dB / ${row.bicubic.ssim.toFixed(4)}   ${label} ${row.model.psnr.toFixed(2)} dB / ${row.model.ssim.toFixed(4)}`,
      );
    }
  } finally {
    generator.dispose();
  }
  const mean = (f: (r: EvalRow) => number) => rows.reduce((s, r) => s + f(r), 0) / rows.length;
  log(
    `mean (Y, ${scale}-pixel border cut)    bicubic ${mean((r) => r.bicubic.psnr).toFixed(2)} dB / ${mean((r) => r.bicubic.ssim).toFixed(4)}   ${label} ${mean((r) => r.model.psnr).toFixed(2)} dB / ${mean((r) => r.model.ssim).toFixed(4)}`,
  );
  await writeFileAtomic(
    path.join(dir, 'eval.json'),
    `${JSON.stringify({ preset: config.preset, scale, rows }, null, 2)}\n`,
  );
  return rows;
}
