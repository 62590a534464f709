import {
  NotFoundError,
  RunNotFoundError,
  collectPage,
  historyQuerySchema,
  type HistoryPage,
} from '@runstream/domain';
import type { RunCatalog } from '@runstream/tiering';
import { Router, type Request, type RequestHandler } from 'express';
import type { Authorizer } from '../auth';
import type { HistorySource } from '../history-source';
import { requireScope } from './require-scope';
import { runParam, validate, variableParam } from './validate';

export function variablesRouter(deps: {
  catalog: RunCatalog;
  history: HistorySource;
  authorizer: Authorizer;
}): Router {
  const { catalog, history, authorizer } = deps;
  const router = Router();

  async function requireRun(id: string): Promise<void> {
    if ((await catalog.run(id)) === undefined) throw new RunNotFoundError(id);
  }

  router.get('/runs/:run/variables', requireScope(authorizer, 'read'), async (req, res) => {
    const run = runParam(req.params.run);
    const variables = await catalog.variables(run);
    if (variables === undefined) throw new RunNotFoundError(run);
    res.json({ run, variables });
  });

  // Two addresses for one read: the path form reads well; the query form reaches
  // every name, including '.' and '..', which URL parsers fold away in a path.
  const readHistory =
    (variableOf: (req: Request) => unknown): RequestHandler =>
    async (req, res) => {
      const run = runParam(req.params.run);
      const variable = variableParam(variableOf(req));
      const { fromSeq, limit } = validate(historyQuerySchema, omitVariable(req.query), 'query');
      await requireRun(run);
      if ((await catalog.variable(run, variable)) === undefined)
        throw new NotFoundError(`run '${run}' has no variable '${variable}'`, 'variable_not_found');
      const page = await collectPage(history.chunks(run, variable, fromSeq), fromSeq, limit);
      const body: HistoryPage = { run, variable, ...page };
      res.json(body);
    };
  router.get(
    '/runs/:run/variables/:variable/samples',
    requireScope(authorizer, 'read'),
    readHistory((req) => req.params.variable),
  );
  router.get(
    '/runs/:run/samples',
    requireScope(authorizer, 'read'),
    readHistory((req) => (req.query as Record<string, unknown>).variable),
  );

  return router;
}

function omitVariable(query: unknown): Record<string, unknown> {
  const { variable: _variable, ...rest } = query as Record<string, unknown>;
  void _variable;
  return rest;
}
