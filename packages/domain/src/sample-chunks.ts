import type { SampleChunk } from './http-api';

/** The seq of a chunk's last sample. */
export function lastSeqOf(chunk: SampleChunk): number {
  return chunk.first + chunk.t.length - 1;
}

/** The part of `chunk` at or after `fromSeq` (undefined when nothing is left). */
export function trimChunk(chunk: SampleChunk, fromSeq: number): SampleChunk | undefined {
  if (fromSeq <= chunk.first) return chunk;
  const skip = fromSeq - chunk.first;
  if (skip >= chunk.t.length) return undefined;
  return { first: fromSeq, t: chunk.t.slice(skip), v: chunk.v.slice(skip) };
}

/**
 * Reads seq-ordered chunks into one page of at most `limit` samples starting at
 * `fromSeq`. `more` says whether a sample follows the page; pulling stops right
 * after that is known. Pages are contiguous: a chunk that leaves a gap ends it.
 */
export async function collectPage(
  chunks: AsyncIterable<SampleChunk>,
  fromSeq: number,
  limit: number,
): Promise<SampleChunk & { nextSeq: number; more: boolean }> {
  const t: number[] = [];
  const v: SampleChunk['v'] = [];
  let more = false;
  for await (const raw of chunks) {
    const next = fromSeq + t.length;
    const chunk = trimChunk(raw, next);
    if (chunk === undefined) continue;
    if (chunk.first !== next) break;
    if (t.length === limit) {
      more = true;
      break;
    }
    const take = Math.min(limit - t.length, chunk.t.length);
    for (let i = 0; i < take; i++) {
      t.push(chunk.t[i] as number);
      v.push(chunk.v[i] ?? null);
    }
    if (take < chunk.t.length) {
      more = true;
      break;
    }
  }
  return { first: fromSeq, t, v, nextSeq: fromSeq + t.length, more };
}

/**
 * Regroups seq-ordered chunks into chunks of at most `maxSamples`, starting at
 * `fromSeq` and dropping any sample whose seq was already passed (duplicates
 * from overlapping tiers). Used to send snapshots in bounded messages.
 */
export async function* rechunk(
  chunks: AsyncIterable<SampleChunk>,
  fromSeq: number,
  maxSamples: number,
): AsyncGenerator<SampleChunk> {
  let out: SampleChunk = { first: fromSeq, t: [], v: [] };
  let next = fromSeq;
  for await (const raw of chunks) {
    const chunk = trimChunk(raw, next);
    if (chunk === undefined) continue;
    if (chunk.first !== out.first + out.t.length) {
      if (out.t.length > 0) yield out;
      out = { first: chunk.first, t: [], v: [] };
    }
    for (let i = 0; i < chunk.t.length; i++) {
      out.t.push(chunk.t[i] as number);
      out.v.push(chunk.v[i] ?? null);
      if (out.t.length === maxSamples) {
        yield out;
        out = { first: out.first + maxSamples, t: [], v: [] };
      }
    }
    next = lastSeqOf(chunk) + 1;
  }
  if (out.t.length > 0) yield out;
}
