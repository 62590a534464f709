import { z } from 'zod';
import { intParam, readRangeShape, refineReadRange } from './read-range';
import type { WireValue } from './sample-value';

/** One variable's seqs given by one write: first..last, inclusive. */
export interface SeqRange {
  variable: string;
  first: number;
  last: number;
}

/** The answer to POST /v1/runs/:run/samples. */
export interface SamplesAck {
  run: string;
  producer?: string;
  batch?: number;
  /** True when this (producer, batch) was written before: nothing was written again. */
  duplicate: boolean;
  ranges: SeqRange[];
}

export interface VariableStats {
  name: string;
  /** Samples written so far, which is also the last seq given. */
  count: number;
  /** Over finite scalar numeric values; absent when there were none. */
  min?: number;
  max?: number;
  lastT?: number;
  lastV?: WireValue;
  /** True when its t has never decreased since its first sample: reads may select by t. */
  tOrdered?: boolean;
  /**
   * Stored data of the variable was found damaged when its run was merged:
   * reads serve what is readable and answer `stored_data_damaged` for the rest.
   */
  damaged?: true;
}

/**
 * A contiguous run of samples of one variable, columnar: the sample at index i
 * has seq `first + i`. Used by history pages, snapshot chunks and live events.
 */
export interface SampleChunk {
  first: number;
  t: number[];
  v: WireValue[];
}

/** GET /v1/runs/:run/variables/:variable/samples */
export interface HistoryPage extends SampleChunk {
  run: string;
  variable: string;
  /** The seq to ask for next. */
  nextSeq: number;
  /** True when the page was cut by `limit`: more history follows `nextSeq`. */
  more: boolean;
}

export const MAX_HISTORY_LIMIT = 100_000;

/**
 * The query of a history page, without `variable`: where the page starts
 * (fromSeq, or the first sample at or after fromT; seq 1 by default), where
 * the range ends (toSeq or toT; the variable's last seq by default), and the
 * most samples on the page. See read-range.ts.
 */
export const historyQuerySchema = z
  .strictObject({
    ...readRangeShape,
    limit: intParam(1, MAX_HISTORY_LIMIT).default(10_000),
  })
  .superRefine(refineReadRange);
export type HistoryQuery = z.infer<typeof historyQuerySchema>;
