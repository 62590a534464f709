import { encodeSeriesResponse, seriesQuerySchema } from '@runstream/domain';
import type { SeriesReader } from '@runstream/tiering';
import { Router } from 'express';
import { addVariableRead, type VariableReadDeps } from './variable-read';

/** GET …/series: a variable's range downsampled to at most `points` M4+ buckets (docs/read-path.md). */
export function seriesRouter(deps: VariableReadDeps & { series: SeriesReader }): Router {
  const router = Router();
  addVariableRead(router, deps, 'series', seriesQuerySchema, async (read, _req, res) => {
    const { run, variable, stats, query } = read;
    const result = await deps.series.series(run, variable, {
      fromSeq: read.fromSeq,
      toSeq: read.toSeq,
      points: query.points,
    });
    res.json(
      encodeSeriesResponse({
        run,
        variable,
        // Nothing of the range exists: empty columns, over the range as asked.
        fromSeq: result?.fromSeq ?? read.fromSeq ?? 1,
        toSeq: result?.toSeq ?? read.toSeq ?? stats.count,
        bucketSeqs: result?.bucketSeqs ?? 1,
        buckets: result?.buckets ?? [],
      }),
    );
  });
  return router;
}
