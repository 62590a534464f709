import { pipeline, Readable } from 'node:stream';
import { promisify } from 'node:util';
import { createGunzip, gzip, type ZlibOptions } from 'node:zlib';
import type { SampleChunk, WireValue } from '@runstream/domain';
import { SegmentFormatError } from './cold-store-errors';

const gzipAsync = promisify(gzip);

/**
 * The format of segment and merged objects: gzip'd NDJSON, one stored chunk
 * per line, each line exactly the chunk text the hot store keeps in Redis:
 *
 *   {"s":1,"t":[0,0.1,0.2],"v":[1.5,{"$num":"NaN"},-3]}
 *   {"s":4,"t":[0.3],"v":["a string"]}
 *
 * `s` is the seq of the line's first sample, `t` and `v` are parallel arrays,
 * `v` in the wire encoding (NaN, ±Infinity and -0 as `{"$num":…}` tags). A
 * flush uploads Redis list entries without parsing or re-encoding a number,
 * and anyone can read an object with standard tools:
 *
 *   zcat merged.ndjson.gz | jq -c '.t'
 *   pandas.read_json('merged.ndjson.gz', lines=True, compression='gzip')
 *
 * A line break inside a chunk text can only be JSON whitespace (JSON strings
 * hold `\n` escaped), e.g. from a pretty-printed request body the ingest kept
 * as it came; such breaks become spaces so each chunk stays one line. U+2028
 * and U+2029 (legal raw inside JSON strings, but line ends to some readers,
 * e.g. Python's str.splitlines) are escaped.
 */

/** Content-Type of segment and merged objects: a gzip file, not a gzip transfer encoding. */
export const SEGMENT_CONTENT_TYPE = 'application/gzip';

/**
 * Compression of segments: level 1. A flush is how Redis gets out of memory
 * pressure, and gzip is most of its cost: on benchmark data level 1 flushed
 * 2.3× faster than level 6 for 13 % more bytes. A merged object is its
 * segments' gzip members joined as they are (see ColdStore.putMerged), so it
 * keeps this level too: merging 6.5× faster than re-compressing at level 6,
 * for 14 % more bytes.
 */
export const SEGMENT_GZIP_LEVEL = 1;

/**
 * Longest line the decoder accepts. A longer one means a corrupt object (or
 * one without newlines); V8 could not hold it as a string anyway.
 */
export const MAX_LINE_BYTES = 256 * 1024 * 1024;

const LINE_BREAKS = /[\n\r\u2028\u2029]/;
const LINE_BREAKS_ALL = /[\n\r\u2028\u2029]/g;

/** A chunk text as one NDJSON line (without its `\n`). Unchanged in the usual case. */
export function toSegmentLine(chunkText: string): string {
  if (!LINE_BREAKS.test(chunkText)) return chunkText;
  return chunkText.replace(LINE_BREAKS_ALL, (ch) =>
    ch === '\n' || ch === '\r' ? ' ' : ch === '\u2028' ? '\\u2028' : '\\u2029',
  );
}

/**
 * The NDJSON bytes of chunk texts, a line each: every line written into one
 * buffer. A string grown by `+=` and encoded after took 25-50 times longer
 * (V8 flattens the rope first; 14 % of a flush's CPU, apps/bench).
 */
export function segmentLines(chunkTexts: readonly string[]): Buffer {
  const lines = chunkTexts.map(toSegmentLine);
  let bytes = 0;
  for (const line of lines) bytes += Buffer.byteLength(line) + 1;
  const out = Buffer.allocUnsafe(bytes);
  let at = 0;
  for (const line of lines) {
    at += out.write(line, at);
    out[at++] = 0x0a;
  }
  return out;
}

/** The stored chunk text of a chunk (domain's chunk-text), beside its parser here. */
export { formatChunk } from '@runstream/domain';

interface StoredChunk {
  s: unknown;
  t: unknown;
  v: unknown;
}

/**
 * Parses one line into a chunk, checking its shape (not every value: those
 * were validated on ingest). `where` names the line in error messages.
 */
export function parseChunkText(text: string, where = 'chunk'): SampleChunk {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new SegmentFormatError(`${where}: not JSON (${(err as Error).message})`, { cause: err });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new SegmentFormatError(`${where}: not a chunk object`);
  const { s, t, v } = parsed as StoredChunk;
  if (typeof s !== 'number' || !Number.isSafeInteger(s) || s < 1)
    throw new SegmentFormatError(`${where}: "s" must be a seq (an integer >= 1)`);
  if (!Array.isArray(t) || !Array.isArray(v) || t.length !== v.length || t.length === 0)
    throw new SegmentFormatError(`${where}: "t" and "v" must be non-empty arrays of equal length`);
  return { first: s, t: t as number[], v: v as WireValue[] };
}

/** What a piece table needs of a stored chunk: its first seq and t, and its sample count. */
export interface ChunkHead {
  first: number;
  count: number;
  firstT: number;
}

/**
 * The head of a stored chunk text without parsing it: `"s"`, and the `"t"`
 * array (numbers only, so its end is the first `]` after it and its length
 * one more than its commas). `where` names the chunk in errors.
 */
