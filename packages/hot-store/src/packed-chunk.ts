import { endianness } from 'node:os';
import {
  decodeNumber,
  type Float64Columns,
  type IngestBatch,
  encodeNumber,
  formatChunk,
  StoredFormatError,
  type SampleChunk,
  type WireNumber,
  type WireValue,
} from '@runstream/domain';

/**
 * The packed chunk: how the write script stores a batch of one variable in
 * Redis (docs/chunk-format.md). Little-endian throughout:
 *
 *   offset      size        what
 *   0           1           tag 0x01 (a JSON chunk text starts with '{', 0x7B)   ┐ the write
 *   1           8           first seq, u64                                     ┘ script's
 *   9           4           n: samples, u32                                    ┐
 *   13          4           k: values that are not numbers, u32                │ the body
 *   17          8n          t, float64 each                                    │ ingest packs
 *   17+8n       8(n-k)      the numeric values in order, float64 each         │ (encodeBody)
 *   17+8(2n-k)  4k          indexes (0-based, ascending) of the others, u32    │
 *   then        to the end  the others, in order, as one JSON array (UTF-8)   ┘
 *
 * A numeric value is a WireNumber: finite numbers and the four tags
 * (`{"$num":"NaN"}`, ±Infinity, -0), which a double holds as themselves.
 * The others — strings, booleans, null, arrays — keep their wire JSON.
 * The sidecar parts (indexes and JSON) are absent when k is 0.
 *
 * Ingest packs the body (it has the parsed arrays); the write script, which
 * assigns the first seq, prepends the tag and the seq (struct.pack). Readers
 * take the entry as bytes, tell the formats apart by the first byte (see
 * stored-chunk.ts), and hand on the JSON chunk text the other tiers keep.
 */
export const PACKED_CHUNK_TAG = 0x01;

/** Tag and first seq: what the write script prepends to the body. */
export const PACKED_HEADER_BYTES = 9;

const BODY_FIXED_BYTES = 8;

// Float64Array is in the machine's byte order: the format is little-endian.
if (endianness() !== 'LE') throw new Error('packed chunks need a little-endian machine');

function malformed(message: string): never {
  throw new StoredFormatError('packed chunk', message);
}

const isNumeric = (x: WireValue): x is WireNumber =>
  typeof x === 'number' || (typeof x === 'object' && x !== null && !Array.isArray(x));

/**
 * The body of a packed chunk (everything after the header) for samples
 * `t`/`v` of equal length: what ingest passes the write script. `t` holds
 * finite numbers (validated on ingest). When every value is numeric (the
 * usual case): one buffer from Node's pool, t copied in by the typed
 * array's native set, one loop over v.
 */
export function encodeBody(t: readonly number[], v: readonly WireValue[]): Buffer {
  const n = t.length;
  if (v.length !== n) throw new RangeError(`t has ${n} samples and v ${v.length}`);
  const size = BODY_FIXED_BYTES + 16 * n;
  let body = Buffer.allocUnsafe(size);
  // t, then the values, as one view: Node's buffers start 8-byte aligned (the
  // small-buffer pool aligns its offsets), so the doubles at offset 8 are too.
  if (body.byteOffset % 8 !== 0) body = Buffer.from(new ArrayBuffer(size));
  const doubles = new Float64Array(body.buffer, body.byteOffset + BODY_FIXED_BYTES, 2 * n);
  doubles.set(t);
  let j = n;
  let others: number[] | undefined;
  for (let i = 0; i < n; i++) {
    const x = v[i] as WireValue;
    if (typeof x === 'number') doubles[j++] = x;
    else if (isNumeric(x)) doubles[j++] = decodeNumber(x);
    else (others ??= []).push(i);
  }
  const k = others === undefined ? 0 : others.length;
  body.writeUInt32LE(n, 0);
  body.writeUInt32LE(k, 4);
  if (others === undefined) return body;
  const packed = body.subarray(0, BODY_FIXED_BYTES + 8 * (2 * n - k));
  const indexes = Buffer.from(Uint32Array.from(others).buffer);
  const json = Buffer.from(JSON.stringify(others.map((i) => v[i])), 'utf8');
  return Buffer.concat([packed, indexes, json]);
}

/**
 * The body of a packed chunk for samples a binary body held as float64
 * columns (every value a number): the same layout, k = 0, so one copy.
 */
export function encodeColumnsBody(columns: Float64Columns): Buffer {
  const body = Buffer.allocUnsafe(BODY_FIXED_BYTES + columns.bytes.length);
  body.writeUInt32LE(columns.count, 0);
  body.writeUInt32LE(0, 4);
  body.set(columns.bytes, BODY_FIXED_BYTES);
  return body;
}

