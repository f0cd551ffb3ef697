// What the page exposes as `window.gankit` (no DOM types: the browser test imports it too).

/** What the page has done, for people in the console and for the browser test. */
export interface PageState {
  backend?: string;
  /** Errors shown on the page. */
  errors: string[];
  /** The last grid drawn on #grid. */
  samples?: { model: string; seed: number; n: number; classIndex: number | null; cols: number };
  /** Grids drawn so far. */
  samplesDone: number;
  /** The last image upscaled onto #sr-output. */
  upscale?: {
    inputWidth: number;
    inputHeight: number;
    width: number;
    height: number;
    scale: number;
    ms: number;
  };
  upscalesDone: number;
  /** The live training: losses of every step, and generated points when it started and now. */
  train: {
    step: number;
    history: { step: number; d_loss?: number; g_loss?: number }[];
    firstSamples?: number[];
    lastSamples?: number[];
    /** Set when a `train=N` run finished its N steps. */
    done: boolean;
  };
}
