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
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { asDamage } from './damage-report';
import { originalUrl } from './request-observer';

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

/**
 * Answers a request that failed: a named error with its status and JSON body
 * (plus Retry-After on a 503, WWW-Authenticate on a 401), anything else 500
 * (logged). Plain node:http, so the Express app and the samples route that
 * bypasses it (samples-direct) answer alike.
 */
export type AnswerError = (err: unknown, req: IncomingMessage, res: ServerResponse) => void;

export function answerErrors(
  logger: Logger,
  limitBytes: number,
  reportDamage: DamageReporter,
): AnswerError {
  return (err, req, res) => {
    const damage = asDamage(err);
    if (damage !== undefined) reportDamage(damage);
    // Only a failure that is logged needs the request named.
    const where = () => ({ method: req.method, url: redactUrl(originalUrl(req)) });
    if (res.headersSent) {
      // A streamed answer (an export) failed half-way: the status is sent, so cut the stream short.
      logger.error({ err, ...where() }, 'response failed mid-stream');
      res.destroy();
      return;
    }
    const known =
      damage ??
      knownError(err) ??
      (isBodyParserError(err) ? fromBodyParser(err, limitBytes) : undefined);

    if (known === undefined) {
      logger.error({ err, ...where() }, 'request failed');
      sendJson(res, 500, { error: { code: 'internal', message: 'internal server error' } });
      return;
    }
    if (known instanceof ServiceUnavailableError)
      res.setHeader('Retry-After', String(known.retryAfterSeconds));
    if (known instanceof UnauthorizedError) res.setHeader('WWW-Authenticate', 'Bearer');
    sendJson(res, known.httpStatus, toErrorBody(known));
  };
}

/** answerErrors as the Express app's error handler. */
export function errorHandler(answer: AnswerError): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    void _next;
    answer(err, req, res);
  };
}

/** What Express's res.status(status).json(body) sends (with etag off), on any node:http response. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}

export const notFound: RequestHandler = (req, _res, next) => {
  next(new NotFoundError(`no route for ${req.method} ${req.path}`));
};
