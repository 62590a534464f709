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

/** Running statistics of one batch of one variable (min/max over finite scalar numbers). */
export interface BatchSummary {
  min: number | undefined;
  max: number | undefined;
}

/**
 * Rewrites a literal -0 (which JSON.parse produces and JSON.stringify would
 * print as 0) into its tag, in place, and returns min/max over the finite
 * scalar numbers. Runs once per ingested batch, so it is a plain loop.
 */
export function normalizeWireValues(values: WireValue[]): BatchSummary {
  let min: number | undefined;
  let max: number | undefined;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v === 'number') {
      if (v === 0 && Object.is(v, -0)) {
        values[i] = NEG_ZERO;
      }
      if (min === undefined || v < min) min = v;
      if (max === undefined || v > max) max = v;
    } else if (Array.isArray(v)) {
      for (let j = 0; j < v.length; j++) {
        const x = v[j];
        if (x === 0 && Object.is(x, -0)) {
          v[j] = NEG_ZERO;
        }
      }
    }
  }
  return { min, max };
}
