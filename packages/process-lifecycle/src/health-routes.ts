import { RunstreamError } from '@runstream/domain';
import { Router } from 'express';
import { withTimeout } from './with-timeout';

/** A readiness check: true when the outside system it names answers. */
export type ReadinessCheck = () => Promise<boolean>;

/** What /metrics serves: a prom-client Registry fits. */
export interface MetricsRegistry {
  readonly contentType: string;
  metrics(): Promise<string>;
}

export interface HealthRoutesOptions {
  /** Every check must answer true within `timeoutMs` for /readyz to be 200 (e.g. redis, s3). */
  checks: Record<string, ReadinessCheck>;
  /**
   * How long /readyz waits for its checks; one that has not answered by then
   * counts as down. Default 1000 ms: a probe must get an answer even while a
   * dependency hangs (a Redis command waits for the reconnect).
   */
  timeoutMs?: number;
  /** The app's metrics, served on /metrics in Prometheus' text format. */
  metrics: { readonly registry: MetricsRegistry };
}

export const DEFAULT_READINESS_TIMEOUT_MS = 1000;

const HEALTH_PATHS = ['/healthz', '/readyz', '/metrics'];

/**
 * Every app's liveness, readiness and Prometheus routes, mounted at the root
 * in front of any auth: probes and Prometheus carry no credentials. They
 * show counts and up/down, never data. /healthz says the process serves
 * HTTP; /readyz is `{ ok, checks: { name: boolean } }`, 503 unless every
 * check passed. Errors (another method than GET or HEAD: 405; a metrics
 * collector that fails) go to the app's error handler, for its one shape.
 */
export function healthRoutes(options: HealthRoutesOptions): Router {
  const { checks, metrics } = options;
  const timeoutMs = options.timeoutMs ?? DEFAULT_READINESS_TIMEOUT_MS;
  const router = Router();
  router.use(HEALTH_PATHS, (_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  router.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  router.get('/readyz', async (_req, res) => {
    const results = await readiness(checks, timeoutMs);
    const ok = Object.values(results).every(Boolean);
    res.status(ok ? 200 : 503).json({ ok, checks: results });
  });
  router.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  router.all(HEALTH_PATHS, (req, res, next) => {
    res.setHeader('Allow', 'GET, HEAD');
    next(new RunstreamError('method_not_allowed', 405, `${req.method} is not allowed`));
  });
  return router;
}

/** Each check's verdict; a check that throws, rejects or outlasts `timeoutMs` is false. */
async function readiness(
  checks: Record<string, ReadinessCheck>,
  timeoutMs: number,
): Promise<Record<string, boolean>> {
  const entries = Object.entries(checks);
  const results = await Promise.all(
    entries.map(([name, check]) =>
      withTimeout(Promise.resolve().then(check), timeoutMs, `readiness check ${name}`).then(
        (up) => up === true,
        () => false,
      ),
    ),
  );
  return Object.fromEntries(entries.map(([name], i) => [name, results[i] ?? false]));
}
