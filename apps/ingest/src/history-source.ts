import type { SampleChunk } from '@runstream/domain';

/**
 * Where history comes from: one variable's chunks in seq order from `fromSeq`.
 * Today the hot store's buffer; the tiered reader (Redis, transfer keys,
 * segments, merged object) plugs in here without touching the routes.
 */
export interface HistorySource {
  chunks(run: string, variable: string, fromSeq: number): AsyncIterable<SampleChunk>;
}
