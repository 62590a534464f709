import {
  RunNotFoundError,
  chunkJson,
  collectTextPage,
  historyQuerySchema,
} from '@runstream/domain';
import type { ChunkTextSource } from '@runstream/tiering';
import { Router } from 'express';
import { principalOf, requireScope } from './require-scope';
import { runParam } from './validate';
import { addVariableRead, type VariableReadDeps } from './variable-read';

export function variablesRouter(deps: VariableReadDeps & { history: ChunkTextSource }): Router {
  const { catalog, history, authorizer, access } = deps;
  const router = Router();

  router.get('/runs/:run/variables', requireScope(authorizer, 'read'), async (req, res) => {
    const run = runParam(req.params.run);
    await access.run(principalOf(res), run);
    const variables = await catalog.variables(run);
    if (variables === undefined) throw new RunNotFoundError(run);
    res.json({ run, variables });
  });

  // A page is the stored chunk text joined as it is: only its ends are scanned, nothing parsed.
  addVariableRead(router, deps, 'samples', historyQuerySchema, async (read, _req, res) => {
    const { run, variable, query } = read;
    const fromSeq = read.fromSeq ?? 1;
    const page = await collectTextPage(
      history.texts(run, variable, fromSeq),
      fromSeq,
      query.limit,
      read.toSeq,
    );
    res
      .type('application/json')
      .send(chunkJson(run, variable, page.chunk, { nextSeq: page.nextSeq, more: page.more }));
  });

  return router;
}
