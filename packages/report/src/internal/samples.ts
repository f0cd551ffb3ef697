// Sample grids as inline images: choosing which to embed, reading them as data: URIs.

import { promises as fs } from 'node:fs';
import { esc } from './html.js';

/** `keep` evenly spaced items of a list plus its last one (all of them when they fit). */
export function evenlySpaced<T>(items: readonly T[], keep: number): T[] {
  const n = items.length;
  if (n <= keep + 1) return [...items];
  const picked = new Set<number>();
  for (let i = 0; i < keep; i++) picked.add(Math.round((i * (n - 1)) / keep));
  picked.add(n - 1);
  return [...picked].sort((a, b) => a - b).map((i) => items[i]!);
}

/** A PNG's width and height from its header, if it is one. */
export function pngSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length < 24 || signature.some((b, i) => bytes[i] !== b)) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

/** An embedded image: its data: URI and its size (when the header gives it). */
export interface InlineImage {
  readonly uri: string;
  readonly width?: number | undefined;
  readonly height?: number | undefined;
}

/** Reads an image file as a data: URI; undefined when it cannot be read. */
export async function readInlineImage(file: string): Promise<InlineImage | undefined> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch {
    return undefined;
  }
  const size = pngSize(bytes);
  return {
    uri: `data:image/png;base64,${bytes.toString('base64')}`,
    width: size?.width,
    height: size?.height,
  };
}

/**
 * An `<img>` of an embedded grid, drawn at an integer multiple of its size so that small grids
 * (28-pixel digits) reach about `target` pixels wide and stay sharp.
 */
export function imgTag(image: InlineImage, alt: string, attrs = '', target = 420): string {
  let size = '';
  if (image.width && image.height) {
    const scale = Math.max(1, Math.min(4, Math.floor(target / image.width)));
    size = ` width="${image.width * scale}" height="${image.height * scale}"`;
  }
  return `<img class="grid" src="${image.uri}" alt="${esc(alt)}"${size}${attrs}>`;
}
