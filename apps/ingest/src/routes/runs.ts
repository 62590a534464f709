import {
  RunIdTakenError,
  RunNotFoundError,
  RunNotRunningError,
  ownerOf,
  ServiceUnavailableError,
  createRunBodySchema,
  listRunsQuerySchema,
  type Run,
} from '@runstream/domain';
import type { HotStore } from '@runstream/hot-store';
import type { Queues } from '@runstream/queues';
import type { RunCatalog } from '@runstream/tiering';
import { Router } from 'express';
import { z } from 'zod';
import type { Authorizer } from '../auth';
import type { RunAccess } from '../run-access';
import { jsonBody } from './json-body';
import { principalOf, requireScope } from './require-scope';
import { runParam, validate } from './validate';

/** What the runs routes ask of the queues: the observer at creation, the merge at completion. */
export type RunJobs = Pick<Queues, 'add'>;

const completeRunBodySchema = z.strictObject({});

export function runsRouter(deps: {
  hotStore: HotStore;
  catalog: RunCatalog;
  jobs: RunJobs;
  authorizer: Authorizer;
  access: RunAccess;
  maxBodyBytes: number;
}): Router {
  const { hotStore, catalog, jobs, authorizer, access } = deps;
  const router = Router();

  /** Adds a job outside the hot path; a Redis that refuses it (full) asks the client to retry. */
  async function addJob(what: string, add: () => Promise<void>): Promise<void> {
    try {
      await add();
    } catch (err) {
      throw new ServiceUnavailableError(`could not queue the ${what}; retry shortly`, 1, {
        cause: err,
      });
    }
  }

  router.post(
    '/runs',
    requireScope(authorizer, 'write'),
    ...jsonBody(deps.maxBodyBytes, { allowEmpty: true }),
    async (req, res) => {
      const body = validate(createRunBodySchema, req.body, 'body');
      const { project } = principalOf(res);
      // A completed run Redis has forgotten lives on in S3: its id is taken for good.
      if (body.id !== undefined && (await hotStore.runs.get(body.id)) === undefined) {
        const archived = await catalog.manifest(body.id);
        if (archived !== undefined && ownerOf(archived.run) !== project)
          throw new RunIdTakenError(body.id);
        if (archived !== undefined) throw new RunNotRunningError(body.id, archived.run.status);
      }
      const { run, created } = await hotStore.runs.create(body, { project });
      // Ids are one namespace: the same id from another project is not the same run.
      if (ownerOf(run) !== project) throw new RunIdTakenError(run.id);
      catalog.created(run.id);
      // Every running run has an observer (one job id per run: adding it again is a no-op).
      if (run.status === 'running')
        await addJob('run observer', () =>
          jobs.add('observe', { run: run.id, lastCount: -1, unchanged: 0 }),
        );
      res.status(created ? 201 : 200).json({ run });
    },
  );

  /**
   * Completes a run: from now on its samples are refused (409), and a merge
   * job folds its data into one object per variable. Idempotent: 202 while
   * the merge is to come or running (asking again re-adds a lost merge job,
   * deduplicated), 200 once completed.
   */
  router.post(
    '/runs/:run/complete',
    requireScope(authorizer, 'write'),
    ...jsonBody(deps.maxBodyBytes, { allowEmpty: true }),
    async (req, res) => {
      const id = runParam(req.params.run);
      validate(completeRunBodySchema, req.body ?? {}, 'body');
      await access.check(principalOf(res), id);
      const status = await hotStore.runs.beginCompletion(id, 'requested');
      let run: Run | undefined;
      if (status === undefined) {
        run = (await catalog.manifest(id))?.run; // completed, and known to S3 alone
        if (run === undefined) throw new RunNotFoundError(id);
      } else {
        run = await hotStore.runs.get(id);
        if (run === undefined) throw new RunNotFoundError(id);
        if (run.status === 'completing') {
          const reason = run.reason ?? 'requested';
          await addJob('merge', () =>
            jobs.add('merge', { run: id, reason, requestedAt: Date.now() }),
          );
        }
      }
      res.status(run.status === 'completed' ? 200 : 202).json({ run });
    },
  );

  router.get('/runs', requireScope(authorizer, 'read'), async (req, res) => {
    const query = validate(listRunsQuerySchema, req.query, 'query');
    res.json({ runs: await catalog.list({ ...query, project: principalOf(res).project }) });
  });

  router.get('/runs/:run', requireScope(authorizer, 'read'), async (req, res) => {
    const id = runParam(req.params.run);
    res.json({ run: await access.run(principalOf(res), id) });
  });

  return router;
}
