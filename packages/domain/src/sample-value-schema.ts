import { z } from 'zod';
import { MAX_ARRAY_VALUE_LENGTH, MAX_STRING_VALUE_LENGTH } from './sample-value';

// How ingest validates values (zod, and its plain-function twin), apart from
// sample-value.ts: browser bundles (the viewer, the SDK's Subscriber) encode
// and decode values without zod.

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
