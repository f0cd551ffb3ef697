import { GanError } from '@gankit/core';
import { afterEach, describe, expect, it } from 'vitest';
import { espeakAvailable, speak } from './espeak.js';

const original = process.env.GANKIT_ESPEAK;
afterEach(() => {
  if (original === undefined) delete process.env.GANKIT_ESPEAK;
  else process.env.GANKIT_ESPEAK = original;
});

describe('speak', () => {
  it('speaks a sentence at the asked rate, the same samples each time', async () => {
    // CI installs espeak-ng (.ci/run); without it this machine cannot speak
    expect(await espeakAvailable()).toBe(true);
    const voice = { name: 'en-us+f4', pitch: 75 };
    const a = await speak('the grey cat found a silver key', voice, 16000);
    expect(a.sampleRate).toBe(16000);
    expect(a.channels).toHaveLength(1);
    const seconds = a.channels[0]!.length / 16000;
    expect(seconds).toBeGreaterThan(1);
    expect(seconds).toBeLessThan(5);
    expect(Math.max(...a.channels[0]!.map(Math.abs))).toBeGreaterThan(0.05);
    const b = await speak('the grey cat found a silver key', voice, 16000);
    expect(b.channels[0]).toEqual(a.channels[0]);
    // a lower voice is another sound
    const low = await speak('the grey cat found a silver key', { name: 'en-us+m3', pitch: 30 }, 16000);
    expect(low.channels[0]).not.toEqual(a.channels[0]);
  });

  it('names what is wrong: empty text, a voice that is no voice name, pitch out of range', async () => {
    await expect(speak('  ', { name: 'en' }, 16000)).rejects.toThrow('speak: text is empty');
    await expect(speak('hello', { name: 'en; rm -rf' }, 16000)).rejects.toThrow(/speak: voice.name must be/);
    await expect(speak('hello', { name: 'en', pitch: 120 }, 16000)).rejects.toThrow(
      'speak: voice.pitch must be an integer in 0..99, got 120',
    );
    // espeak-ng itself would speak these in its default voice without a word
    await expect(speak('hello', { name: 'no-such-voice' }, 16000)).rejects.toThrow(
      'speak: espeak-ng has no voice "no-such-voice"',
    );
    await expect(speak('hello', { name: 'en-us+m99' }, 16000)).rejects.toThrow(
      'speak: espeak-ng has no voice "en-us+m99"',
    );
  });

  it('says how to install espeak-ng when it is missing', async () => {
    process.env.GANKIT_ESPEAK = '/nonexistent/espeak-ng';
    expect(await espeakAvailable()).toBe(false);
    const error = await speak('hello', { name: 'en' }, 16000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GanError);
    expect((error as GanError).code).toBe('BACKEND_UNAVAILABLE');
    expect((error as GanError).message).toMatch(/apt-get install espeak-ng/);
  });
});
