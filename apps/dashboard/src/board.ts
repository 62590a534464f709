import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import { Router, type Express } from 'express';

export interface BoardOptions {
  /** The queues to show, each under its BullMQ name. */
  queues: readonly Queue[];
  /** bull-board's readOnlyMode on every queue: no action buttons, actions answered 405. */
  readOnly: boolean;
  /** Where the router is mounted; bull-board writes it into the page for its asset and API URLs. */
  basePath: string;
}

/**
 * bull-board (pages, its JSON API under `api/`, assets under `static/`) as
 * one Express router. It has no auth of its own: mount it behind some.
 */
export function createBoardRouter(options: BoardOptions): Router {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(options.basePath);
  createBullBoard({
    queues: options.queues.map(
      (queue) => new BullMQAdapter(queue, { readOnlyMode: options.readOnly }),
    ),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'Runstream queues' } },
  });
  // getRouter() is typed `any` by bull-board; it is the Express app it built.
  const board = serverAdapter.getRouter() as Express;
  board.disable('x-powered-by');

  const router = Router();
  router.use((_req, res, next) => {
    // Its buttons delete jobs: no framing by other sites (clickjacking), no
    // MIME sniffing, and no copies of job data in caches. (express.static
    // replaces Cache-Control on the assets: bull-board's own public code.)
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Content-Security-Policy', "frame-ancestors 'none'");
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  router.use(board);
  return router;
}
