import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { ObjectMissingError, SegmentFormatError } from './cold-store-errors';
import {
  decodeIndexBlock,
  INDEX_HEAD_BYTES,
  parseIndexHead,
  type IndexBlock,
  type ObjectIndex,
} from './object-index';
import type { ObjectKeys } from './object-keys';
import { hasIndex, pieceIndexOf } from './piece-format';
import type { ReadCache } from './read-cache';

const gunzipAsync = promisify(gunzip);

/** What the reader needs of the cold store: ranged GETs and whole-object line streams. */
export interface RangeSource {
  /** Bytes start..end (inclusive) of an object; ObjectMissingError when it is gone. */
  readRange(key: string, start: number, end: number): Promise<Buffer>;
  /** Every line of a segment-format object, streamed. */
  readObjectLines(key: string): AsyncGenerator<string>;
}

/**
 * A piece's bytes did not hold what the index says (its first seq). The data
 * object was rewritten after its index was read (a legacy object given an
 * index); a reader looks again.
 */
export class StaleIndexError extends SegmentFormatError {}

/** A data object as a reader knows it from a listing (or a manifest): key, size, seqs. */
export interface DataObject {
  key: string;
  size: number;
  first: number;
  last: number;
}

/** Objects up to this size without an index are decoded whole into the cache. */
const WHOLE_OBJECT_CACHE_BYTES = 4 * 1024 * 1024;

/**
 * Reads data objects (segments, merged objects) through their indexes: from
 * any seq, piece by piece, by ranged GETs; index heads, blocks and decoded
 * pieces come from the shared read cache (a piece is decoded once however
 * many readers want it). A small object has no index (it is one piece) and
 * is decoded whole, through the cache too. A large object without an index
 * (written before indexes existed) is streamed from its start, as before.
 *
 * Cache keys carry the data object's size: the only objects ever rewritten
 * under the same key (a merged object of a run still completing, a legacy
 * segment given pieces) change size, so a cached entry never answers for
 * other bytes; a rewrite of equal size is caught by the piece check.
 */
export class ObjectReader {
  constructor(
    private readonly source: RangeSource,
    private readonly keys: ObjectKeys,
    private readonly cache: ReadCache,
  ) {}

  /** The index of a data object; undefined when it has none (small, or legacy) that fits it. */
  async index(object: DataObject): Promise<ObjectIndex | undefined> {
    if (!hasIndex(object)) return undefined;
    const { key, size } = object;
    const found = await this.cache.get(
      `index|${key}|${size}`,
      async () => (await this.loadIndex(key)) ?? null,
      (index) => (index === null ? 64 : 64 + index.pieces.length * 48 + index.levels.length * 64),
    );
    return found !== null && found.dataBytes === size ? found : undefined;
  }

  /** The cell records of one index block (opaque JSON arrays: the domain reads them). */
  async block({ key, size }: DataObject, block: IndexBlock): Promise<unknown[]> {
    const indexKey = this.keys.indexOf(key);
    return this.cache.get(
      `block|${key}|${size}|${block.offset}`,
      async () =>
        decodeIndexBlock(
          await this.source.readRange(indexKey, block.offset, block.offset + block.length - 1),
          indexKey,
        ),
      (records) => 64 + records.length * 160,
    );
  }

  /**
   * The chunk texts (lines) of piece `i`, checked against the index; kept in
   * the read cache unless `cache` is false (a read passing over much data once).
   */
  async piece(
    { key, size }: DataObject,
    index: ObjectIndex,
    i: number,
    cache = true,
  ): Promise<string[]> {
    const piece = index.pieces[i];
    if (piece === undefined) throw new RangeError(`${key}: no piece ${i}`);
    const cacheKey = `piece|${key}|${size}|${piece.offset}`;
    const load = async (): Promise<string[]> => {
      const bytes = await this.source.readRange(key, piece.offset, piece.offset + piece.length - 1);
      let lines: string[];
      try {
        lines = await gunzipLines(bytes);
      } catch (err) {
        throw new StaleIndexError(`${key}: piece ${i} is not a gzip member`, { cause: err });
      }
      if (firstSeqOfLine(lines[0]) !== piece.first)
        throw new StaleIndexError(`${key}: piece ${i} does not start at seq ${piece.first}`);
      return lines;
    };
    return cache
      ? this.cache.get(cacheKey, load, linesBytes)
      : this.cache.peekOrLoad(cacheKey, load);
  }

  /** Every line of a small object without an index, decoded once for every reader. */
  async wholeObject({ key, size }: DataObject): Promise<string[]> {
    return this.cache.get(
      `whole|${key}|${size}`,
      async () => {
        const bytes = await this.source.readRange(key, 0, Math.max(0, size - 1));
        try {
          return await gunzipLines(bytes);
        } catch (err) {
          throw new SegmentFormatError(`${key}: not a valid gzip stream`, { cause: err });
        }
      },
      linesBytes,
    );
  }

  /**
   * The lines of `key` from the piece holding `fromSeq` on (the caller trims
   * the first). The next piece is fetched while the current one is consumed.
   * Without an index: every line from the start. `cache` false reads pieces
   * past the read cache (see piece).
   */
  async *linesFrom(object: DataObject, fromSeq: number, cache = true): AsyncGenerator<string> {
    const index = await this.index(object);
    if (index === undefined) {
      if (object.size <= WHOLE_OBJECT_CACHE_BYTES) yield* await this.wholeObject(object);
      else yield* this.source.readObjectLines(object.key);
      return;
    }
    let i = Math.max(0, pieceIndexOf(index.pieces, fromSeq));
    let next: Promise<string[]> | undefined = this.piece(object, index, i, cache);
    while (next !== undefined) {
      const lines = await next;
      i++;
      next = i < index.pieces.length ? this.piece(object, index, i, cache) : undefined;
      // Read ahead, but a reader that stops early must not leave a rejection unhandled.
      next?.catch(() => undefined);
      yield* lines;
    }
  }

  private async loadIndex(key: string): Promise<ObjectIndex | undefined> {
    const indexKey = this.keys.indexOf(key);
    let head: Buffer;
    try {
      head = await this.source.readRange(indexKey, 0, INDEX_HEAD_BYTES - 1);
    } catch (err) {
      if (err instanceof ObjectMissingError) return undefined;
      throw err;
    }
    const parsed = parseIndexHead(head, indexKey);
    if ('index' in parsed) return parsed.index;
    const whole = await this.source.readRange(indexKey, 0, parsed.needBytes - 1);
    const again = parseIndexHead(whole, indexKey);
    if ('index' in again) return again.index;
    throw new SegmentFormatError(`${indexKey}: index header longer than the object`);
  }
}

/** The `"s"` of a stored chunk line, read from its start without parsing the rest. */
export function firstSeqOfLine(line: string | undefined): number | undefined {
  const m = line === undefined ? null : /^\s*\{\s*"s"\s*:\s*(\d+)/.exec(line);
  return m === null ? undefined : Number(m[1]);
}

async function gunzipLines(bytes: Buffer): Promise<string[]> {
  const text = (await gunzipAsync(bytes)).toString('utf8');
  return text.split('\n').filter((line) => !/^\s*$/.test(line));
}

function linesBytes(lines: string[]): number {
  return lines.reduce((n, line) => n + line.length + 16, 64);
}
