import { z } from 'zod';

/**
 * A sample's value as models produce it. NaN, +/-Infinity and -0 are ordinary
 * model output and must come back as what they were from every tier.
 */
export type SampleValue = number | number[] | string | boolean | null;

/**
 * JSON has no NaN, Infinity or -0, so on the wire (HTTP bodies, socket events,
 * stored chunks) those numbers travel as a tagged object. A string value
 * "NaN" stays a string: the tag keeps the two apart.
 */
export interface SpecialNumber {
  $num: 'NaN' | 'Infinity' | '-Infinity' | '-0';
}
export type WireNumber = number | SpecialNumber;
export type WireValue = WireNumber | WireNumber[] | string | boolean | null;

export const MAX_STRING_VALUE_LENGTH = 65_536;
export const MAX_ARRAY_VALUE_LENGTH = 65_536;

const NAN: SpecialNumber = Object.freeze({ $num: 'NaN' });
const POS_INF: SpecialNumber = Object.freeze({ $num: 'Infinity' });
const NEG_INF: SpecialNumber = Object.freeze({ $num: '-Infinity' });
const NEG_ZERO: SpecialNumber = Object.freeze({ $num: '-0' });

export function encodeNumber(n: number): WireNumber {
  if (Number.isNaN(n)) return NAN;
  if (n === Infinity) return POS_INF;
  if (n === -Infinity) return NEG_INF;
  if (n === 0 && Object.is(n, -0)) return NEG_ZERO;
  return n;
}

export function decodeNumber(w: WireNumber): number {
  if (typeof w === 'number') return w;
  switch (w.$num) {
    case 'NaN':
      return NaN;
    case 'Infinity':
      return Infinity;
    case '-Infinity':
      return -Infinity;
    case '-0':
      return -0;
  }
}

export function encodeValue(v: SampleValue): WireValue {
  if (typeof v === 'number') return encodeNumber(v);
  if (Array.isArray(v)) return v.map(encodeNumber);
  return v;
}

export function decodeValue(w: WireValue): SampleValue {
  if (w === null || typeof w === 'string' || typeof w === 'boolean' || typeof w === 'number')
    return w;
  if (Array.isArray(w)) return w.map(decodeNumber);
  return decodeNumber(w);
}

export const specialNumberSchema = z.strictObject({
  $num: z.enum(['NaN', 'Infinity', '-Infinity', '-0']),
});

/**
 * A number literal out of double range (`1e999`) is read by JSON.parse as an
 * infinity. It is refused, not stored as one: the client wrote a finite
 * number we cannot hold, and an infinity is sent as its tag.
 */
const isOutOfRange = (x: unknown): boolean => x === Infinity || x === -Infinity;

/** A finite number; `outOfRange` is the message for a literal beyond the doubles. */
export function finiteNumberSchema(outOfRange: string): z.ZodNumber {
  return z.number({ error: (issue) => (isOutOfRange(issue.input) ? outOfRange : undefined) });
}

const VALUE_OUT_OF_RANGE =
  'number out of double range (e.g. 1e999): send an infinity as {"$num": "Infinity"} or {"$num": "-Infinity"}';
const VALUE_KINDS = `a value is a finite number, an array of them, a string of at most ${MAX_STRING_VALUE_LENGTH} characters, a boolean, null or {"$num": "NaN" | "Infinity" | "-Infinity" | "-0"}`;

const wireNumberSchema = z.union([finiteNumberSchema(VALUE_OUT_OF_RANGE), specialNumberSchema]);
const stringValueSchema = z.string().max(MAX_STRING_VALUE_LENGTH);
export const wireValueSchema = z.union(
  [
    finiteNumberSchema(VALUE_OUT_OF_RANGE),
    stringValueSchema,
    z.boolean(),
    z.null(),
    specialNumberSchema,
    z.array(wireNumberSchema).max(MAX_ARRAY_VALUE_LENGTH),
  ],
  {
    error: (issue) => {
      const x = issue.input;
      if (isOutOfRange(x) || (Array.isArray(x) && x.some(isOutOfRange))) return VALUE_OUT_OF_RANGE;
      return issue.code === 'invalid_union' ? VALUE_KINDS : undefined;
    },
  },
);

/** Running statistics of one batch of one variable (min/max over finite scalar numbers). */
export interface BatchSummary {
  min: number | undefined;
  max: number | undefined;
  /** True when a literal -0 was rewritten: the values no longer match the request's bytes. */
  rewrote?: boolean;
}

const SPECIAL_NAMES = new Set(['NaN', 'Infinity', '-Infinity', '-0']);

function isSpecialNumber(x: object): boolean {
  // Exactly one key, `$num`, with a known name (as specialNumberSchema, strict).
  let keys = 0;
  for (const k in x) {
    if (k !== '$num') return false;
    keys++;
  }
  return keys === 1 && SPECIAL_NAMES.has((x as { $num: unknown }).$num as string);
}

function isWireNumber(x: unknown): boolean {
  if (typeof x === 'number') return Number.isFinite(x);
  return typeof x === 'object' && x !== null && !Array.isArray(x) && isSpecialNumber(x);
}

/**
 * The same test as wireValueSchema, as a plain function: it runs once per
 * ingested sample, where zod cost ten times as much (apps/bench). zod stays
 * the source of truth and produces the error messages when this says no;
 * ingest-batch.property.test.ts holds the two side by side.
 */
export function isWireValue(x: unknown): boolean {
  switch (typeof x) {
    case 'number':
      return Number.isFinite(x);
    case 'boolean':
      return true;
    case 'string':
      // zod counts code points: a string longer in UTF-16 units may still fit, and zod decides.
      return x.length <= MAX_STRING_VALUE_LENGTH || stringValueSchema.safeParse(x).success;
    case 'object':
      if (x === null) return true;
      if (Array.isArray(x)) {
        if (x.length > MAX_ARRAY_VALUE_LENGTH) return false;
        for (const e of x as unknown[]) if (!isWireNumber(e)) return false;
        return true;
      }
      return isSpecialNumber(x);
    default:
      return false;
  }
}

/**
 * Rewrites a literal -0 (which JSON.parse produces and JSON.stringify would
 * print as 0) into its tag, in place, and returns min/max over the finite
 * scalar numbers. Runs once per ingested batch, so it is a plain loop.
 */
export function normalizeWireValues(values: WireValue[]): BatchSummary {
  let min: number | undefined;
  let max: number | undefined;
  let rewrote = false;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v === 'number') {
      if (v === 0 && Object.is(v, -0)) {
        values[i] = NEG_ZERO;
        rewrote = true;
      }
      if (min === undefined || v < min) min = v;
      if (max === undefined || v > max) max = v;
    } else if (Array.isArray(v)) {
      for (let j = 0; j < v.length; j++) {
        const x = v[j];
        if (x === 0 && Object.is(x, -0)) {
          v[j] = NEG_ZERO;
          rewrote = true;
        }
      }
    }
  }
  return rewrote ? { min, max, rewrote } : { min, max };
}
