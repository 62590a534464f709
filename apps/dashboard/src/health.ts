import { Router } from 'express';
import type { Redis } from 'ioredis';
import type { DashboardMetrics } from './metrics';
import { withTimeout } from './timeout';

/** A named readiness check: true when the dependency answers. Must not reject. */
export type ReadinessCheck = () => Promise<boolean>;

/** True when Redis answers PING within `timeoutMs`. */
export function redisPing(redis: Redis, timeoutMs = 1000): ReadinessCheck {
  return () =>
    withTimeout(redis.ping(), timeoutMs, 'redis ping').then(
      (reply) => reply === 'PONG',
      () => false,
    );
}

/**
 * Liveness, readiness and Prometheus metrics, outside the board's auth like
 * every app's health routes (probes and Prometheus carry no password). They
 * show counts, never job data.
 */
export function healthRouter(deps: {
  checks: Record<string, ReadinessCheck>;
  metrics: DashboardMetrics;
}): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  router.get('/readyz', async (_req, res) => {
    const entries = Object.entries(deps.checks);
    const results = await Promise.all(entries.map(([, check]) => check().catch(() => false)));
    const checks = Object.fromEntries(entries.map(([name], i) => [name, results[i] ?? false]));
    const ok = results.every(Boolean);
    res.status(ok ? 200 : 503).json({ ok, checks });
  });
  router.get('/metrics', async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  return router;
}
