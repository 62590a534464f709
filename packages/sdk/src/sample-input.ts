import {
  MAX_ARRAY_VALUE_LENGTH,
  MAX_STRING_VALUE_LENGTH,
  encodeNumber,
  variableNameProblem,
  type WireNumber,
  type WireValue,
} from '@runstream/domain';

/**
 * Checks of what a model passes to `Producer.log()`. Mistakes are the
 * programmer's, so they throw TypeError at the call site — sent on, one bad
 * sample would make the server refuse its whole batch.
 */

export function checkTime(variable: string, t: unknown): asserts t is number {
  if (typeof t !== 'number' || !Number.isFinite(t)) {
    throw new TypeError(`t of '${variable}' must be a finite number, got ${describe(t)}`);
  }
}

export function checkVariableName(variable: unknown): asserts variable is string {
  if (typeof variable !== 'string') {
    throw new TypeError(`variable name must be a string, got ${describe(variable)}`);
  }
  const problem = variableNameProblem(variable);
  if (problem !== undefined) throw new TypeError(`${JSON.stringify(variable)}: ${problem}`);
}

/**
 * Validates a SampleValue and returns its wire form (domain encoding: NaN,
 * ±Infinity and -0 tagged). Arrays are copied, so a model may reuse and
 * mutate its state array after logging it.
 */
export function encodeLoggedValue(variable: string, v: unknown): WireValue {
  switch (typeof v) {
    case 'number':
      return encodeNumber(v);
    case 'boolean':
      return v;
    case 'string':
      if (v.length > MAX_STRING_VALUE_LENGTH) {
        throw new TypeError(
          `string value of '${variable}' is ${v.length} characters, at most ${MAX_STRING_VALUE_LENGTH}`,
        );
      }
      return v;
    case 'object': {
      if (v === null) return null;
      if (!Array.isArray(v)) break;
      if (v.length > MAX_ARRAY_VALUE_LENGTH) {
        throw new TypeError(
          `array value of '${variable}' has ${v.length} elements, at most ${MAX_ARRAY_VALUE_LENGTH}`,
        );
      }
      const out = new Array<WireNumber>(v.length);
      for (let i = 0; i < v.length; i++) {
        const x: unknown = v[i];
        if (typeof x !== 'number') {
          throw new TypeError(
            `array value of '${variable}' must hold numbers only, [${i}] is ${describe(x)}`,
          );
        }
        out[i] = encodeNumber(x);
      }
      return out;
    }
  }
  throw new TypeError(
    `value of '${variable}' must be a number, number[], string, boolean or null, got ${describe(v)}`,
  );
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  if (typeof x === 'number' || typeof x === 'boolean') return String(x);
  if (typeof x === 'string') return `a string`;
  return typeof x;
}