export function chunkTextHead(text: string, where = 'chunk'): ChunkHead {
  const m = /^\s*\{\s*"s"\s*:\s*(\d+)\s*,\s*"t"\s*:\s*\[/.exec(text);
  if (m === null) throw new SegmentFormatError(`${where}: not a stored chunk ({"s":…,"t":[…`);
  const open = m[0].length;
  const close = text.indexOf(']', open);
  if (close < 0) throw new SegmentFormatError(`${where}: "t" is not closed`);
  let count = 1;
  for (let at = text.indexOf(',', open); at >= 0 && at < close; at = text.indexOf(',', at + 1))
    count++;
  const firstEnd = text.indexOf(',', open);
  const firstT = Number(text.slice(open, firstEnd >= 0 && firstEnd < close ? firstEnd : close));
  if (Number.isNaN(firstT) || text.slice(open, close).trim() === '')
    throw new SegmentFormatError(`${where}: "t" must be a non-empty array of numbers`);
  // A literal beyond double range (1e999) reads as ±Infinity, which the index's JSON cannot hold.
  const clamped = Math.max(-Number.MAX_VALUE, Math.min(Number.MAX_VALUE, firstT));
  return { first: Number(m[1]), count, firstT: clamped };
}

export interface EncodeOptions {
  /** zlib level 1-9; default SEGMENT_GZIP_LEVEL. */
  level?: number;
}

/**
 * The gzip'd segment holding `chunkTexts`, in one buffer (a flush has the
 * texts in memory already, from one LRANGE). One zlib call on libuv's thread
 * pool, off the event loop: ~10-15 % cheaper than the stream in ~64 KiB steps.
 */
export async function encodeSegment(
  chunkTexts: readonly string[],
  options: EncodeOptions = {},
): Promise<Buffer> {
  return gzipAsync(segmentLines(chunkTexts), zlibOptions(options));
}

export interface DecodeOptions {
  /** Names the object in error messages, e.g. its key. */
  label?: string;
  /** Longest line accepted; default MAX_LINE_BYTES. */
  maxLineBytes?: number;
}

/**
 * The lines (chunk texts) of a gzip'd segment, streamed: gunzip, then split
 * at `\n` bytes. Memory holds one decompressed block and one line, never the
 * object. A byte 0x0A never occurs inside a multi-byte UTF-8 character, so
 * splitting bytes before decoding is safe across block boundaries. CRLF and
 * blank lines are tolerated; concatenated gzip members are read as one.
 * Stopping early (break) destroys `gzipped`, freeing its socket.
 */
export async function* decodeSegmentLines(
  gzipped: Readable | AsyncIterable<Uint8Array>,
  options: DecodeOptions = {},
): AsyncGenerator<string> {
  const label = options.label ?? 'segment';
  const maxLineBytes = options.maxLineBytes ?? MAX_LINE_BYTES;
  const source = gzipped instanceof Readable ? gzipped : Readable.from(gzipped);
  const gunzip = pipeline(source, createGunzip(), () => undefined);
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let lineNo = 0;
  const take = (tail: Buffer): string => {
    const bytes = pending.length === 0 ? tail : Buffer.concat([...pending, tail]);
    pending = [];
    pendingBytes = 0;
    lineNo++;
    let end = bytes.length;
    if (end > 0 && bytes[end - 1] === 0x0d) end--;
    return bytes.toString('utf8', 0, end);
  };
  try {
    for await (const block of gunzip as AsyncIterable<Buffer>) {
      let from = 0;
      for (;;) {
        const nl = block.indexOf(0x0a, from);
        if (nl < 0) break;
        const line = take(block.subarray(from, nl));
        from = nl + 1;
        if (!isBlank(line)) yield line;
      }
      if (from < block.length) {
        pending.push(block.subarray(from));
        pendingBytes += block.length - from;
        if (pendingBytes > maxLineBytes)
          throw new SegmentFormatError(
            `${label}: line ${lineNo + 1} is longer than ${maxLineBytes} bytes`,
          );
      }
    }
  } catch (err) {
    gunzip.destroy();
    if (isZlibError(err))
      throw new SegmentFormatError(`${label}: not a valid gzip stream (${err.message})`, {
        cause: err,
      });
    throw err;
  }
  if (pendingBytes > 0) {
    const line = take(Buffer.alloc(0));
    if (!isBlank(line)) yield line;
  }
}

/** The chunks of a gzip'd segment, streamed (see decodeSegmentLines). */
export async function* decodeSegment(
  gzipped: Readable | AsyncIterable<Uint8Array>,
  options: DecodeOptions = {},
): AsyncGenerator<SampleChunk> {
  const label = options.label ?? 'segment';
  let n = 0;
  for await (const line of decodeSegmentLines(gzipped, options)) {
    n++;
    yield parseChunkText(line, `${label}: chunk ${n}`);
  }
}

function zlibOptions(options: EncodeOptions): ZlibOptions {
  return { level: options.level ?? SEGMENT_GZIP_LEVEL };
}

/** Anchored at both ends, so a long line fails at its first non-space character. */
function isBlank(line: string): boolean {
  return /^\s*$/.test(line);
}

/**
 * zlib's errors carry codes such as Z_DATA_ERROR (bad bytes) and Z_BUF_ERROR
 * (truncated). Duck-typed: an error made by Node's core is not `instanceof`
 * the Error of another realm (jest's sandbox).
 */
function isZlibError(err: unknown): err is Error & { code: string } {
  if (typeof err !== 'object' || err === null) return false;
  const code: unknown = (err as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('Z_');
}
