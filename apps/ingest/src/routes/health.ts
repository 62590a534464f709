import type { HotStore } from '@runstream/hot-store';
import { Router } from 'express';
import type { IngestMetrics } from '../metrics';

/** A named readiness check: true when the dependency answers. */
export type ReadinessCheck = () => Promise<boolean>;

/** Liveness, readiness (Redis, and S3 when given) and Prometheus metrics; no auth, no /v1 prefix. */
export function healthRouter(deps: {
  hotStore: HotStore;
  metrics: IngestMetrics;
  checks?: Record<string, ReadinessCheck>;
}): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  const checks: Record<string, ReadinessCheck> = {
    redis: () => deps.hotStore.ping(),
    ...deps.checks,
  };
  router.get('/readyz', async (_req, res) => {
    const entries = Object.entries(checks);
    const results = await Promise.all(entries.map(([, check]) => check().catch(() => false)));
    const body = Object.fromEntries(entries.map(([name], i) => [name, results[i] ?? false]));
    const ok = results.every(Boolean);
    res.status(ok ? 200 : 503).json({ ok, checks: body });
  });
  router.get('/metrics', async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  return router;
}
