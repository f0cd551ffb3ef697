import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, promises as fs, type WriteStream } from 'node:fs';
import * as path from 'node:path';
import { createDeflate, type Deflate } from 'node:zlib';
import { GanError } from '@gankit/core';
import { makeDirectory } from '../checkpoint/directories.js';

// PNG colour types by channel count: grey, grey + alpha, RGB, RGBA (PNG spec, section 11.2.2)
const COLOUR_TYPE: Record<number, number> = { 1: 0, 2: 4, 3: 2, 4: 6 };
const SIGNATURE = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(parts: Uint8Array[]): number {
  let c = 0xffffffff;
  for (const bytes of parts) for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const tail = Buffer.alloc(4);
  tail.writeUInt32BE(crc32([head.subarray(4), data]), 0);
  return Buffer.concat([head, data, tail]);
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/**
 * Writes an 8-bit PNG row band by row band, so an image of any size is encoded with memory
 * bounded by one band (sharp, which encodes everything else, takes its raw input whole). Each
 * row gets the PNG filter with the smallest sum of absolute residuals, the usual heuristic.
 * The file appears under its name only when complete (written beside it, then renamed).
 * @example
 * ```ts
 * import { PngStreamWriter } from '@gankit/data';
 * const png = await PngStreamWriter.open('/tmp/gankit-example/ramp.png', 256, 4, 1);
 * for (let band = 0; band < 2; band++) {
 *   await png.writeRows(Uint8Array.from({ length: 2 * 256 }, (_, i) => i % 256));
 * }
 * await png.close();
 * ```
 * @category Inference
 */
export class PngStreamWriter {
  private rowsWritten = 0;
  private failure: Error | undefined;
  private previous: Uint8Array;
  private readonly rowBytes: number;

  private constructor(
    readonly file: string,
    private readonly tmp: string,
    readonly width: number,
    readonly height: number,
    readonly channels: number,
    private readonly out: WriteStream,
    private readonly deflate: Deflate,
  ) {
    this.rowBytes = width * channels;
    this.previous = new Uint8Array(this.rowBytes);
  }

  /**
   * Starts a PNG file.
   * @param file - destination
   * @param width - pixels per row
   * @param height - rows
   * @param channels - 1, 2, 3 or 4
   * @throws GanError `INVALID_ARGUMENT` for bad sizes, `IO_ERROR` when the file cannot be created
   */
  static async open(file: string, width: number, height: number, channels: number): Promise<PngStreamWriter> {
    const fn = 'PngStreamWriter';
    for (const [name, v] of [
      ['width', width],
      ['height', height],
    ] as const) {
      if (!Number.isInteger(v) || v < 1 || v > 0x7fffffff) {
        throw new GanError(
          'INVALID_ARGUMENT',
          `${fn}: ${name} must be an integer in [1, 2^31 - 1], got ${v}`,
        );
      }
    }
    const colour = COLOUR_TYPE[channels];
    if (colour === undefined) {
      throw new GanError('INVALID_ARGUMENT', `${fn}: channels must be 1, 2, 3 or 4, got ${channels}`);
    }
    await makeDirectory(path.dirname(file), fn);
    const tmp = path.join(
      path.dirname(file),
      `.${path.basename(file)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`,
    );
    const out = createWriteStream(tmp);
    try {
      await once(out, 'open');
    } catch (e) {
      throw new GanError('IO_ERROR', `${fn}: cannot write ${file}: ${(e as Error).message}`, { cause: e });
    }
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(width, 0);
    ihdr.writeUInt32BE(height, 4);
    ihdr.set([8, colour, 0, 0, 0], 8);
    out.write(SIGNATURE);
    out.write(chunk('IHDR', ihdr));
    const deflate = createDeflate({ level: 6 });
    const writer = new PngStreamWriter(file, tmp, width, height, channels, out, deflate);
    // kept for close(), which reports it; without a listener a write error would be uncaught
    out.on('error', (e) => {
      writer.failure ??= e;
    });
    deflate.on('data', (data: Buffer) => {
      if (!out.write(chunk('IDAT', data))) {
        deflate.pause();
        out.once('drain', () => deflate.resume());
      }
    });
    return writer;
  }

  /**
   * Appends rows.
   * @param data - `rows x width x channels` bytes
   */
  async writeRows(data: Uint8Array): Promise<void> {
    const rows = data.length / this.rowBytes;
    if (!Number.isInteger(rows) || this.rowsWritten + rows > this.height) {
      throw new GanError(
        'INVALID_ARGUMENT',
        `PngStreamWriter.writeRows: got ${data.length} bytes; rows of ${this.rowBytes} bytes are expected, ${this.height - this.rowsWritten} rows at most`,
      );
    }
    const bpp = this.channels;
    const n = this.rowBytes;
    const candidates = Array.from({ length: 5 }, () => new Uint8Array(n + 1));
    for (let r = 0; r < rows; r++) {
      const row = data.subarray(r * n, (r + 1) * n);
      const up = this.previous;
      let best = candidates[0]!;
      let bestCost = Number.POSITIVE_INFINITY;
      for (let filter = 0; filter < 5; filter++) {
        const f = candidates[filter]!;
        f[0] = filter;
        let cost = 0;
        for (let i = 0; i < n; i++) {
          const a = i >= bpp ? row[i - bpp]! : 0;
          const b = up[i]!;
          const c = i >= bpp ? up[i - bpp]! : 0;
          const predicted =
            filter === 0
              ? 0
              : filter === 1
                ? a
                : filter === 2
                  ? b
                  : filter === 3
                    ? (a + b) >> 1
                    : paeth(a, b, c);
          const v = (row[i]! - predicted) & 0xff;
          f[i + 1] = v;
          cost += v < 128 ? v : 256 - v;
        }
        if (cost < bestCost) {
          bestCost = cost;
          best = f;
        }
      }
      if (!this.deflate.write(Buffer.from(best))) await once(this.deflate, 'drain');
      this.previous = row.slice();
    }
    this.rowsWritten += rows;
  }

  /**
   * Finishes the file and gives it its name.
   * @throws GanError `INVALID_ARGUMENT` when rows are missing, `IO_ERROR` when writing fails
   */
  async close(): Promise<void> {
    if (this.rowsWritten !== this.height) {
      await this.abort();
      throw new GanError(
        'INVALID_ARGUMENT',
        `PngStreamWriter.close: ${this.rowsWritten} of ${this.height} rows were written`,
      );
    }
    try {
      const ended = once(this.deflate, 'end');
      this.deflate.end();
      await ended;
      this.out.write(chunk('IEND', new Uint8Array(0)));
      this.out.end();
      if (!this.failure) await once(this.out, 'finish');
      if (this.failure) throw this.failure;
      await fs.rename(this.tmp, this.file);
    } catch (e) {
      await this.abort();
      throw new GanError('IO_ERROR', `PngStreamWriter: cannot write ${this.file}: ${(e as Error).message}`, {
        cause: e,
      });
    }
  }

  /** Stops and removes the partial file. */
  async abort(): Promise<void> {
    this.deflate.removeAllListeners('data');
    this.deflate.destroy();
    this.out.destroy();
    await fs.rm(this.tmp, { force: true });
  }
}
