import { NotFoundError, type ReadRange, type VariableStats } from '@runstream/domain';
import type { RunCatalog, TimeSeek } from '@runstream/tiering';
import type { Request, RequestHandler, Router } from 'express';
import type { z } from 'zod';
import type { Authorizer } from '../auth';
import type { RunAccess } from '../run-access';
import { principalOf, requireScope } from './require-scope';
import { runParam, validate, variableParam } from './validate';

/** What a read of one variable's samples has resolved before it reads. */
export interface VariableRead<Q> {
  run: string;
  variable: string;
  stats: VariableStats;
  query: Q;
  /** The seq range the query asks for (a t range found by binary search); absent ends are open. */
  fromSeq: number | undefined;
  toSeq: number | undefined;
}

export interface VariableReadDeps {
  catalog: RunCatalog;
  time: TimeSeek;
  authorizer: Authorizer;
  access: RunAccess;
}

/**
 * Adds a read of one variable under both addresses: the path form
 * `/runs/:run/variables/:variable/<name>` reads well; the query form
 * `/runs/:run/<name>?variable=…` reaches every name, `.` and `..` included,
 * which URL parsers fold away in a path. The handler gets the run and the
 * variable checked (404 when unknown), the query validated by `schema`
 * (400 naming the parameter) and its range resolved to seqs (400
 * `t_not_ordered` when a t range is asked of a variable whose t went back).
 */
export function addVariableRead<S extends z.ZodType<ReadRange>>(
  router: Router,
  deps: VariableReadDeps,
  name: string,
  schema: S,
  handle: (
    read: VariableRead<z.infer<S>>,
    req: Request,
    res: Parameters<RequestHandler>[1],
  ) => Promise<void>,
): void {
  const handler =
    (variableOf: (req: Request) => unknown): RequestHandler =>
    async (req, res) => {
      const run = runParam(req.params.run);
      const variable = variableParam(variableOf(req));
      const query = validate(schema, omitVariable(req.query), 'query');
      await deps.access.run(principalOf(res), run);
      const stats = await deps.catalog.variable(run, variable);
      if (stats === undefined)
        throw new NotFoundError(`run '${run}' has no variable '${variable}'`, 'variable_not_found');
      const range = await deps.time.seqRange(run, variable, stats, query);
      await handle({ run, variable, stats, query, ...range }, req, res);
    };
  const read = requireScope(deps.authorizer, 'read');
  router.get(
    `/runs/:run/variables/:variable/${name}`,
    read,
    handler((req) => req.params.variable),
  );
  router.get(
    `/runs/:run/${name}`,
    read,
    handler((req) => (req.query as Record<string, unknown>).variable),
  );
}

function omitVariable(query: unknown): Record<string, unknown> {
  const { variable: _variable, ...rest } = query as Record<string, unknown>;
  void _variable;
  return rest;
}
