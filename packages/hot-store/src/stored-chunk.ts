import type { SampleChunk, WireValue } from '@runstream/domain';
import { decodePackedChunk, isPackedChunk, packedChunkText, packedRange } from './packed-chunk';

/**
 * An entry of a buffer or transfer key, as Redis holds it: a packed chunk
 * (packed-chunk.ts, what the write script stores), or the JSON chunk text
 * `{"s":<first seq>,"t":[...],"v":[...]}` an earlier version stored — a
 * rolling upgrade leaves those in buffers and transfers, and they are read
 * as they are. The first byte tells them apart ('{' or the packed tag).
 * Read here, and only here, on the Redis side.
 */
interface StoredChunk {
  s: number;
  t: number[];
  v: WireValue[];
}

export function parseStoredChunk(entry: Buffer): SampleChunk {
  if (isPackedChunk(entry)) return decodePackedChunk(entry);
  const c = JSON.parse(entry.toString('utf8')) as StoredChunk;
  return { first: c.s, t: c.t, v: c.v };
}

/** The entry as a JSON chunk text, the form segments and readers take (see ChunkText). */
export function storedChunkText(entry: Buffer): string {
  return isPackedChunk(entry) ? packedChunkText(entry) : entry.toString('utf8');
}

/** The first and last seq an entry holds. */
export function chunkRange(entry: Buffer): { first: number; last: number } {
  if (isPackedChunk(entry)) {
    const { first, count } = packedRange(entry);
    return { first, last: first + count - 1 };
  }
  const c = parseStoredChunk(entry);
  return { first: c.first, last: c.first + c.t.length - 1 };
}

/** The first seq of an entry, read from its start (the write script puts it first). */
export function firstSeqOf(entry: Buffer): number {
  if (isPackedChunk(entry)) return packedRange(entry).first;
  const m = /^\{"s":(\d+)/.exec(entry.toString('latin1', 0, 24));
  return m === null ? parseStoredChunk(entry).first : Number(m[1]);
}
