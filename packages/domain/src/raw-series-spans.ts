/**
 * Finds, in the raw text of a columnar batch body, where each variable's `t`
 * and `v` arrays are. The ingest hands that text to Redis as it came instead
 * of serialising the parsed numbers again: formatting ~2000 doubles per batch
 * was a fifth of ingest's CPU (see apps/bench). Slices of a string are cheap
 * in V8 (no copy). The body has already been accepted by JSON.parse, so this
 * scanner only finds boundaries, it does not validate; anything unexpected
 * gives up (undefined) and the caller serialises the parsed values instead.
 */
export interface SeriesSpans {
  t: string;
  v: string;
}

/** JSON's structural characters, as String#indexOf looks for them. */
const QUOTE = '"';
const OPEN_BRACE = '{';
const CLOSE_BRACE = '}';
const OPEN_BRACKET = '[';
const CLOSE_BRACKET = ']';

/** Char codes, as String#charCodeAt gives them. */
const CODE = {
  quote: 0x22,
  backslash: 0x5c,
  comma: 0x2c,
  colon: 0x3a,
  openBrace: 0x7b,
  closeBrace: 0x7d,
  openBracket: 0x5b,
  closeBracket: 0x5d,
} as const;

/** JSON's whitespace: space, line feed, carriage return, tab. */
function isWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

class GiveUp extends Error {}

function skipWs(b: string, i: number): number {
  while (isWhitespace(b.charCodeAt(i))) i++;
  return i;
}

/** `b[i]` is a quote; returns the index just past the closing quote. */
function skipString(b: string, i: number): number {
  let from = i + 1;
  for (;;) {
    const q = b.indexOf(QUOTE, from);
    if (q < 0) throw new GiveUp();
    let backslashes = 0;
    for (let k = q - 1; b.charCodeAt(k) === CODE.backslash; k--) backslashes++;
    if (backslashes % 2 === 0) return q + 1;
    from = q + 1;
  }
}

/**
 * Returns the index just past the object or array starting at `i`. It jumps
 * between the structural characters with String#indexOf (native) instead of
 * looking at every character: a batch's value arrays are mostly digits.
 */
function skipComposite(b: string, i: number): number {
  const next = [QUOTE, OPEN_BRACE, OPEN_BRACKET, CLOSE_BRACE, CLOSE_BRACKET].map((c) => ({
    c,
    at: b.indexOf(c, i + 1),
  }));
  let depth = 1;
  let pos = i + 1;
  for (;;) {
    let first: { c: string; at: number } | undefined;
    for (const n of next) {
      if (n.at >= 0 && n.at < pos) n.at = b.indexOf(n.c, pos);
      if (n.at >= 0 && (first === undefined || n.at < first.at)) first = n;
    }
    if (first === undefined) throw new GiveUp();
    const at = first.at;
    if (first.c === QUOTE) {
      pos = skipString(b, at);
      continue;
    }
    pos = at + 1;
    if (first.c === OPEN_BRACE || first.c === OPEN_BRACKET) depth++;
    else if (--depth === 0) return pos;
  }
}

/** Returns the index just past the JSON value starting at `i`. */
function skipValue(b: string, i: number): number {
  const c = b.charCodeAt(i);
  if (c === CODE.quote) return skipString(b, i);
  if (c === CODE.openBrace || c === CODE.openBracket) return skipComposite(b, i);
  // number, true, false, null
  let k = i;
  for (;;) {
    const x = b.charCodeAt(k);
    if (
      Number.isNaN(x) ||
      x === CODE.comma ||
      x === CODE.closeBrace ||
      x === CODE.closeBracket ||
      isWhitespace(x)
    )
      return k;
    k++;
  }
}

/**
 * Calls `onMember(key, valueStart)` for each member of the object at `i` and
 * expects it to return the index just past the value. Returns the index just
 * past the object.
 */
function eachMember(
  b: string,
  i: number,
  onMember: (key: string, valueStart: number) => number,
): number {
  i = skipWs(b, i);
  if (b.charCodeAt(i) !== CODE.openBrace) throw new GiveUp();
  i = skipWs(b, i + 1);
  if (b.charCodeAt(i) === CODE.closeBrace) return i + 1;
  for (;;) {
    if (b.charCodeAt(i) !== CODE.quote) throw new GiveUp();
    const keyEnd = skipString(b, i);
    const key = JSON.parse(b.slice(i, keyEnd)) as string;
    i = skipWs(b, keyEnd);
    if (b.charCodeAt(i) !== CODE.colon) throw new GiveUp();
    i = skipWs(b, i + 1);
    i = skipWs(b, onMember(key, i));
    if (b.charCodeAt(i) === CODE.comma) {
      i = skipWs(b, i + 1);
      continue;
    }
    if (b.charCodeAt(i) === CODE.closeBrace) return i + 1;
    throw new GiveUp();
  }
}

/**
 * The raw `t` and `v` of every variable of a columnar body, by name, as
 * slices of `raw`. Later duplicate keys win, as in JSON.parse. Undefined
 * when the body is not columnar or anything is unexpected.
 */
export function findSeriesSpans(raw: string): Map<string, SeriesSpans> | undefined {
  const spans = new Map<string, SeriesSpans>();
  try {
    eachMember(raw, 0, (key, start) => {
      if (key !== 'variables') return skipValue(raw, start);
      spans.clear();
      return eachMember(raw, start, (name, seriesStart) => {
        let t: string | undefined;
        let v: string | undefined;
        const end = eachMember(raw, seriesStart, (field, valueStart) => {
          const valueEnd = skipValue(raw, valueStart);
          if (field === 't') t = raw.slice(valueStart, valueEnd);
          else if (field === 'v') v = raw.slice(valueStart, valueEnd);
          return valueEnd;
        });
        if (t === undefined || v === undefined) throw new GiveUp();
        spans.set(name, { t, v });
        return end;
      });
    });
  } catch (err) {
    if (err instanceof GiveUp || err instanceof SyntaxError) return undefined;
    throw err;
  }
  return spans;
}
