import type { HotStore } from '@runstream/hot-store';
import { Router } from 'express';
import type { IngestMetrics } from '../metrics';

/** Liveness, readiness (Redis answers) and Prometheus metrics; no auth, no /v1 prefix. */
export function healthRouter(deps: { hotStore: HotStore; metrics: IngestMetrics }): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  router.get('/readyz', async (_req, res) => {
    const redis = await deps.hotStore.ping();
    res.status(redis ? 200 : 503).json({ ok: redis, checks: { redis } });
  });
  router.get('/metrics', async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  return router;
}
