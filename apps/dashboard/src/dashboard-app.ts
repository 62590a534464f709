import { healthRoutes, redactUrl } from '@runstream/process-lifecycle';
import type { Queues } from '@runstream/queues';
import express, { type Express, type RequestHandler } from 'express';
import { isServing, type RedisClient } from '@runstream/hot-store';
import { createServer, type Server } from 'node:http';
import type { Logger } from 'pino';
import { basicAuth } from './basic-auth';
import { loginThrottle } from './login-throttle';
import { createBoardRouter } from './board';
import type { DashboardAuth } from './config';
import { errorHandler, notFound } from './http-errors';
import { readJobCounts } from './job-counts';
import { DashboardMetrics } from './metrics';
import { readOnlyGuard, sameSiteActionsOnly } from './mutation-guards';

/** The realm browsers show in their password prompt. */
export const AUTH_REALM = 'runstream';

export interface DashboardDeps {
  /** The catalog's queues; the board shows every one (`queues.all()`). */
  queues: Queues;
  /** A connection of its own for /readyz, so a ping never queues behind BullMQ's commands. */
  redis: RedisClient;
  auth: DashboardAuth;
  readOnly: boolean;
  /** Where the board is mounted (default '/'); health routes stay at the root. */
  basePath?: string;
  logger: Logger;
  /** Node's default process metrics on /metrics (default true). */
  defaultMetrics?: boolean;
  /** Failed logins per client and window before it is refused (429); default 10 per 15 min. */
  loginLimit?: { attempts: number; windowMs: number };
}

export interface DashboardApp {
  app: Express;
  server: Server;
  metrics: DashboardMetrics;
  /** Stops taking connections and waits for open requests. Queues and Redis are the caller's. */
  close(): Promise<void>;
}

/**
 * Builds the dashboard without listening (main.ts listens): health routes
 * without auth at the root, then, under the base path, auth in front of
 * everything bull-board serves — pages, API and assets alike.
 */
export function createDashboardApp(deps: DashboardDeps): DashboardApp {
  const { queues, logger, auth, readOnly } = deps;
  const basePath = deps.basePath ?? '/';
  const metrics = new DashboardMetrics({
    jobCounts: () => readJobCounts(queues.all()),
    defaultMetrics: deps.defaultMetrics ?? true,
  });

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(
    healthRoutes({
      checks: { redis: () => isServing(deps.redis) },
      metrics,
    }),
  );

  const guards: RequestHandler[] = [];
  if (auth.kind === 'basic') {
    guards.push(
      loginThrottle({
        ...(deps.loginLimit ?? { attempts: 10, windowMs: 15 * 60_000 }),
        onThrottled: (req) => {
          metrics.authFailures.inc({ reason: 'throttled' });
          logger.warn(
            { ip: req.ip, method: req.method, url: redactUrl(req.originalUrl) },
            'login throttled',
          );
        },
      }),
      basicAuth(auth, {
        realm: AUTH_REALM,
        onFailure: (reason, req) => {
          metrics.authFailures.inc({ reason });
          // A browser's first request always comes without credentials: not worth a line.
          if (reason === 'invalid')
            logger.warn(
              { ip: req.ip, method: req.method, url: redactUrl(req.originalUrl) },
              'bad credentials',
            );
        },
      }),
    );
  }
  guards.push(sameSiteActionsOnly());
  if (readOnly) guards.push(readOnlyGuard());
  app.use(basePath, ...guards, createBoardRouter({ queues: queues.all(), readOnly, basePath }));

  app.use(notFound);
  app.use(errorHandler(logger));

  const server = createServer(app);
  return {
    app,
    server,
    metrics,
    close: () =>
      new Promise<void>((resolve, reject) => {
        if (!server.listening) return resolve();
        server.close((err) => (err === undefined ? resolve() : reject(err)));
        // The board polls with keep-alive: idle sockets would hold close() open.
        server.closeIdleConnections();
      }),
  };
}
