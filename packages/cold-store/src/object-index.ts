import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { SegmentFormatError } from './cold-store-errors';
import type { PieceEntry } from './piece-format';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/**
 * The index object beside a data object (segment or merged object): where
 * its pieces are, and its bucket pyramid (docs/read-path.md). Layout:
 *
 *   "RSIX" | u32 version | u32 header bytes | header JSON (UTF-8) | blocks
 *
 * (u32 little-endian). The header lists the pieces and, per pyramid level,
 * its blocks: each block is the gzip'd JSON array of the cell records of up
 * to INDEX_BLOCK_CELLS consecutive cells. A reader fetches the first
 * INDEX_HEAD_BYTES (the whole index, for most segments), then the blocks it
 * needs by ranged GETs. The cold store treats cell records as opaque JSON
 * arrays; their meaning is the domain's (series buckets).
 */
export const INDEX_MAGIC = 'RSIX';
export const INDEX_VERSION = 1;
const PREAMBLE_BYTES = 12;

/** Cells per block: a block is read whole, so it bounds a query's over-read at one level. */
export const INDEX_BLOCK_CELLS = 1024;

/** What a reader fetches first: enough for the header of any but the largest objects. */
export const INDEX_HEAD_BYTES = 64 * 1024;

/** One pyramid level as written: the records of consecutive cells from `firstCell`. */
export interface IndexLevelInput {
  shift: number;
  firstCell: number;
  records: readonly unknown[];
}

export interface IndexBlock {
  firstCell: number;
  cells: number;
  /** Absolute byte offset in the index object, and length. */
  offset: number;
  length: number;
}

export interface IndexLevel {
  shift: number;
  blocks: IndexBlock[];
}

/** An index object's header: everything but the blocks' contents. */
export interface ObjectIndex {
  /** The seqs its data object holds: first..last. */
  first: number;
  last: number;
  /** Size of the data object it describes: a mismatch means the index is not this object's. */
  dataBytes: number;
  pieces: PieceEntry[];
  levels: IndexLevel[];
}

export interface ObjectIndexInput {
  first: number;
  last: number;
  dataBytes: number;
  pieces: readonly PieceEntry[];
  levels: readonly IndexLevelInput[];
}

interface HeaderJson {
  first: number;
  last: number;
  dataBytes: number;
  pieces: [number, number, number, number][];
  levels: { shift: number; blocks: [number, number, number, number][] }[];
}

/** The bytes of an index object. Blocks are compressed concurrently on the thread pool. */
export async function encodeObjectIndex(input: ObjectIndexInput): Promise<Buffer> {
  const plan: { level: number; firstCell: number; records: readonly unknown[] }[] = [];
  input.levels.forEach((level, i) => {
    for (let k = 0; k < level.records.length; k += INDEX_BLOCK_CELLS)
      plan.push({
        level: i,
        firstCell: level.firstCell + k,
        records: level.records.slice(k, k + INDEX_BLOCK_CELLS),
      });
  });
  const blocks = await Promise.all(
    plan.map((b) => gzipAsync(JSON.stringify(b.records), { level: 6 })),
  );
  const levels: HeaderJson['levels'] = input.levels.map((l) => ({ shift: l.shift, blocks: [] }));
  let offset = 0;
  plan.forEach((b, i) => {
    const length = blocks[i]?.length ?? 0;
    levels[b.level]?.blocks.push([b.firstCell, b.records.length, offset, length]);
    offset += length;
  });
  const header: HeaderJson = {
    first: input.first,
    last: input.last,
    dataBytes: input.dataBytes,
    pieces: input.pieces.map((p) => [p.first, p.firstT, p.offset, p.length]),
    levels,
  };
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const preamble = Buffer.alloc(PREAMBLE_BYTES);
  preamble.write(INDEX_MAGIC, 0, 'latin1');
  preamble.writeUInt32LE(INDEX_VERSION, 4);
  preamble.writeUInt32LE(headerBytes.length, 8);
  return Buffer.concat([preamble, headerBytes, ...blocks]);
}

