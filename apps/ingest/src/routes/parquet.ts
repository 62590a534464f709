import { PARQUET_CONTENT_TYPE, type ColdStore } from '@runstream/cold-store';
import { NotFoundError } from '@runstream/domain';
import type { RunCatalog } from '@runstream/tiering';
import { Router } from 'express';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { RunAccess } from '../run-access';
import type { Authorizer } from '../auth';
import { principalOf, requireScope } from './require-scope';
import { runParam } from './validate';

export interface ParquetDeps {
  catalog: RunCatalog;
  authorizer: Authorizer;
  access: RunAccess;
  /** Where the merge put the file; without it no run has one (404). */
  objects?: Pick<ColdStore, 'readObjectBytes'>;
}

/**
 * GET /v1/runs/:run/parquet: the Parquet file the merge wrote of a completed
 * run (see runParquet), streamed from S3 as it is stored. 404
 * `parquet_not_found` while the run has none (running, or merged before
 * the merge wrote one).
 */
export function parquetRouter(deps: ParquetDeps): Router {
  const { catalog, authorizer, access, objects } = deps;
  const router = Router();
  router.get('/runs/:run/parquet', requireScope(authorizer, 'read'), async (req, res) => {
    const run = runParam(req.params.run);
    await access.run(principalOf(res), run);
    const parquet = (await catalog.manifest(run))?.parquet;
    if (parquet === undefined || objects === undefined)
      throw new NotFoundError(
        `run '${run}' has no Parquet file: the merge writes one when the run completes`,
        'parquet_not_found',
      );
    const bytes = objects.readObjectBytes(parquet.object);
    // The first bytes before the status: an object that cannot be read is answered as an error.
    const first = await bytes.next();
    res.status(200);
    // attachment() sets a type from the extension, which mime does not know: the type after it.
    res.attachment(`${run}.parquet`);
    res.type(PARQUET_CONTENT_TYPE);
    res.setHeader('Content-Length', String(parquet.bytes));
    const rest = async function* (): AsyncGenerator<Uint8Array> {
      if (first.done !== true) yield first.value;
      yield* bytes;
    };
    await pipeline(Readable.from(rest()), res);
  });
  return router;
}
