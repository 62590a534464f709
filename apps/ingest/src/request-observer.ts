import { redactUrl } from '@runstream/process-lifecycle';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { IngestMetrics } from './metrics';

/**
 * One line per finished request and its duration in the metrics. Written by
 * hand rather than with pino-http: pino-http builds a child logger and
 * serialisers for every request, which cost 10-25% of ingest throughput at
 * thousands of batches a second (apps/bench). Successes log at debug only.
 */
export function requestObserver(logger: Logger, metrics: IngestMetrics): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = (req.route as { path?: string } | undefined)?.path ?? 'unmatched';
      const status = res.statusCode;
      metrics.httpDuration.observe({ method: req.method, route, status: String(status) }, seconds);
      const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'debug';
      if (!logger.isLevelEnabled(level)) return;
      logger[level](
        {
          method: req.method,
          url: redactUrl(req.originalUrl),
          status,
          ms: Math.round(seconds * 1e4) / 10,
        },
        'request',
      );
    });
    next();
  };
}
