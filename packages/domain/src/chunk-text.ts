import { StoredFormatError } from './errors';
import type { SampleChunk } from './http-api';
import { JsonScanError, skipComposite, skipString, skipWs } from './json-scan';
import type { WireValue } from './sample-value';

/**
 * Stored chunk texts handed on without parsing (docs/read-path.md, "Shared
 * reads"). A chunk is stored as `{"s":<first>,"t":[...],"v":[...]}` — the
 * write script builds exactly that, segment lines hold it (line breaks turned
 * into spaces) — and its `t` and `v` texts are already what a history page or
 * a snapshot message carries: joining them costs a string concatenation,
 * where JSON.parse + JSON.stringify cost most of a read.
 *
 * `t` holds only JSON numbers, so its samples are counted by its commas. `v`
 * may hold strings (with any character), arrays and `{"$num":…}` tags; it is
 * scanned only where a chunk is cut (sliceChunkText).
 */
export interface ChunkText {
  /** Seq of the first sample. */
  first: number;
  /** Samples held (0 only for an empty slice). */
  count: number;
  /** The inner text of the `t` array, without brackets: numbers as stored. */
  t: string;
  /** The inner text of the `v` array, without brackets: wire values as stored. */
  v: string;
}

const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const QUOTE = 0x22;

function malformed(message: string, options?: { cause?: unknown }): never {
  throw new StoredFormatError('chunk text', message, options);
}

function expectChar(text: string, i: number, code: number): number {
  if (text.charCodeAt(i) !== code)
    malformed(
      `expected '${String.fromCharCode(code)}' at ${i}, found ${JSON.stringify(text.slice(i, i + 12))}`,
    );
  return skipWs(text, i + 1);
}

/** `"name"` then `:` at `i`; returns where the value starts. */
function expectKey(text: string, i: number, name: string): number {
  if (text.charCodeAt(i) !== QUOTE || !text.startsWith(`${name}"`, i + 1))
    malformed(`expected key "${name}" at ${i}`);
  return expectChar(text, skipWs(text, i + name.length + 2), COLON);
}

/**
 * The parts of a stored chunk text, as slices of it (no copy). Checks the
 * frame — keys `s`, `t`, `v` in that order, a seq, balanced arrays, nothing
 * after the object — and throws StoredFormatError when it is not there.
 * Values are not checked: they were validated on ingest.
 */
export function splitChunkText(text: string): ChunkText {
  let i = expectChar(text, skipWs(text, 0), OPEN_BRACE);
  i = expectKey(text, i, 's');
  const seqStart = i;
  for (let c = text.charCodeAt(i); c >= 0x30 && c <= 0x39; c = text.charCodeAt(++i));
  const first = Number(text.slice(seqStart, i));
  if (i === seqStart || !Number.isSafeInteger(first) || first < 1)
    malformed(`"s" must be a seq (an integer >= 1) at ${seqStart}`);
  i = expectChar(text, skipWs(text, i), COMMA);
  i = expectKey(text, i, 't');
  if (text.charCodeAt(i) !== OPEN_BRACKET) malformed(`"t" must be an array at ${i}`);
  const tStart = i + 1;
  // Numbers hold no bracket: the first ']' closes t, and its commas separate samples.
  const tEnd = text.indexOf(']', tStart);
  if (tEnd < 0) malformed('"t" is not closed');
  let count = 1;
  for (let c = text.indexOf(',', tStart); c >= 0 && c < tEnd; c = text.indexOf(',', c + 1)) count++;
  if (skipWs(text, tStart) === tEnd) malformed('"t" is empty');
  i = expectChar(text, skipWs(text, tEnd + 1), COMMA);
  i = expectKey(text, i, 'v');
  if (text.charCodeAt(i) !== OPEN_BRACKET) malformed(`"v" must be an array at ${i}`);
  let vEnd: number;
  try {
    vEnd = skipComposite(text, i);
  } catch (err) {
    if (err instanceof JsonScanError) malformed('"v" is not closed', { cause: err });
    throw err;
  }
  const end = skipWs(text, expectChar(text, skipWs(text, vEnd), CLOSE_BRACE));
  if (end !== text.length) malformed(`text continues after the chunk at ${end}`);
  return { first, count, t: text.slice(tStart, tEnd), v: text.slice(i + 1, vEnd - 1) };
}

/**
 * Index just past the element starting at `start` of an array's inner text.
 * Relies on the wire-value grammar (validated on ingest): a number, `true`,
 * `false` or `null` holds no comma; an array holds only wire numbers (no `]`
 * inside); a `{"$num":…}` tag holds no `}`; only strings need a real scan.
 * One native indexOf per element, where a general JSON skipper would look
 * ahead for every structural character.
 */
