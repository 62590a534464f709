/**
 * Boundary scanning over JSON text that is already known (or assumed) to be
 * JSON: where a value, a string or a composite ends, without building it.
 * Used where parsing and serialising again would be most of the cost: stored
 * chunk texts handed to clients as they are (chunk-text). Not exported from
 * the package.
 */
const QUOTE = '"';
const BACKSLASH = 0x5c;
const OPEN_BRACE = '{';
const CLOSE_BRACE = '}';
const OPEN_BRACKET = '[';
const CLOSE_BRACKET = ']';

/**
 * The text is not what the scanner expects (unbalanced, unterminated, not an
 * object where one must be): chunk-text reports it as corruption.
 */
export class JsonScanError extends Error {}

export function skipWs(b: string, i: number): number {
  for (;;) {
    const c = b.charCodeAt(i);
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
    else return i;
  }
}

/** `b[i]` is a quote; returns the index just past the closing quote. */
export function skipString(b: string, i: number): number {
  let from = i + 1;
  for (;;) {
    const q = b.indexOf(QUOTE, from);
    if (q < 0) throw new JsonScanError();
    let backslashes = 0;
    for (let k = q - 1; b.charCodeAt(k) === BACKSLASH; k--) backslashes++;
    if (backslashes % 2 === 0) return q + 1;
    from = q + 1;
  }
}

/**
 * Returns the index just past the object or array starting at `i`. It jumps
 * between the structural characters with String#indexOf (native) instead of
 * looking at every character: a batch's value arrays are mostly digits.
 */
export function skipComposite(b: string, i: number): number {
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
    if (first === undefined) throw new JsonScanError();
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
