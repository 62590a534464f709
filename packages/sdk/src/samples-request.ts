import type { WireValue } from '@runstream/domain';

/** One variable's samples inside a batch, columnar: t[i] goes with v[i]. */
export interface ColumnarSeries {
  t: number[];
  v: WireValue[];
}

/**
 * The columnar body of `POST /v1/runs/:run/samples`. `producer` + `batch`
 * make a resent batch idempotent: the server acknowledges a repeat without
 * writing it again.
 */
export interface SamplesRequestBody {
  producer: string;
  batch: number;
  /**
   * Build it with `Object.create(null)` (see `newVariablesObject`): on a plain
   * `{}`, assigning a variable named `__proto__` would set the prototype and
   * the variable would silently vanish from the JSON.
   */
  variables: Record<string, ColumnarSeries>;
}

export function newVariablesObject(): Record<string, ColumnarSeries> {
  return Object.create(null) as Record<string, ColumnarSeries>;
}