function elementEnd(inner: string, start: number): number {
  const c = inner.charCodeAt(start);
  let end: number;
  if (c === QUOTE) {
    try {
      end = skipString(inner, start);
    } catch (err) {
      if (err instanceof JsonScanError)
        malformed(`unterminated string at ${start}`, { cause: err });
      throw err;
    }
  } else if (c === OPEN_BRACKET || c === OPEN_BRACE) {
    end = inner.indexOf(c === OPEN_BRACKET ? ']' : '}', start + 1) + 1;
    if (end === 0) malformed(`unterminated value at ${start}`);
  } else {
    end = inner.indexOf(',', start);
    if (end < 0) end = inner.length;
  }
  if (end === start) malformed(`expected a value at ${start}`);
  return end;
}

/**
 * The text of elements [from, to) of an array's inner text, cut at
 * top-level commas: scans elements up to `to` (or only up to `from` when
 * the cut runs to the end), checking the separators it passes.
 */
function cutElements(inner: string, count: number, from: number, to: number): string {
  let p = skipWs(inner, 0);
  let start = p;
  for (let k = 0; k < to; k++) {
    if (k === from) {
      if (to === count) return inner.slice(p);
      start = p;
    }
    const end = elementEnd(inner, p);
    p = skipWs(inner, end);
    if (inner.charCodeAt(p) !== COMMA)
      malformed(`expected ',' after element ${k} of ${count} at ${p}`);
    if (k === to - 1) return inner.slice(start, end);
    p = skipWs(inner, p + 1);
  }
  return '';
}

/** Samples [fromIndex, toIndexExclusive) of a chunk text, by index within it. */
export function sliceChunkText(
  c: ChunkText,
  fromIndex: number,
  toIndexExclusive: number,
): ChunkText {
  if (
    !Number.isInteger(fromIndex) ||
    !Number.isInteger(toIndexExclusive) ||
    fromIndex < 0 ||
    fromIndex > toIndexExclusive ||
    toIndexExclusive > c.count
  )
    throw new RangeError(`cannot slice [${fromIndex}, ${toIndexExclusive}) of ${c.count} samples`);
  if (fromIndex === 0 && toIndexExclusive === c.count) return c;
  const count = toIndexExclusive - fromIndex;
  const first = c.first + fromIndex;
  if (count === 0) return { first, count, t: '', v: '' };
  return {
    first,
    count,
    t: cutElements(c.t, c.count, fromIndex, toIndexExclusive),
    v: cutElements(c.v, c.count, fromIndex, toIndexExclusive),
  };
}

/**
 * The seq-contiguous parts as one chunk text starting at `first` (empty
 * parts are skipped; with none, an empty chunk at `first`). A gap or an
 * overlap between parts is a caller's bug: RangeError.
 */
export function joinChunkTexts(parts: readonly ChunkText[], first: number): ChunkText {
  let count = 0;
  let t = '';
  let v = '';
  for (const part of parts) {
    if (part.count === 0) continue;
    if (part.first !== first + count)
      throw new RangeError(`chunk at ${part.first} does not follow seq ${first + count - 1}`);
    if (count > 0) {
      t += ',';
      v += ',';
    }
    t += part.t;
    v += part.v;
    count += part.count;
  }
  return { first, count, t, v };
}

const CHUNK_KEYS = new Set(['run', 'variable', 'first', 't', 'v']);

/**
 * The JSON text of `{ run, variable, first, t, v, ...extra }` — a history
 * page (extra: nextSeq, more) or a snapshot message — with `t` and `v` as
 * stored: what JSON.stringify of the parsed equivalent gives, but for the
 * formatting of numbers, which are passed through as written.
 */
export function chunkJson(
  run: string,
  variable: string,
  chunk: ChunkText,
  extra: Readonly<Record<string, unknown>> = {},
): string {
  let text = `{"run":${JSON.stringify(run)},"variable":${JSON.stringify(variable)},"first":${chunk.first},"t":[${chunk.t}],"v":[${chunk.v}]`;
  for (const key of Object.keys(extra)) {
    if (CHUNK_KEYS.has(key))
      throw new RangeError(`extra field '${key}' would repeat a chunk field`);
    const value = JSON.stringify(extra[key]) as string | undefined;
    if (value !== undefined) text += `,${JSON.stringify(key)}:${value}`;
  }
  return `${text}}`;
}

/**
 * The stored chunk text of a chunk: what a segment line and a merged object
 * hold, and what the hot store's packed chunks are read as. JSON.stringify
 * writes each number in its shortest round-trip form.
 */
export function formatChunk(chunk: SampleChunk): string {
  return `{"s":${chunk.first},"t":${JSON.stringify(chunk.t)},"v":${JSON.stringify(chunk.v)}}`;
}

/** The samples of a chunk text, parsed: for the few reads that need values. */
export function chunkTextSamples(c: ChunkText): SampleChunk {
  let t: number[];
  let v: WireValue[];
  try {
    t = JSON.parse(`[${c.t}]`) as number[];
    v = JSON.parse(`[${c.v}]`) as WireValue[];
  } catch (err) {
    malformed(`at seq ${c.first}: not JSON (${(err as Error).message})`, { cause: err });
  }
  if (t.length !== c.count || v.length !== c.count)
    malformed(`at seq ${c.first}: ${t.length} t and ${v.length} v for ${c.count} samples`);
  return { first: c.first, t, v };
}
