import { describe, expect, it } from 'vitest';
import { progressText, terminalProgress, wantsProgressBar } from './terminal-progress.js';

const info = (step: number, extra: Partial<Parameters<typeof progressText>[0]> = {}) => ({
  step,
  totalSteps: 400,
  losses: { d_loss: 1.25, g_loss: 0.5 },
  stepsPerSecond: 20,
  etaMs: ((400 - step) / 20) * 1000,
  ...extra,
});

describe('terminal progress bar', () => {
  it('shows the share done, step, ETA, speed, losses and status', () => {
    expect(progressText(info(100, { status: 'FID 48.21 @100' }), 200)).toBe(
      '[██████░░░░░░░░░░░░░░░░░░]  25% 100/400  ETA 15s  20.0 step/s  d_loss 1.2500  g_loss 0.5000  FID 48.21 @100',
    );
    expect(progressText(info(400), 200)).toMatch(/^\[█{24}\] 100% 400\/400 {2}done/);
  });

  it('fits the terminal width', () => {
    const text = progressText(info(100), 40);
    expect(text.length).toBe(39);
    expect(text.endsWith('…')).toBe(true);
  });

  it('redraws in place at most every interval, prints lines above the bar, and ends on a new line', () => {
    let out = '';
    let clock = 0;
    const bar = terminalProgress({ write: (t: string) => (out += t), columns: 200 }, 100, () => clock);
    bar.log('backend: cpu');
    bar.update(info(1));
    clock = 50;
    bar.update(info(2)); // too soon: not drawn
    clock = 150;
    bar.update(info(3));
    bar.log('samples: step-00000003.png');
    clock = 160;
    bar.update(info(400)); // the last step is always drawn, then the bar is left
    bar.log('done: step 400');
    const frames = out.split('\r\x1b[2K');
    expect(frames[0]).toBe('backend: cpu\n');
    expect(frames.filter((f) => f.includes('/400')).map((f) => f.match(/ (\d+)\/400/)?.[1])).toEqual([
      '1',
      '3',
      '3',
      '400',
    ]);
    expect(out).toContain('\r\x1b[2Ksamples: step-00000003.png\n\r\x1b[2K[');
    expect(out).toMatch(/400\/400 {2}done[^\n]*\ndone: step 400\n$/);
  });

  it('is used only on a terminal outside CI', () => {
    const ci = process.env.CI;
    try {
      delete process.env.CI;
      expect(wantsProgressBar({ isTTY: true })).toBe(process.env.TERM !== 'dumb');
      expect(wantsProgressBar({ isTTY: false })).toBe(false);
      process.env.CI = 'true';
      expect(wantsProgressBar({ isTTY: true })).toBe(false);
    } finally {
      if (ci === undefined) delete process.env.CI;
      else process.env.CI = ci;
    }
  });
});