/**
 * Parses the header from the first bytes of an index object: the index, or
 * how many bytes the header needs when `head` is too short. `label` names
 * the object in errors.
 */
export function parseIndexHead(
  head: Buffer,
  label: string,
): { index: ObjectIndex } | { needBytes: number } {
  if (head.length < PREAMBLE_BYTES || head.toString('latin1', 0, 4) !== INDEX_MAGIC)
    throw new SegmentFormatError(`${label}: not an object index`);
  const version = head.readUInt32LE(4);
  if (version !== INDEX_VERSION)
    throw new SegmentFormatError(
      `${label}: index version ${version}, this reader knows ${INDEX_VERSION}`,
    );
  const headerBytes = head.readUInt32LE(8);
  const end = PREAMBLE_BYTES + headerBytes;
  if (head.length < end) return { needBytes: end };
  let json: unknown;
  try {
    json = JSON.parse(head.toString('utf8', PREAMBLE_BYTES, end));
  } catch (err) {
    throw new SegmentFormatError(`${label}: index header is not JSON`, { cause: err });
  }
  return { index: toObjectIndex(json, end, label) };
}

/** The records of one block, from its bytes. */
export async function decodeIndexBlock(bytes: Buffer, label: string): Promise<unknown[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse((await gunzipAsync(bytes)).toString('utf8'));
  } catch (err) {
    throw new SegmentFormatError(`${label}: index block is not gzip'd JSON`, { cause: err });
  }
  if (!Array.isArray(parsed)) throw new SegmentFormatError(`${label}: index block is not an array`);
  return parsed as unknown[];
}

function toObjectIndex(json: unknown, blocksAt: number, label: string): ObjectIndex {
  const bad = (what: string): never => {
    throw new SegmentFormatError(`${label}: index header: ${what}`);
  };
  if (typeof json !== 'object' || json === null) return bad('not an object');
  const h = json as Partial<HeaderJson>;
  const seq = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) >= 1;
  const size = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) >= 0;
  if (!seq(h.first) || !seq(h.last) || h.last < h.first) return bad('first/last');
  if (!size(h.dataBytes)) return bad('dataBytes');
  if (!Array.isArray(h.pieces) || h.pieces.length === 0) return bad('pieces');
  const pieces = h.pieces.map((p: unknown): PieceEntry => {
    if (!Array.isArray(p) || p.length !== 4) return bad('piece entry');
    const [first, firstT, offset, length] = p as unknown[];
    if (!seq(first) || typeof firstT !== 'number' || !size(offset) || !size(length))
      return bad('piece entry');
    return { first, firstT, offset, length };
  });
  if (!Array.isArray(h.levels)) return bad('levels');
  const levels = h.levels.map((l: unknown): IndexLevel => {
    const level = l as Partial<HeaderJson['levels'][number]> | null;
    if (
      level === null ||
      typeof level !== 'object' ||
      !size(level.shift) ||
      !Array.isArray(level.blocks)
    )
      return bad('level');
    return {
      shift: level.shift,
      blocks: level.blocks.map((b: unknown): IndexBlock => {
        if (!Array.isArray(b) || b.length !== 4) return bad('block entry');
        const [firstCell, cells, offset, length] = b as unknown[];
        if (!size(firstCell) || !size(cells) || !size(offset) || !size(length))
          return bad('block entry');
        return { firstCell, cells, offset: blocksAt + offset, length };
      }),
    };
  });
  return { first: h.first, last: h.last, dataBytes: h.dataBytes, pieces, levels };
}

/** The blocks of `level` that hold cells firstCell..lastCell, in order. */
export function blocksFor(level: IndexLevel, firstCell: number, lastCell: number): IndexBlock[] {
  return level.blocks.filter(
    (b) => b.firstCell <= lastCell && b.firstCell + b.cells - 1 >= firstCell,
  );
}
