import type { IngestBatch, VariableSeries } from '../ingest-batch';

type PlainSeries = Pick<VariableSeries, 'name' | 't' | 'v' | 'summary' | 'ends'>;

/**
 * A batch as plain data, to compare with toEqual: a binary body's series
 * make their t/v arrays on first use and keep their column bytes, so they
 * are not plain objects.
 */
export function plainBatch(batch: IngestBatch): Omit<IngestBatch, 'series'> & {
  series: PlainSeries[];
} {
  return {
    ...batch,
    series: batch.series.map(({ name, t, v, summary, ends }) => ({ name, t, v, summary, ends })),
  };
}
