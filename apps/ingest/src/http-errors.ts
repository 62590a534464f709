import { redactUrl } from '@runstream/process-lifecycle';
import {
  NotFoundError,
  PayloadTooLargeError,
  RunstreamError,
  ServiceUnavailableError,
  UnauthorizedError,
  toErrorBody,
} from '@runstream/domain';
import { asRedisUnavailable } from '@runstream/hot-store';
import type { DamageReporter } from '@runstream/tiering';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { asDamage } from './damage-report';

interface BodyParserError {
  type: string;
  status?: number;
  message: string;
}

const isBodyParserError = (err: unknown): err is BodyParserError =>
  typeof err === 'object' && err !== null && typeof (err as { type?: unknown }).type === 'string';

/** Turns what body-parser throws into our named errors, so every 4xx has one shape. */
function fromBodyParser(err: BodyParserError, limitBytes: number): RunstreamError | undefined {
  switch (err.type) {
    case 'entity.too.large':
      return new PayloadTooLargeError(limitBytes);
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new RunstreamError('unsupported_media_type', 415, err.message);
    case 'request.aborted':
      return new RunstreamError('request_aborted', 400, 'the client aborted the request');
    default:
      return undefined;
  }
}

/**
 * Our named errors as they are, and Redis in trouble (down, frozen, full,
 * loading) as 503 `unavailable`: what an HTTP answer and a socket
 * acknowledgement both say. Undefined for anything else (a 500).
 */
export function knownError(err: unknown): RunstreamError | undefined {
  if (err instanceof RunstreamError) return err;
  return asRedisUnavailable(err);
}

export function errorHandler(
  logger: Logger,
  limitBytes: number,
  reportDamage: DamageReporter,
): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    void _next;
    const damage = asDamage(err);
    if (damage !== undefined) reportDamage(damage);
    if (res.headersSent) {
      // A streamed answer (an export) failed half-way: the status is sent, so cut the stream short.
      logger.error(
        { err, method: req.method, url: redactUrl(req.originalUrl) },
        'response failed mid-stream',
      );
      res.destroy();
      return;
    }
    const known =
      damage ??
      knownError(err) ??
      (isBodyParserError(err) ? fromBodyParser(err, limitBytes) : undefined);

    if (known === undefined) {
      logger.error({ err, method: req.method, url: redactUrl(req.originalUrl) }, 'request failed');
      res.status(500).json({ error: { code: 'internal', message: 'internal server error' } });
      return;
    }
    if (known instanceof ServiceUnavailableError)
      res.setHeader('Retry-After', String(known.retryAfterSeconds));
    if (known instanceof UnauthorizedError) res.setHeader('WWW-Authenticate', 'Bearer');
    res.status(known.httpStatus).json(toErrorBody(known));
  };
}

export const notFound: RequestHandler = (req, _res, next) => {
  next(new NotFoundError(`no route for ${req.method} ${req.path}`));
};
