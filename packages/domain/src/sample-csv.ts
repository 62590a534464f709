import type { SampleChunk } from './http-api';
import type { WireNumber, WireValue } from './sample-value';

/**
 * A variable's samples as CSV (RFC 4180), for the export route: one row per
 * sample, `seq,t,v`. Numbers are written as JavaScript prints them (shortest
 * exact form); the special numbers as `NaN`, `Infinity`, `-Infinity` and
 * `-0`, which pandas, R and Python's float() read as those values; a string
 * always quoted (so the string "NaN" is not the number); booleans `true` /
 * `false`; null an empty field; an array its JSON text (tags included),
 * quoted.
 */
export const CSV_HEADER = 'seq,t,v\r\n';

/** The rows of `chunk`'s samples from index `from` to `to` (exclusive). */
export function csvRows(chunk: SampleChunk, from = 0, to = chunk.t.length): string {
  let out = '';
  for (let i = from; i < to; i++) {
    out += `${chunk.first + i},${String(chunk.t[i])},${csvValue(chunk.v[i] ?? null)}\r\n`;
  }
  return out;
}

export function csvValue(v: WireValue): string {
  if (v === null) return '';
  switch (typeof v) {
    case 'number':
      return String(v);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'string':
      return quoted(v);
    default:
      return Array.isArray(v) ? quoted(JSON.stringify(v)) : specialText(v);
  }
}

function specialText(w: Exclude<WireNumber, number>): string {
  return w.$num;
}

function quoted(text: string): string {
  return `"${text.replaceAll('"', '""')}"`;
}
