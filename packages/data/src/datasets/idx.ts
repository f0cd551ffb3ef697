import { readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { constants, gunzipSync, gzipSync } from 'node:zlib';
import { formatShape, GanError } from '@gankit/core';
import { makeDirectory } from '../checkpoint/directories.js';

/**
 * The typed array that holds each IDX element type.
 * @category Data
 */
export interface IdxDataTypes {
  uint8: Uint8Array;
  int8: Int8Array;
  int16: Int16Array;
  int32: Int32Array;
  float32: Float32Array;
  float64: Float64Array;
}

/**
 * The element types an IDX file can hold (type codes 0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E).
 * @category Data
 */
export type IdxDtype = keyof IdxDataTypes;

/**
 * An n-dimensional array read from or written to an IDX file: the element type, the shape
 * (row-major, first dimension slowest) and the data in host byte order. A union over the
 * element types, so checking `dtype` narrows `data`.
 * @category Data
 */
export type IdxArray = {
  [D in IdxDtype]: { dtype: D; shape: number[]; data: IdxDataTypes[D] };
}[IdxDtype];

interface DtypeInfo {
  code: number;
  bytes: number;
}

const DTYPES: Record<IdxDtype, DtypeInfo> = {
  uint8: { code: 0x08, bytes: 1 },
  int8: { code: 0x09, bytes: 1 },
  int16: { code: 0x0b, bytes: 2 },
  int32: { code: 0x0c, bytes: 4 },
  float32: { code: 0x0d, bytes: 4 },
  float64: { code: 0x0e, bytes: 8 },
};

const DTYPE_BY_CODE = new Map<number, IdxDtype>(
  (Object.entries(DTYPES) as [IdxDtype, DtypeInfo][]).map(([dtype, info]) => [info.code, dtype]),
);

const hex = (value: number, digits: number): string =>
  `0x${value.toString(16).toUpperCase().padStart(digits, '0')}`;

const isGzip = (bytes: Uint8Array): boolean => bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;

/**
 * Reads an IDX file (the format of MNIST and Fashion-MNIST), plain or gzip-compressed.
 * Compression is detected from the content (magic bytes `1f 8b`), not from the file name.
 *
 * @param source - a file path, or the file's bytes
 * @returns the element type, the shape and the data, converted from big-endian to host order
 * @throws GanError `IO_ERROR` when the file cannot be read (missing, unreadable)
 * @throws GanError `INVALID_DATA` when the content is not IDX: a wrong magic number, an unknown
 *   type code, a corrupt gzip stream, or a size that differs from what the header declares
 *   (the message says how many bytes were expected and how many arrived)
 * @example
 * ```ts
 * import { join } from 'node:path';
 * import { bundledFashionMnistDir, readIdx } from '@gankit/data';
 * // Debian's full set is /usr/share/datasets/fashion-mnist/ (10,000 test labels)
 * const labels = await readIdx(join(bundledFashionMnistDir(), 't10k-labels-idx1-ubyte.gz'));
 * console.log(labels.dtype, labels.shape); // 'uint8' [500]
 * ```
 * @category Data
 */
export async function readIdx(source: string | Uint8Array): Promise<IdxArray> {
  const name = typeof source === 'string' ? source : '<bytes>';
  let bytes: Uint8Array;
  if (typeof source === 'string') {
    try {
      bytes = await readFile(source);
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(error);
      throw new GanError('IO_ERROR', `readIdx: cannot read ${name}: ${reason}`, { cause: error });
    }
  } else if (source instanceof Uint8Array) {
    bytes = source;
  } else {
    throw new GanError(
      'INVALID_ARGUMENT',
      `readIdx: source must be a file path or a Uint8Array, got ${Object.prototype.toString.call(source).slice(8, -1)}`,
    );
  }
  if (isGzip(bytes)) bytes = gunzipIdx(bytes, name);
  return decodeIdx(bytes, name);
}

/** The largest IDX file `readIdx` inflates: 1 GiB, four times the largest standard IDX set. */
export const MAX_IDX_BYTES = 2 ** 30;

/**
 * Inflates a gzip IDX file after reading the size its header declares from the first
 * kilobytes, so a small file that claims gigabytes fails before anything large is allocated,
 * and a stream that inflates past its header's size stops there.
 */
function gunzipIdx(bytes: Uint8Array, name: string): Uint8Array {
  const fail = (what: string, error?: unknown) =>
    new GanError('INVALID_DATA', `readIdx: ${name} ${what}`, error === undefined ? {} : { cause: error });
  let head: Uint8Array;
  try {
    head = gunzipSync(bytes.subarray(0, 1 << 16), { finishFlush: constants.Z_SYNC_FLUSH });
  } catch (error) {
    throw fail(`starts like gzip but does not decompress: ${String(error)}`, error);
  }
  let limit = MAX_IDX_BYTES;
  const rank = head[3] ?? 0;
  const dtype = DTYPE_BY_CODE.get(head[2] ?? -1);
  if (head.length >= 4 + 4 * rank && head[0] === 0 && head[1] === 0 && dtype !== undefined) {
    const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
    let declared = 4 + 4 * rank;
    let elements = 1;
    for (let i = 0; i < rank; i++) elements *= view.getUint32(4 + 4 * i, false);
    declared += elements * DTYPES[dtype].bytes;
    if (declared > MAX_IDX_BYTES) {
      throw fail(
        `declares ${declared} bytes once inflated (${dtype}, ${rank} dimensions), more than readIdx reads (${MAX_IDX_BYTES}); not inflated`,
      );
    }
    limit = declared;
  }
  try {
    return gunzipSync(bytes, { maxOutputLength: Math.max(limit, 1) });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw fail(`inflates to more than the ${limit} bytes its header declares`, error);
    }
    throw fail(`starts like gzip but does not decompress: ${String(error)}`, error);
  }
}

