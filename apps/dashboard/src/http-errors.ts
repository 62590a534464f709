import { redactUrl } from '@runstream/process-lifecycle';
import { NotFoundError, RunstreamError, toErrorBody } from '@runstream/domain';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';

/** Anything no route answered: 404 in the API's one error shape. */
export const notFound: RequestHandler = (req, _res, next) => {
  next(new NotFoundError(`no route for ${req.method} ${req.path}`));
};

/**
 * Our named errors become their status and `{ error: { code, message } }`;
 * anything else is logged and answered 500 without its message. (bull-board
 * answers its own API's errors in its own shape before they get here.)
 */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    void _next;
    if (err instanceof RunstreamError) {
      res.status(err.httpStatus).json(toErrorBody(err));
      return;
    }
    logger.error({ err, method: req.method, url: redactUrl(req.originalUrl) }, 'request failed');
    res.status(500).json({ error: { code: 'internal', message: 'internal server error' } });
  };
}