/**
 * At most what writing `batch` adds to its buffers' entries, before the
 * allocator rounds them: 16 bytes a sample and a chunk's header and counts,
 * plus the JSON of the values that are not numbers, which `otherValuesBytes`
 * bounds (a JSON body's length does). Tiny numbers make a body smaller than
 * its packed chunks (`0,` is 2 bytes, its double 8), long ones larger.
 */
export function storedBytesBound(batch: IngestBatch, otherValuesBytes: number): number {
  return (
    (PACKED_HEADER_BYTES + BODY_FIXED_BYTES) * batch.series.length +
    16 * batch.sampleCount +
    otherValuesBytes
  );
}

/** A whole packed chunk, header included, as the write script stores it. */
export function encodePackedChunk(chunk: SampleChunk): Buffer {
  const header = Buffer.alloc(PACKED_HEADER_BYTES);
  header[0] = PACKED_CHUNK_TAG;
  header.writeUInt32LE(chunk.first % 2 ** 32, 1);
  header.writeUInt32LE(Math.floor(chunk.first / 2 ** 32), 5);
  return Buffer.concat([header, encodeBody(chunk.t, chunk.v)]);
}

export function isPackedChunk(entry: Buffer): boolean {
  return entry[0] === PACKED_CHUNK_TAG;
}

/** First seq and count of a packed chunk, from its header alone. */
export function packedRange(entry: Buffer): { first: number; count: number } {
  if (entry.length < PACKED_HEADER_BYTES + BODY_FIXED_BYTES || !isPackedChunk(entry))
    malformed(`not a packed chunk (${entry.length} bytes)`);
  const first = entry.readUInt32LE(1) + entry.readUInt32LE(5) * 2 ** 32;
  return { first, count: entry.readUInt32LE(PACKED_HEADER_BYTES) };
}

/** The parts of a packed chunk, checked against its length. */
function layout(entry: Buffer): {
  first: number;
  n: number;
  k: number;
  t: number;
  v: number;
  indexes: number;
  json: number;
} {
  const { first, count: n } = packedRange(entry);
  const k = entry.readUInt32LE(PACKED_HEADER_BYTES + 4);
  const t = PACKED_HEADER_BYTES + BODY_FIXED_BYTES;
  const v = t + 8 * n;
  const indexes = v + 8 * (n - k);
  const json = indexes + 4 * k;
  if (n === 0 || k > n || json > entry.length || (k === 0 && json !== entry.length))
    malformed(`at seq ${first}: ${entry.length} bytes cannot hold ${n} samples (${k} not numbers)`);
  return { first, n, k, t, v, indexes, json };
}

/** The values that are not numbers, by sample index. */
function othersOf(entry: Buffer, at: ReturnType<typeof layout>): Map<number, WireValue> {
  const others = new Map<number, WireValue>();
  if (at.k === 0) return others;
  let values: unknown;
  try {
    values = JSON.parse(entry.toString('utf8', at.json));
  } catch {
    malformed(`at seq ${at.first}: the values that are not numbers are not JSON`);
  }
  if (!Array.isArray(values) || values.length !== at.k)
    malformed(`at seq ${at.first}: expected ${at.k} values that are not numbers`);
  for (let i = 0; i < at.k; i++) {
    const index = entry.readUInt32LE(at.indexes + 4 * i);
    if (index >= at.n) malformed(`at seq ${at.first}: index ${index} of ${at.n} samples`);
    others.set(index, values[i] as WireValue);
  }
  if (others.size !== at.k) malformed(`at seq ${at.first}: an index repeats`);
  return others;
}

/**
 * The samples of a packed chunk, values in the wire encoding (tags for NaN,
 * ±Infinity, -0), in plain arrays. One copy of the doubles into an aligned
 * array (a reply's bytes may sit at any offset), then one loop.
 */
export function decodePackedChunk(entry: Buffer): SampleChunk {
  const at = layout(entry);
  const start = entry.byteOffset + at.t;
  const doubles = new Float64Array(entry.buffer.slice(start, start + 8 * (2 * at.n - at.k)));
  const others = othersOf(entry, at);
  const t = new Array<number>(at.n);
  const v = new Array<WireValue>(at.n);
  for (let i = 0, j = at.n; i < at.n; i++) {
    t[i] = doubles[i] as number;
    const other = others.get(i);
    v[i] = other !== undefined ? other : encodeNumber(doubles[j++] as number);
  }
  return { first: at.first, t, v };
}

/**
 * The JSON chunk text of a packed chunk, `{"s":…,"t":[…],"v":[…]}`: what
 * segment lines hold and the read path hands on (docs/chunk-format.md).
 * Written by JSON.stringify over the plain arrays (formatChunk): numbers in
 * their shortest round-trip form, so parsing it gives back the very doubles
 * stored, and 1.6-2.4 times faster than a typed array's join or a loop of
 * String() on numbers not formatted before, as a flush's are.
 */
export function packedChunkText(entry: Buffer): string {
  return formatChunk(decodePackedChunk(entry));
}