function decodeIdx(bytes: Uint8Array, name: string): IdxArray {
  if (bytes.length < 4) {
    throw new GanError(
      'INVALID_DATA',
      `readIdx: ${name} is truncated: expected at least 4 bytes of IDX header, got ${bytes.length}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  const typeCode = bytes[2]!;
  const rank = bytes[3]!;
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new GanError(
      'INVALID_DATA',
      `readIdx: ${name} is not an IDX file: magic number ${hex(magic, 8)}, expected 0x0000TTNN ` +
        '(two zero bytes, a type code, the number of dimensions)',
    );
  }
  const dtype = DTYPE_BY_CODE.get(typeCode);
  if (dtype === undefined) {
    throw new GanError(
      'INVALID_DATA',
      `readIdx: ${name} has unknown IDX type code ${hex(typeCode, 2)} (magic number ${hex(magic, 8)}), ` +
        'expected one of 0x08 (uint8), 0x09 (int8), 0x0B (int16), 0x0C (int32), 0x0D (float32), 0x0E (float64)',
    );
  }
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) {
    throw new GanError(
      'INVALID_DATA',
      `readIdx: ${name} is truncated: expected ${headerBytes} bytes of header for ${rank} dimensions, ` +
        `got ${bytes.length}`,
    );
  }
  const shape: number[] = [];
  for (let i = 0; i < rank; i++) shape.push(view.getUint32(4 + 4 * i, false));
  const { bytes: elementBytes } = DTYPES[dtype];
  const size = shape.reduce((a, b) => a * b, 1);
  const expected = headerBytes + size * elementBytes;
  if (bytes.length !== expected) {
    const what = bytes.length < expected ? 'is truncated' : 'has trailing bytes';
    throw new GanError(
      'INVALID_DATA',
      `readIdx: ${name} ${what}: its header declares ${dtype} ${formatShape(shape)}, ` +
        `so ${expected} bytes were expected, got ${bytes.length}`,
    );
  }
  return { dtype, shape, data: decodeElements(dtype, view, headerBytes, size) } as IdxArray;
}

function decodeElements(dtype: IdxDtype, view: DataView, offset: number, size: number): IdxArray['data'] {
  const start = view.byteOffset + offset;
  switch (dtype) {
    case 'uint8':
      // slice copies, so the result never pins a larger (decompressed) buffer
      return new Uint8Array(view.buffer.slice(start, start + size));
    case 'int8':
      return new Int8Array(view.buffer.slice(start, start + size));
    case 'int16': {
      const out = new Int16Array(size);
      for (let i = 0; i < size; i++) out[i] = view.getInt16(offset + 2 * i, false);
      return out;
    }
    case 'int32': {
      const out = new Int32Array(size);
      for (let i = 0; i < size; i++) out[i] = view.getInt32(offset + 4 * i, false);
      return out;
    }
    case 'float32': {
      const out = new Float32Array(size);
      for (let i = 0; i < size; i++) out[i] = view.getFloat32(offset + 4 * i, false);
      return out;
    }
    case 'float64': {
      const out = new Float64Array(size);
      for (let i = 0; i < size; i++) out[i] = view.getFloat64(offset + 8 * i, false);
      return out;
    }
  }
}

/**
 * Options of {@link encodeIdx} and {@link writeIdx}.
 * @category Data
 */
export interface IdxWriteOptions {
  /** Gzip the output. Default: false for {@link encodeIdx}; for {@link writeIdx}, whether the path ends in `.gz`. */
  gzip?: boolean;
}

const EXPECTED_ARRAY: Record<IdxDtype, string> = {
  uint8: 'Uint8Array',
  int8: 'Int8Array',
  int16: 'Int16Array',
  int32: 'Int32Array',
  float32: 'Float32Array',
  float64: 'Float64Array',
};

/**
 * Encodes an array in the IDX format (big-endian), optionally gzip-compressed. The output is
 * deterministic: the same array gives the same bytes (the gzip header carries no timestamp).
 *
 * @param array - the element type, shape and data; `data.length` must equal the product of the shape
 * @param options - `gzip` (default false)
 * @returns the encoded bytes
 * @throws GanError `INVALID_ARGUMENT` for an unknown dtype, a typed array that does not match it,
 *   or a shape that is not a list of 32-bit unsigned integers (at most 255 of them)
 * @throws GanError `SHAPE_MISMATCH` when the data length differs from the product of the shape
 * @example
 * ```ts
 * import { encodeIdx, readIdx } from '@gankit/data';
 * const bytes = encodeIdx({ dtype: 'int16', shape: [2, 2], data: new Int16Array([1, -2, 3, -4]) });
 * console.log((await readIdx(bytes)).data); // Int16Array [1, -2, 3, -4]
 * ```
 * @category Data
 */
export function encodeIdx(array: IdxArray, options: IdxWriteOptions = {}): Uint8Array {
  const { dtype, shape, data } = array;
  const info = DTYPES[dtype];
  if (info === undefined) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `encodeIdx: dtype must be one of ${Object.keys(DTYPES).join(', ')}, got ${String(dtype)}`,
    );
  }
  const kind = Object.prototype.toString.call(data).slice(8, -1);
  if (kind !== EXPECTED_ARRAY[dtype]) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `encodeIdx: data for dtype ${dtype} must be of type ${EXPECTED_ARRAY[dtype]}, got ${kind}`,
    );
  }
  if (
    !Array.isArray(shape) ||
    shape.length > 255 ||
    !shape.every((d) => Number.isInteger(d) && d >= 0 && d <= 0xffffffff)
  ) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `encodeIdx: shape must be at most 255 integers in [0, 2^32), got ${JSON.stringify(shape)}`,
    );
  }
  const size = shape.reduce((a, b) => a * b, 1);
  if (data.length !== size) {
    throw new GanError(
      'SHAPE_MISMATCH',
      `encodeIdx: data holds ${data.length} elements but shape ${formatShape(shape)} needs ${size}`,
    );
  }
  const headerBytes = 4 + 4 * shape.length;
  const out = new Uint8Array(headerBytes + size * info.bytes);
  const view = new DataView(out.buffer);
  out[2] = info.code;
  out[3] = shape.length;
  for (const [i, d] of shape.entries()) view.setUint32(4 + 4 * i, d, false);
  switch (array.dtype) {
    case 'uint8':
    case 'int8':
      out.set(new Uint8Array(array.data.buffer, array.data.byteOffset, size), headerBytes);
      break;
    case 'int16':
      for (let i = 0; i < size; i++) view.setInt16(headerBytes + 2 * i, array.data[i]!, false);
      break;
    case 'int32':
      for (let i = 0; i < size; i++) view.setInt32(headerBytes + 4 * i, array.data[i]!, false);
      break;
    case 'float32':
      for (let i = 0; i < size; i++) view.setFloat32(headerBytes + 4 * i, array.data[i]!, false);
      break;
    case 'float64':
      for (let i = 0; i < size; i++) view.setFloat64(headerBytes + 8 * i, array.data[i]!, false);
      break;
  }
  return options.gzip ? new Uint8Array(gzipSync(out, { level: 9 })) : out;
}

/**
 * Writes an array as an IDX file, creating parent folders. Gzip-compressed when the path ends
 * in `.gz` unless `options.gzip` says otherwise.
 *
 * @param path - where to write
 * @param array - the element type, shape and data
 * @param options - `gzip` (default: whether the path ends in `.gz`)
 * @returns a promise that settles when the file is written
 * @throws GanError `INVALID_ARGUMENT` / `SHAPE_MISMATCH` as {@link encodeIdx} does
 * @throws GanError `IO_ERROR` when the file cannot be written
 * @example
 * ```ts
 * import { writeIdx } from '@gankit/data';
 * await writeIdx('out/labels-idx1-ubyte.gz', { dtype: 'uint8', shape: [3], data: new Uint8Array([0, 1, 2]) });
 * ```
 * @category Data
 */
export async function writeIdx(path: string, array: IdxArray, options: IdxWriteOptions = {}): Promise<void> {
  const bytes = encodeIdx(array, { gzip: options.gzip ?? path.endsWith('.gz') });
  try {
    await makeDirectory(dirname(path), 'writeIdx');
    await writeFile(path, bytes);
  } catch (error) {
    if (error instanceof GanError) throw error;
    throw new GanError('IO_ERROR', `writeIdx: cannot write ${path}: ${String(error)}`, { cause: error });
  }
}
