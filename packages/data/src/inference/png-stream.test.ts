import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSharp } from '../datasets/image-io.js';
import { PngStreamWriter } from './png-stream.js';

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'gankit-png-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

/** Noise in the left half and smooth ramps in the right, so every filter type wins somewhere. */
function picture(width: number, height: number, channels: number): Uint8Array {
  const data = new Uint8Array(width * height * channels);
  let s = 7;
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      for (let c = 0; c < channels; c++) {
        s = (s * 1103515245 + 12345) >>> 0;
        data[(y * width + x) * channels + c] =
          x < width / 2 ? (s >>> 16) & 255 : (x * 3 + y * 5 + c * 40) & 255;
      }
  return data;
}

describe('PngStreamWriter', () => {
  it.each([1, 2, 3, 4])(
    'writes %i-channel images band by band that decode to the same bytes',
    async (channels) => {
      const [width, height] = [37, 23];
      const pixels = picture(width, height, channels);
      const file = path.join(tmp, `c${channels}`, 'out.png');
      const png = await PngStreamWriter.open(file, width, height, channels);
      const rowBytes = width * channels;
      for (const [from, to] of [
        [0, 1],
        [1, 10],
        [10, 23],
      ]) {
        await png.writeRows(pixels.subarray(from! * rowBytes, to! * rowBytes));
      }
      await png.close();
      const sharp = await loadSharp('test');
      expect((await sharp(file).metadata()).channels).toBe(channels);
      // sharp hands grey images out as sRGB (grey + alpha as RGBA): keep the grey and alpha bytes
      const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
      const decoded =
        channels === 1
          ? data.filter((_, i) => i % 3 === 0)
          : channels === 2
            ? data.filter((_, i) => i % 4 === 0 || i % 4 === 3)
            : data;
      expect([info.width, info.height]).toEqual([width, height]);
      expect(new Uint8Array(decoded)).toEqual(pixels);
      expect(await fs.readdir(path.dirname(file))).toEqual(['out.png']);
    },
  );

  it('refuses rows of the wrong length or too many, and an unfinished image leaves no file', async () => {
    const file = path.join(tmp, 'short.png');
    const png = await PngStreamWriter.open(file, 4, 3, 3);
    await expect(png.writeRows(new Uint8Array(5))).rejects.toThrow(
      /rows of 12 bytes are expected, 3 rows at most/,
    );
    await expect(png.writeRows(new Uint8Array(48))).rejects.toThrow(
      /rows of 12 bytes are expected, 3 rows at most/,
    );
    await png.writeRows(new Uint8Array(24));
    await expect(png.close()).rejects.toThrow('PngStreamWriter.close: 2 of 3 rows were written');
    expect(await fs.readdir(tmp)).not.toContain('short.png');
    expect((await fs.readdir(tmp)).filter((n) => n.includes('.tmp-'))).toEqual([]);
    await expect(PngStreamWriter.open(file, 0, 3, 3)).rejects.toThrow(/width must be an integer/);
    await expect(PngStreamWriter.open(file, 3, 3, 5)).rejects.toThrow(/channels must be 1, 2, 3 or 4, got 5/);
  });
});
