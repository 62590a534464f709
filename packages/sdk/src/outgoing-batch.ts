import type { BatchPart } from './sample-buffer';
import { newVariablesObject, type SamplesRequestBody } from './samples-request';

/**
 * A batch taken from the buffer and not yet acknowledged. Its body is built
 * once: a retry sends exactly the same producer, batch number and samples,
 * which is what lets the server recognise it as a repeat.
 */
export interface OutgoingBatch {
  readonly number: number;
  readonly parts: BatchPart[];
  readonly count: number;
  readonly body: SamplesRequestBody;
}

export function buildBatch(producer: string, number: number, parts: BatchPart[]): OutgoingBatch {
  const variables = newVariablesObject();
  let count = 0;
  for (const part of parts) {
    variables[part.column.name] = { t: part.t, v: part.v };
    count += part.t.length;
  }
  return { number, parts, count, body: { producer, batch: number, variables } };
}

/**
 * Splits a batch's samples into two halves (sizes differ by at most one).
 * Each variable keeps its order: the first half holds a prefix of it, the
 * second the rest, so sending the halves in order preserves FIFO.
 */
export function splitParts(parts: BatchPart[]): [BatchPart[], BatchPart[]] {
  const total = parts.reduce((n, p) => n + p.t.length, 0);
  let room = Math.ceil(total / 2);
  const first: BatchPart[] = [];
  const second: BatchPart[] = [];
  for (const part of parts) {
    const n = part.t.length;
    if (room >= n) {
      first.push(part);
      room -= n;
    } else if (room > 0) {
      first.push({ column: part.column, t: part.t.slice(0, room), v: part.v.slice(0, room) });
      second.push({ column: part.column, t: part.t.slice(room), v: part.v.slice(room) });
      room = 0;
    } else {
      second.push(part);
    }
  }
  return [first, second];
}
