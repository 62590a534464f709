import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { SEGMENT_GZIP_LEVEL, segmentLines } from './segment-format';

const gzipAsync = promisify(gzip);

/**
 * Most samples in one piece (gzip member) of a data object, unless a single
 * chunk is larger. A read that starts anywhere downloads and decodes at most
 * one piece it does not return: this bounds the over-read of every seek.
 */
export const PIECE_MAX_SAMPLES = 16_384;

/**
 * Whether a data object holding seqs first..last has an index object: only
 * one that may hold more than one piece. Smaller ones are read whole.
 */
export function hasIndex(span: { first: number; last: number }): boolean {
  return span.last - span.first + 1 > PIECE_MAX_SAMPLES;
}

/** A stored chunk text and what a piece table needs of it, known to the caller (it parsed it). */
export interface ChunkEntry {
  text: string;
  first: number;
  count: number;
  /** t of the chunk's first sample: the piece table keeps it for time seeks. */
  firstT: number;
}

/** Where one piece of a data object is: its first seq and t, byte offset and length. */
export interface PieceEntry {
  first: number;
  firstT: number;
  offset: number;
  length: number;
}

export interface EncodedPieces {
  body: Buffer;
  pieces: PieceEntry[];
}

/**
 * A data object as pieces: the chunk lines cut into groups of at most
 * PIECE_MAX_SAMPLES samples (whole chunks), each group one gzip member. The
 * members are compressed concurrently on libuv's thread pool (a flush is
 * how Redis gets out of memory pressure: its gzip must not wait in line).
 * Chunks must be contiguous in seq; the caller's contract.
 */
export async function encodePieces(
  chunks: readonly ChunkEntry[],
  level = SEGMENT_GZIP_LEVEL,
): Promise<EncodedPieces> {
  const groups = groupIntoPieces(chunks);
  const members = await Promise.all(
    groups.map((group) => gzipAsync(segmentLines(group.map((c) => c.text)), { level })),
  );
  const pieces: PieceEntry[] = [];
  let offset = 0;
  groups.forEach(([head], i) => {
    const length = members[i]?.length ?? 0;
    if (head !== undefined) pieces.push({ first: head.first, firstT: head.firstT, offset, length });
    offset += length;
  });
  return { body: Buffer.concat(members, offset), pieces };
}

/** Whole chunks, at most PIECE_MAX_SAMPLES samples a group (a larger chunk alone). */
export function groupIntoPieces<C extends { count: number }>(chunks: readonly C[]): C[][] {
  const groups: C[][] = [];
  let group: C[] = [];
  let samples = 0;
  for (const chunk of chunks) {
    if (group.length > 0 && samples + chunk.count > PIECE_MAX_SAMPLES) {
      groups.push(group);
      group = [];
      samples = 0;
    }
    group.push(chunk);
    samples += chunk.count;
  }
  if (group.length > 0) groups.push(group);
  return groups;
}

/** The piece holding `seq` (the last whose first is ≤ seq), by binary search; -1 before the first. */
export function pieceIndexOf(pieces: readonly PieceEntry[], seq: number): number {
  let lo = 0;
  let hi = pieces.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if ((pieces[mid]?.first ?? Infinity) <= seq) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}
