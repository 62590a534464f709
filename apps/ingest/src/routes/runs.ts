import { RunNotFoundError, createRunBodySchema, listRunsQuerySchema } from '@runstream/domain';
import type { HotStore } from '@runstream/hot-store';
import { Router } from 'express';
import type { Authorizer } from '../auth';
import { jsonBody } from './json-body';
import { requireScope } from './require-scope';
import { runParam, validate } from './validate';

export function runsRouter(deps: {
  hotStore: HotStore;
  authorizer: Authorizer;
  maxBodyBytes: number;
}): Router {
  const { hotStore, authorizer } = deps;
  const router = Router();

  router.post(
    '/runs',
    requireScope(authorizer, 'write'),
    ...jsonBody(deps.maxBodyBytes, { allowEmpty: true }),
    async (req, res) => {
      const body = validate(createRunBodySchema, req.body, 'body');
      const { run, created } = await hotStore.runs.create(body);
      res.status(created ? 201 : 200).json({ run });
    },
  );

  router.get('/runs', requireScope(authorizer, 'read'), async (req, res) => {
    const query = validate(listRunsQuerySchema, req.query, 'query');
    res.json({ runs: await hotStore.runs.list(query) });
  });

  router.get('/runs/:run', requireScope(authorizer, 'read'), async (req, res) => {
    const id = runParam(req.params.run);
    const run = await hotStore.runs.get(id);
    if (run === undefined) throw new RunNotFoundError(id);
    res.json({ run });
  });

  return router;
}
