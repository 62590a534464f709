import { NotFoundError, RunstreamError, toErrorBody } from '@runstream/domain';
import express, { type ErrorRequestHandler } from 'express';
import { createServer, type Server } from 'node:http';
import { healthRoutes, type HealthRoutesOptions } from './health-routes';

/**
 * An HTTP server of the health routes alone, not yet listening, for an app
 * with no other HTTP surface (the worker). Any other path is 404 and a
 * failure 500, both in the API's one error shape.
 */
export function createHealthServer(options: HealthRoutesOptions): Server {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(healthRoutes(options));
  app.use((req, _res, next) => {
    next(new NotFoundError(`no route ${req.path}`));
  });
  const errors: ErrorRequestHandler = (err: unknown, _req, res, _next) => {
    void _next;
    const known =
      err instanceof RunstreamError ? err : new RunstreamError('internal', 500, String(err));
    res.status(known.httpStatus).json(toErrorBody(known));
  };
  app.use(errors);
  return createServer(app);
}
