import {
  MAX_VARIABLES_PER_BATCH,
  type IngestBatch,
  type SeriesEnds,
  type VariableSeries,
} from './ingest-batch';
import { RUN_ID_PATTERN, variableNameProblem } from './names';
import type { SeriesSpans } from './raw-series-spans';
import {
  encodeNumber,
  MAX_STRING_VALUE_LENGTH,
  type BatchSummary,
  type WireValue,
} from './sample-value';

/**
 * The ingest hot path: one pass over a columnar body's TEXT that checks it,
 * finds each variable's `t`/`v` text (stored as it came) and computes count,
 * min, max and the ends the write script needs, building no per-sample
 * arrays (a series parses its `t`/`v` only when asked, i.e. when a room has
 * listeners). It accepts only the common shape: `producer`/`batch`/`variables`
 * once each, plain (unescaped) keys and strings, number literals, true,
 * false, null and the `{"$num": …}` tags as values. Anything else — escapes,
 * array values, -0, duplicate keys, an error of any kind — returns undefined,
 * and the caller parses and validates the body the long way (JSON.parse then
 * parseIngestBatch), which also words the error. So an accepted body is one
 * parseIngestBatch accepts with the same values (ingest-batch.property.test.ts).
 */
export function scanColumnarBody(text: string): IngestBatch | undefined {
  try {
    return new BodyScanner(text).body();
  } catch (err) {
    if (err === GIVE_UP) return undefined;
    throw err;
  }
}

/** Thrown (one instance, no stack to build) when the text leaves the common shape. */
class GiveUp extends Error {}
const GIVE_UP = new GiveUp('not the common columnar shape');

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/** The tags' texts, as `{"$num": …}` carries them, to the frozen values encodeNumber returns. */
const TAGS = new Map<string, WireValue>([
  ['NaN', encodeNumber(NaN)],
  ['Infinity', encodeNumber(Infinity)],
  ['-Infinity', encodeNumber(-Infinity)],
  ['-0', encodeNumber(-0)],
]);

/** A series whose arrays are parsed from its own text on first use. */
class ScannedSeries implements VariableSeries {
  private parsedT: number[] | undefined;
  private parsedV: WireValue[] | undefined;

  constructor(
    readonly name: string,
    readonly raw: SeriesSpans,
    readonly summary: BatchSummary,
    readonly ends: SeriesEnds,
  ) {}

  get t(): number[] {
    return (this.parsedT ??= JSON.parse(this.raw.t) as number[]);
  }

  get v(): WireValue[] {
    return (this.parsedV ??= JSON.parse(this.raw.v) as WireValue[]);
  }
}

class BodyScanner {
  private i = 0;

  constructor(private readonly s: string) {}

  body(): IngestBatch {
    let producer: string | undefined;
    let batch: number | undefined;
    let series: VariableSeries[] | undefined;
    let sampleCount = 0;
    this.ws();
    this.expect(OPEN_BRACE);
    do {
      const key = this.key();
      if (key === 'variables' && series === undefined) {
        series = [];
        sampleCount = this.variables(series);
      } else if (key === 'producer' && producer === undefined) {
        producer = this.plainString();
        if (!RUN_ID_PATTERN.test(producer)) throw GIVE_UP;
      } else if (key === 'batch' && batch === undefined) {
        batch = this.number();
        if (!Number.isInteger(batch) || batch < 0 || batch > Number.MAX_SAFE_INTEGER) throw GIVE_UP;
      } else throw GIVE_UP;
    } while (this.commaOr(CLOSE_BRACE));
    this.ws();
    if (this.i !== this.s.length) throw GIVE_UP;
    if (series === undefined || (producer === undefined) !== (batch === undefined)) throw GIVE_UP;
    return { producer, batch, series, sampleCount };
  }

  /** The members of `variables`; returns the number of samples. */
  private variables(out: VariableSeries[]): number {
    this.expect(OPEN_BRACE);
    let samples = 0;
    const names = new Set<string>();
    do {
      const name = this.key();
      // Integer-like names come first in Object.entries (the long way's order): leave those to it.
      const c = name.charCodeAt(0);
      if ((c >= ZERO && c <= NINE) || names.has(name)) throw GIVE_UP;
      if (variableNameProblem(name) !== undefined) throw GIVE_UP;
      names.add(name);
      const s = this.series(name);
      samples += s.ends.count;
      out.push(s);
    } while (this.commaOr(CLOSE_BRACE));
    if (out.length > MAX_VARIABLES_PER_BATCH) throw GIVE_UP;
    return samples;
  }

