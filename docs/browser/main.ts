// The gankit browser page: zoo generators loaded with plain @tensorflow/tfjs (samples, a latent
// walk, x4 super-resolution), and a GAN trained live with gankit's browser-safe packages.
// Query parameters: backend, model, seed, n, class, train (see index.html's footer).
import '@gankit/models'; // registers gankit's custom layers (PixelShuffle, Resize2D, ...) with tfjs-layers
import * as tf from '@tensorflow/tfjs';
import { chooseBackend } from './backend.js';
import { drawLosses, drawRing, RingGan, yieldToPage } from './ring.js';
import {
  cellAt,
  drawGrid,
  type Generator,
  generate,
  gridColumns,
  latents,
  loadGenerator,
  sampleLabels,
  slerp,
} from './sampling.js';
import type { PageState } from './state.js';
import { bicubic, decodeImage, drawRgba, tiledUpscale } from './upscale.js';

declare global {
  interface Window {
    gankit: PageState;
  }
}

const state: PageState = {
  errors: [],
  samplesDone: 0,
  upscalesDone: 0,
  train: { step: 0, history: [], done: false },
};
window.gankit = state;

const params = new URLSearchParams(location.search);
const byId = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const input = (id: string) => byId<HTMLInputElement>(id);
const select = (id: string) => byId<HTMLSelectElement>(id);

/** The zoo models the page loads (copied beside it by build.mjs). */
const SAMPLERS: Record<string, { numClasses?: number }> = {
  'dcgan-fashion': {},
  'cgan-fashion': { numClasses: 10 },
};
const UPSCALER = 'srresnet-x4';
const FASHION_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

function showError(where: HTMLElement, e: unknown): void {
  const message = e instanceof Error ? e.message : String(e);
  state.errors.push(message);
  where.textContent = message;
  where.classList.add('error');
  console.error(e);
}

/** Whole number from a query parameter or an input, within [lo, hi]. */
function whole(value: string | null, fallback: number, lo: number, hi: number): number {
  const v = Number(value);
  return value !== null && value !== '' && Number.isInteger(v) ? Math.min(hi, Math.max(lo, v)) : fallback;
}

// ---- samples and the latent walk ---------------------------------------------------------

const loaded = new Map<string, Promise<Generator>>();
function generator(name: string): Promise<Generator> {
  let g = loaded.get(name);
  if (!g) {
    g = loadGenerator(name, SAMPLERS[name]?.numClasses);
    loaded.set(name, g);
    // a failed load (the server went away) is tried again next time
    g.catch(() => loaded.delete(name));
  }
  return g;
}

/** The grid on screen: its generator, latents and labels, for the walk. */
let shown:
  | { g: Generator; z: Float32Array; labels: number[] | undefined; n: number; cols: number }
  | undefined;

async function showCard(name: string): Promise<void> {
  const card = byId('card');
  try {
    const response = await fetch(`models/${name}/card.json`);
    const c = (await response.json()) as { description: string; steps: number; wallTime: string };
    card.textContent = `${name}: ${c.description} (${c.wallTime} of training). `;
    const link = document.createElement('a');
    link.href = `models/${name}/card.json`;
    link.textContent = 'model card';
    card.append(link);
  } catch {
    card.textContent = name;
  }
}

function syncClassControl(): void {
  const numClasses = SAMPLERS[select('model').value]?.numClasses;
  byId('class-label').hidden = numClasses === undefined;
  // every class: a whole number of rows of one class each, as `gankit sample` draws them
  const n = whole(input('n').value, 64, 1, 256);
  if (numClasses !== undefined && select('class').value === 'all' && n % numClasses !== 0) {
    input('n').value = String(Math.min(256 - (256 % numClasses), numClasses * Math.ceil(n / numClasses)));
  }
}

let sampling = Promise.resolve();
/** Draws the grid for the controls' model, seed, n and class (one at a time). */
function sample(): Promise<void> {
  sampling = sampling.then(sampleNow, sampleNow);
  return sampling;
}

async function sampleNow(): Promise<void> {
  const status = byId('sample-status');
  status.classList.remove('error');
  try {
    const name = select('model').value;
    syncClassControl();
    status.textContent = `loading ${name}...`;
    const g = await generator(name);
    const seed = whole(input('seed').value, 1, 0, 2 ** 31);
    const n = whole(input('n').value, 64, 1, 256);
    const cls = select('class').value;
    const classIndex = g.numClasses !== undefined && cls !== 'all' ? Number(cls) : undefined;
    const started = performance.now();
    const z = await latents(n, g.latentDim, seed);
    const labels = g.numClasses !== undefined ? sampleLabels(n, g.numClasses, classIndex) : undefined;
    const out = await generate(g, z, labels);
    const cols = gridColumns(n, g.numClasses, classIndex);
    drawGrid(byId<HTMLCanvasElement>('grid'), out.values, out.shape, cols);
    byId('grid').style.width = `${byId<HTMLCanvasElement>('grid').width * 3}px`;
    shown = { g, z, labels, n, cols };
    const ms = performance.now() - started;
    status.textContent = `${n} samples of ${name}, seed ${seed}${classIndex === undefined ? '' : `, class ${classIndex} (${FASHION_CLASSES[classIndex]})`}, in ${ms.toFixed(0)} ms. The same as: gankit sample --model ${name} --n ${n} --seed ${seed}${classIndex === undefined ? '' : ` --class ${classIndex}`}`;
    state.samples = { model: name, seed, n, classIndex: classIndex ?? null, cols };
    state.samplesDone++;
    input('walk-from').max = String(n);
    input('walk-to').max = String(n);
    walkKey = '';
    await walk();
  } catch (e) {
    showError(status, e);
  }
}

