import { redactUrl } from '@runstream/process-lifecycle';
import type { RequestHandler } from 'express';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { IngestMetrics } from './metrics';

/**
 * Watches one request to its end: `route` names the route that answered it
 * (asked once the response is finished).
 */
export type ObserveRequest = (
  req: IncomingMessage,
  res: ServerResponse,
  route: () => string,
) => void;

/**
 * One line per finished request and its duration in the metrics. Written by
 * hand rather than with pino-http: pino-http builds a child logger and
 * serialisers for every request, which cost 10-25% of ingest throughput at
 * thousands of batches a second (apps/bench). Successes log at debug only.
 */
export function observeRequests(logger: Logger, metrics: IngestMetrics): ObserveRequest {
  return (req, res, route) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const status = res.statusCode;
      const method = req.method ?? '';
      metrics.httpDuration.observe({ method, route: route(), status: String(status) }, seconds);
      const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'debug';
      if (!logger.isLevelEnabled(level)) return;
      logger[level](
        { method, url: redactUrl(originalUrl(req)), status, ms: Math.round(seconds * 1e4) / 10 },
        'request',
      );
    });
  };
}

/** observeRequests as Express middleware: the route is the one Express matched. */
export function requestObserver(observe: ObserveRequest): RequestHandler {
  return (req, res, next) => {
    observe(req, res, () => (req.route as { path?: string } | undefined)?.path ?? 'unmatched');
    next();
  };
}

/** The URL as the client sent it: Express rewrites `req.url` inside a mounted router. */
export function originalUrl(req: IncomingMessage): string {
  return (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '';
}
