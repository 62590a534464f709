import type { SampleChunk, WireValue } from '@runstream/domain';

/**
 * The text form of a chunk in a buffer or transfer key, as the write script
 * builds it: `{"s":<first seq>,"t":[...],"v":[...]}`. Read here, and only
 * here, on the Redis side.
 */
interface StoredChunk {
  s: number;
  t: number[];
  v: WireValue[];
}

export function parseStoredChunk(text: string): SampleChunk {
  const c = JSON.parse(text) as StoredChunk;
  return { first: c.s, t: c.t, v: c.v };
}

/** The first and last seq a chunk text holds. */
export function chunkRange(text: string): { first: number; last: number } {
  const c = parseStoredChunk(text);
  return { first: c.first, last: c.first + c.t.length - 1 };
}

/** The first seq of a chunk text, read from its start (the write script puts `{"s":` first). */
export function firstSeqOf(text: string): number {
  const m = /^\{"s":(\d+)/.exec(text);
  return m === null ? parseStoredChunk(text).first : Number(m[1]);
}