let walkKey = '';
/** Draws the walk at the slider's t, and the strip of 9 steps when its ends changed. */
async function walk(): Promise<void> {
  if (!shown) return;
  const { g, z, labels, n } = shown;
  const d = g.latentDim;
  const from = whole(input('walk-from').value, 1, 1, n) - 1;
  const to = whole(input('walk-to').value, 2, 1, n) - 1;
  const a = z.subarray(from * d, (from + 1) * d);
  const b = z.subarray(to * d, (to + 1) * d);
  // a conditional walk keeps the first end's class
  const label = labels ? [labels[from]!] : undefined;
  const t = Number(input('walk-t').value);
  const frame = await generate(g, slerp(a, b, t), label);
  drawGrid(byId<HTMLCanvasElement>('walk'), frame.values, frame.shape, 1);
  byId('walk').style.width = `${byId<HTMLCanvasElement>('walk').width * 6}px`;
  const key = `${g.name}|${from}|${to}|${shown.z[0]}|${label?.[0]}`;
  if (key !== walkKey) {
    walkKey = key;
    const steps = 9;
    const zs = new Float32Array(steps * d);
    for (let i = 0; i < steps; i++) zs.set(slerp(a, b, i / (steps - 1)), i * d);
    const strip = await generate(g, zs, label ? new Array<number>(steps).fill(label[0]!) : undefined);
    drawGrid(byId<HTMLCanvasElement>('walk-strip'), strip.values, strip.shape, steps);
    byId('walk-strip').style.width = `${byId<HTMLCanvasElement>('walk-strip').width * 3}px`;
  }
}

let playing = false;
async function play(): Promise<void> {
  playing = !playing;
  byId('walk-play').textContent = playing ? 'pause' : 'play';
  let direction = 1;
  while (playing) {
    const slider = input('walk-t');
    let t = Number(slider.value) + 0.02 * direction;
    if (t >= 1 || t <= 0) {
      direction = -direction;
      t = Math.min(1, Math.max(0, t));
    }
    slider.value = String(t);
    await walk();
    await new Promise((resolve) => requestAnimationFrame(resolve));
  }
}

// ---- super-resolution ----------------------------------------------------------------------

let upscaler: Promise<tf.LayersModel> | undefined;
async function upscale(file: File): Promise<void> {
  const status = byId('sr-status');
  status.classList.remove('error');
  try {
    if (!upscaler) {
      upscaler = tf.loadLayersModel(new URL(`models/${UPSCALER}/generator/model.json`, location.href).href);
      upscaler.catch(() => (upscaler = undefined));
    }
    status.textContent = `loading ${UPSCALER}...`;
    const model = await upscaler;
    const image = await decodeImage(file);
    const inputCanvas = byId<HTMLCanvasElement>('sr-input');
    drawRgba(inputCanvas, image);
    drawRgba(byId<HTMLCanvasElement>('sr-bicubic'), bicubic(image, 4));
    const started = performance.now();
    const { image: big, scale } = await tiledUpscale(model, image, (done, total) => {
      status.textContent = `${UPSCALER}: tile ${done}/${total}...`;
    });
    const ms = performance.now() - started;
    drawRgba(byId<HTMLCanvasElement>('sr-output'), big);
    status.textContent = `${file.name}: ${image.width}x${image.height} to ${big.width}x${big.height} (x${scale}) in ${(ms / 1000).toFixed(1)} s. The same as: gankit upscale ${file.name} --model ${UPSCALER}`;
    state.upscale = {
      inputWidth: image.width,
      inputHeight: image.height,
      width: big.width,
      height: big.height,
      scale,
      ms,
    };
    state.upscalesDone++;
  } catch (e) {
    showError(status, e);
  }
}

function wireDrop(): void {
  const drop = byId('drop');
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    const file = e.dataTransfer?.files[0];
    if (file) void upscale(file);
  });
  input('file').addEventListener('change', () => {
    const file = input('file').files?.[0];
    if (file) void upscale(file);
  });
}

// ---- live training -------------------------------------------------------------------------

let gan: RingGan | undefined;
let training = false;