  private series(name: string): VariableSeries {
    this.expect(OPEN_BRACE);
    let tText: string | undefined;
    let vText: string | undefined;
    let firstT = 0;
    let lastT = 0;
    let tCount = 0;
    let nonDecreasing = true;
    let vCount = 0;
    let lastV: WireValue = null;
    let min: number | undefined;
    let max: number | undefined;
    do {
      const key = this.key();
      const start = this.i;
      this.expect(OPEN_BRACKET);
      if (key === 't' && tText === undefined) {
        if (this.closes(CLOSE_BRACKET)) throw GIVE_UP; // a variable needs a sample
        let prev = 0;
        do {
          const t = this.number();
          if (tCount === 0) firstT = t;
          else if (!(t >= prev)) nonDecreasing = false;
          prev = t;
          tCount++;
        } while (this.commaOr(CLOSE_BRACKET));
        lastT = prev;
        tText = this.s.slice(start, this.i);
      } else if (key === 'v' && vText === undefined) {
        if (!this.closes(CLOSE_BRACKET))
          do {
            const v = this.value();
            if (typeof v === 'number') {
              if (min === undefined || v < min) min = v;
              if (max === undefined || v > max) max = v;
            }
            lastV = v;
            vCount++;
          } while (this.commaOr(CLOSE_BRACKET));
        vText = this.s.slice(start, this.i);
      } else throw GIVE_UP;
    } while (this.commaOr(CLOSE_BRACE));
    if (tText === undefined || vText === undefined || tCount !== vCount) throw GIVE_UP;
    return new ScannedSeries(
      name,
      { t: tText, v: vText },
      { min, max },
      { count: tCount, firstT, lastT, lastV, tNonDecreasing: nonDecreasing },
    );
  }

  /** A sample value: number, plain string, true, false, null or a `$num` tag. */
  private value(): WireValue {
    const s = this.s;
    const c = s.charCodeAt(this.i);
    if (c === QUOTE) {
      const text = this.plainString();
      if (text.length > MAX_STRING_VALUE_LENGTH) throw GIVE_UP;
      return text;
    }
    if (c === OPEN_BRACE) {
      this.i++;
      if (this.key() !== '$num') throw GIVE_UP;
      const tag = TAGS.get(this.plainString());
      if (tag === undefined) throw GIVE_UP;
      this.ws();
      this.expect(CLOSE_BRACE);
      return tag;
    }
    if (s.startsWith('true', this.i)) return this.word(4, true);
    if (s.startsWith('false', this.i)) return this.word(5, false);
    if (s.startsWith('null', this.i)) return this.word(4, null);
    return this.number();
  }

  private word<T>(length: number, value: T): T {
    this.i += length;
    return value;
  }

  /**
   * A JSON number literal, finite and not -0 (the long way rewrites -0 and
   * refuses a literal beyond the doubles). Short integers are read digit by
   * digit; the rest by Number(), which rounds as JSON.parse does.
   */
  private number(): number {
    const s = this.s;
    const start = this.i;
    let i = start;
    let c = s.charCodeAt(i);
    const negative = c === MINUS;
    if (negative) c = s.charCodeAt(++i);
    let whole = 0;
    const digitsFrom = i;
    if (c === ZERO) c = s.charCodeAt(++i);
    else if (c > ZERO && c <= NINE)
      do {
        whole = whole * 10 + (c - ZERO);
        c = s.charCodeAt(++i);
      } while (c >= ZERO && c <= NINE);
    else throw GIVE_UP;
    let simple = i - digitsFrom <= 15;
    if (c === DOT) {
      simple = false;
      c = s.charCodeAt(++i);
      if (!(c >= ZERO && c <= NINE)) throw GIVE_UP;
      do c = s.charCodeAt(++i);
      while (c >= ZERO && c <= NINE);
    }
    if (c === 0x65 || c === 0x45) {
      simple = false;
      c = s.charCodeAt(++i);
      if (c === PLUS || c === MINUS) c = s.charCodeAt(++i);
      if (!(c >= ZERO && c <= NINE)) throw GIVE_UP;
      do c = s.charCodeAt(++i);
      while (c >= ZERO && c <= NINE);
    }
    this.i = i;
    const n = simple ? (negative ? -whole : whole) : Number(s.slice(start, i));
    if (!Number.isFinite(n) || (n === 0 && negative)) throw GIVE_UP;
    return n;
  }

  /** A string without escapes or control characters; the scanner stands on its opening quote. */
  private plainString(): string {
    const s = this.s;
    if (s.charCodeAt(this.i) !== QUOTE) throw GIVE_UP;
    const from = this.i + 1;
    const end = s.indexOf('"', from);
    if (end < 0) throw GIVE_UP;
    for (let k = from; k < end; k++) {
      const c = s.charCodeAt(k);
      if (c < 0x20 || c === BACKSLASH) throw GIVE_UP;
    }
    this.i = end + 1;
    return s.slice(from, end);
  }

  /** A member's key and its colon, whitespace around them skipped. */
  private key(): string {
    this.ws();
    const key = this.plainString();
    this.ws();
    this.expect(COLON);
    this.ws();
    return key;
  }

  /** After a member or element: true at a comma (more follow), false at `close`. */
  private commaOr(close: number): boolean {
    this.ws();
    const c = this.s.charCodeAt(this.i++);
    if (c === COMMA) {
      this.ws();
      return true;
    }
    if (c === close) return false;
    throw GIVE_UP;
  }

  /** Just after an opening bracket: true (and past it) when `close` follows at once. */
  private closes(close: number): boolean {
    this.ws();
    if (this.s.charCodeAt(this.i) !== close) return false;
    this.i++;
    return true;
  }

  private expect(c: number): void {
    if (this.s.charCodeAt(this.i) !== c) throw GIVE_UP;
    this.i++;
  }

  private ws(): void {
    const s = this.s;
    let c = s.charCodeAt(this.i);
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = s.charCodeAt(++this.i);
  }
}
