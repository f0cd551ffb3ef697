import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { GanError } from '@gankit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeIdx, type IdxArray, readIdx, writeIdx } from './idx.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gankit-idx-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function rejection(promise: Promise<unknown>): Promise<GanError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GanError);
  return error as GanError;
}

const samples: IdxArray[] = [
  { dtype: 'uint8', shape: [2, 3], data: new Uint8Array([0, 1, 2, 127, 128, 255]) },
  { dtype: 'int8', shape: [4], data: new Int8Array([-128, -1, 0, 127]) },
  { dtype: 'int16', shape: [2, 2], data: new Int16Array([-32768, -2, 3, 32767]) },
  { dtype: 'int32', shape: [3], data: new Int32Array([-2147483648, 7, 2147483647]) },
  { dtype: 'float32', shape: [1, 2, 2], data: new Float32Array([-1.5, 0, 3.25, Number.POSITIVE_INFINITY]) },
  { dtype: 'float64', shape: [2], data: new Float64Array([Math.PI, -1e300]) },
];

describe('readIdx / writeIdx', () => {
  it.each(samples)('round-trips $dtype through a file, plain and gzipped', async (sample) => {
    for (const name of [`${sample.dtype}.idx`, `${sample.dtype}.idx.gz`]) {
      const path = join(dir, 'nested', name);
      await writeIdx(path, sample);
      const back = await readIdx(path);
      expect(back.dtype).toBe(sample.dtype);
      expect(back.shape).toEqual(sample.shape);
      expect(back.data).toEqual(sample.data);
      expect(back.data.constructor).toBe(sample.data.constructor);
    }
  });

  it('writes big-endian bytes with the standard header (checked by hand)', () => {
    const bytes = encodeIdx({ dtype: 'int16', shape: [2], data: new Int16Array([1, -2]) });
    // magic 00 00 0B 01, dim 2, then 0x0001 and 0xFFFE
    expect(Array.from(bytes)).toEqual([0, 0, 0x0b, 1, 0, 0, 0, 2, 0, 1, 0xff, 0xfe]);
  });

  it('detects gzip by content, not by file name', async () => {
    const sample = samples[2]!;
    const path = join(dir, 'no-suffix');
    await writeFile(path, gzipSync(encodeIdx(sample)));
    expect((await readIdx(path)).data).toEqual(sample.data);
    expect((await readIdx(encodeIdx(sample, { gzip: true }))).data).toEqual(sample.data);
    expect((await readIdx(encodeIdx(sample))).data).toEqual(sample.data);
  });

  it('gzips deterministically', () => {
    const sample = samples[0]!;
    expect(encodeIdx(sample, { gzip: true })).toEqual(encodeIdx(sample, { gzip: true }));
  });

  it('reads from a Uint8Array view with an offset', async () => {
    const bytes = encodeIdx(samples[3]!);
    const padded = new Uint8Array(bytes.length + 3);
    padded.set(bytes, 3);
    expect((await readIdx(padded.subarray(3))).data).toEqual(samples[3]!.data);
  });

  it('rejects a wrong magic number, naming the file', async () => {
    const path = join(dir, 'not-idx.bin');
    await writeFile(path, new Uint8Array([0x12, 0x34, 0x08, 0x01, 0, 0, 0, 0]));
    const error = await rejection(readIdx(path));
    expect(error.code).toBe('INVALID_DATA');
    expect(error.message).toBe(
      `readIdx: ${path} is not an IDX file: magic number 0x12340801, expected 0x0000TTNN ` +
        '(two zero bytes, a type code, the number of dimensions)',
    );
  });

  it('rejects an unknown type code', async () => {
    const error = await rejection(readIdx(new Uint8Array([0, 0, 0x0a, 1, 0, 0, 0, 0])));
    expect(error.code).toBe('INVALID_DATA');
    expect(error.message).toMatch(
      /^readIdx: <bytes> has unknown IDX type code 0x0A \(magic number 0x00000A01\)/,
    );
  });

  it('rejects a truncated file, saying how many bytes were expected and how many arrived', async () => {
    const bytes = encodeIdx({ dtype: 'int32', shape: [2, 3], data: new Int32Array(6) });
    const path = join(dir, 'truncated-idx2-int.gz');
    await writeFile(path, gzipSync(bytes.subarray(0, bytes.length - 5)));
    const error = await rejection(readIdx(path));
    expect(error.code).toBe('INVALID_DATA');
    expect(error.message).toBe(
      `readIdx: ${path} is truncated: its header declares int32 [2, 3], so 36 bytes were expected, got 31`,
    );
    const header = await rejection(readIdx(bytes.subarray(0, 9)));
    expect(header.message).toBe(
      'readIdx: <bytes> is truncated: expected 12 bytes of header for 2 dimensions, got 9',
    );
  });

  it('rejects trailing bytes and a corrupt gzip stream', async () => {
    const bytes = encodeIdx(samples[0]!);
    const long = new Uint8Array(bytes.length + 2);
    long.set(bytes);
    expect((await rejection(readIdx(long))).message).toBe(
      'readIdx: <bytes> has trailing bytes: its header declares uint8 [2, 3], so 18 bytes were expected, got 20',
    );
    const gz = encodeIdx(samples[0]!, { gzip: true });
    const error = await rejection(readIdx(gz.subarray(0, gz.length - 6)));
    expect(error.code).toBe('INVALID_DATA');
    expect(error.message).toMatch(/^readIdx: <bytes> starts like gzip but does not decompress/);
  });

  it('refuses a small gzip file that declares gigabytes before inflating it', async () => {
    // uint8 [2^31]: 2 GiB declared, a few bytes of data
    const header = new Uint8Array([0, 0, 8, 1, 0x80, 0, 0, 0]);
    const bomb = gzipSync(new Uint8Array([...header, 1, 2, 3]));
    const before = process.memoryUsage().rss;
    const error = await rejection(readIdx(bomb));
    expect(error.message).toMatch(
      /declares 2147483656 bytes once inflated \(uint8, 1 dimensions\), more than readIdx reads/,
    );
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 2 ** 20);
  });

  it('stops a gzip stream that inflates past the size its header declares', async () => {
    const header = new Uint8Array([0, 0, 8, 1, 0, 0, 0, 4]);
    const long = gzipSync(new Uint8Array([...header, ...new Uint8Array(100_000)]));
    const error = await rejection(readIdx(long));
    expect(error.message).toContain('inflates to more than the 12 bytes its header declares');
  });

  it('reports a missing file as IO_ERROR', async () => {
    const path = join(dir, 'absent-idx1-ubyte');
    const error = await rejection(readIdx(path));
    expect(error.code).toBe('IO_ERROR');
    expect(error.message).toBe(`readIdx: cannot read ${path}: no such file`);
  });

  it('refuses data that does not match the dtype or shape', () => {
    expect(() => encodeIdx({ dtype: 'uint8', shape: [4], data: new Uint8Array(3) })).toThrow(
      'encodeIdx: data holds 3 elements but shape [4] needs 4',
    );
    expect(() =>
      encodeIdx({ dtype: 'int16', shape: [2], data: new Int32Array(2) } as unknown as IdxArray),
    ).toThrow('encodeIdx: data for dtype int16 must be of type Int16Array, got Int32Array');
  });

  it('writes files that other IDX readers accept (the header layout of the Debian files)', async () => {
    const path = join(dir, 'labels-idx1-ubyte');
    await writeIdx(path, { dtype: 'uint8', shape: [3], data: new Uint8Array([9, 0, 3]) });
    expect(Array.from(await readFile(path))).toEqual([0, 0, 8, 1, 0, 0, 0, 3, 9, 0, 3]);
  });
});
