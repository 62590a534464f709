import { z } from 'zod';
import { intParam, readRangeShape, refineReadRange } from './read-range';
import { DEFAULT_SERIES_POINTS, MAX_SERIES_POINTS } from './series-response';

/**
 * The query of a series read, without `variable` (the route takes it out of
 * the query first): its range (see read-range.ts) and the most buckets.
 * Unknown parameters are refused.
 */
export const seriesQuerySchema = z
  .strictObject({
    ...readRangeShape,
    points: intParam(1, MAX_SERIES_POINTS).default(DEFAULT_SERIES_POINTS),
  })
  .superRefine(refineReadRange);
export type SeriesQuery = z.infer<typeof seriesQuerySchema>;
