import { RunstreamError, toErrorBody } from '@runstream/domain';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { WorkerMetrics } from './metrics';

/** A readiness check: true when the outside system answers. Must not reject. */
export type ReadyCheck = () => Promise<boolean>;

export interface HealthServerDeps {
  /** Every check must pass for /readyz to answer 200 (e.g. redis, s3). */
  checks: Record<string, ReadyCheck>;
  metrics: WorkerMetrics;
}

/**
 * The worker's only HTTP surface: liveness, readiness and Prometheus metrics,
 * no auth (like every app's health routes). Plain node:http: three GET routes
 * need no framework. Errors have the API's one JSON shape.
 */
export function createHealthServer(deps: HealthServerDeps): Server {
  return createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return sendError(res, 405, 'method_not_allowed', `${req.method ?? '?'} is not allowed`);
    }
    switch (path) {
      case '/healthz':
        return sendJson(res, 200, { ok: true });
      case '/readyz':
        return void readiness(deps.checks).then(
          (checks) => {
            const ok = Object.values(checks).every(Boolean);
            sendJson(res, ok ? 200 : 503, { ok, checks });
          },
          (err: unknown) => sendError(res, 500, 'internal', String(err)),
        );
      case '/metrics':
        return void deps.metrics.registry.metrics().then(
          (text) => {
            res.writeHead(200, { 'Content-Type': deps.metrics.registry.contentType });
            res.end(text);
          },
          (err: unknown) => sendError(res, 500, 'internal', String(err)),
        );
      default:
        return sendError(res, 404, 'not_found', `no route ${path ?? ''}`);
    }
  });
}

async function readiness(checks: Record<string, ReadyCheck>): Promise<Record<string, boolean>> {
  const names = Object.keys(checks);
  const results = await Promise.all(names.map((name) => checks[name]!().catch(() => false)));
  return Object.fromEntries(names.map((name, i) => [name, results[i] ?? false]));
}

/** Resolves `check`'s verdict, or false when it has not answered within `timeoutMs`. */
export async function withTimeout(check: Promise<boolean>, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([check.catch(() => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  res.end(text);
}

function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, toErrorBody(new RunstreamError(code, status, message)));
}