async function drawTraining(): Promise<void> {
  if (!gan) return;
  const fake = await gan.samples();
  drawRing(byId<HTMLCanvasElement>('ring'), gan.real, fake);
  drawLosses(byId<HTMLCanvasElement>('losses'), gan.history);
  state.train.lastSamples = Array.from(fake.subarray(0, 64));
  state.train.firstSamples ??= state.train.lastSamples;
}

/** Trains until stopped, or `steps` more steps. */
async function train(steps = Number.POSITIVE_INFINITY): Promise<void> {
  const status = byId('train-status');
  status.classList.remove('error');
  gan ??= new RingGan();
  training = true;
  byId('train').textContent = 'stop';
  const target = gan.step + steps;
  let mark = { step: gan.step, time: performance.now() };
  try {
    while (training && gan.step < target) {
      const last = await gan.trainStep();
      state.train.step = gan.step;
      state.train.history.push({ ...last });
      if (gan.step % 25 === 0 || gan.step === target) {
        await drawTraining();
        const now = performance.now();
        const rate = ((gan.step - mark.step) * 1000) / (now - mark.time);
        mark = { step: gan.step, time: now };
        status.textContent = `step ${gan.step}: d_loss ${last.d_loss?.toFixed(3)}, g_loss ${last.g_loss?.toFixed(3)} (${rate.toFixed(0)} steps/s)`;
      }
      if (gan.step % 5 === 0) await yieldToPage();
    }
  } catch (e) {
    showError(status, e);
  } finally {
    training = false;
    byId('train').textContent = 'train';
  }
}

async function resetTraining(): Promise<void> {
  training = false;
  gan ??= new RingGan();
  gan.reset();
  state.train = { step: 0, history: [], done: false };
  await drawTraining();
  byId('train-status').textContent = 'step 0';
}

// ---- start ---------------------------------------------------------------------------------

async function start(): Promise<void> {
  const line = byId('backend');
  try {
    const choice = await chooseBackend(params.get('backend') ?? 'auto');
    state.backend = choice.name;
    line.textContent = `backend: ${choice.name} (tfjs ${tf.version.tfjs})${choice.skipped.length ? `; skipped ${choice.skipped.join('; ')}` : ''}`;
  } catch (e) {
    showError(line, e);
    return;
  }
  const classes = select('class');
  classes.append(new Option('all (one row each)', 'all'));
  for (const [i, name] of FASHION_CLASSES.entries()) classes.append(new Option(`${i}: ${name}`, String(i)));
  const model = params.get('model') ?? 'dcgan-fashion';
  if (!(model in SAMPLERS)) {
    showError(
      byId('sample-status'),
      new Error(`model must be one of ${Object.keys(SAMPLERS).join(', ')}; got '${model}'`),
    );
    return;
  }
  select('model').value = model;
  input('seed').value = String(whole(params.get('seed'), 1, 0, 2 ** 31));
  const cls = params.get('class');
  if (cls !== null) classes.value = String(whole(cls, 0, 0, 9));
  else classes.value = 'all';
  const conditionalGrid = SAMPLERS[model]?.numClasses !== undefined && cls === null;
  input('n').value = String(whole(params.get('n'), conditionalGrid ? 100 : 64, 1, 256));

  select('model').addEventListener('change', () => {
    void showCard(select('model').value);
    void sample();
  });
  for (const id of ['class', 'seed', 'n']) byId(id).addEventListener('change', () => void sample());
  byId('resample').addEventListener('click', () => void sample());
  byId('reseed').addEventListener('click', () => {
    input('seed').value = String(Math.floor(Math.random() * 100000));
    void sample();
  });
  let nextEnd: 'walk-from' | 'walk-to' = 'walk-from';
  byId('grid').addEventListener('click', (e) => {
    if (!shown) return;
    const canvas = byId<HTMLCanvasElement>('grid');
    const cell = cellAt(
      canvas,
      [shown.n, shown.g.model.outputs[0]!.shape[1] as number, shown.g.model.outputs[0]!.shape[2] as number],
      shown.cols,
      e.clientX,
      e.clientY,
    );
    if (cell === undefined) return;
    input(nextEnd).value = String(cell + 1);
    nextEnd = nextEnd === 'walk-from' ? 'walk-to' : 'walk-from';
    void walk();
  });
  for (const id of ['walk-from', 'walk-to']) byId(id).addEventListener('change', () => void walk());
  input('walk-t').addEventListener('input', () => void walk());
  byId('walk-play').addEventListener('click', () => void play());
  wireDrop();
  byId('train').addEventListener('click', () => {
    if (training) training = false;
    else void train();
  });
  byId('train-reset').addEventListener('click', () => void resetTraining());

  void showCard(model);
  await sample();
  gan = new RingGan();
  await drawTraining();
  const steps = params.get('train');
  if (steps !== null) {
    await train(whole(steps, 300, 1, 100000));
    state.train.done = true;
  }
}

window.addEventListener('error', (e) => state.errors.push(e.message));
window.addEventListener('unhandledrejection', (e) => state.errors.push(String(e.reason)));
void start();
