import { ServiceUnavailableError } from '@runstream/domain';
import type { RequestHandler } from 'express';
import type { Server, ServerResponse } from 'node:http';

/**
 * Graceful draining of an HTTP server for a shutdown: from `start()` on,
 * requests already under way finish and their responses carry
 * `Connection: close`; a request that arrives (its headers complete) after
 * it is answered 503 `unavailable` + Retry-After, also closing; idle
 * keep-alive connections are closed, now and whenever one becomes idle.
 * Nothing under way is cut: what is cut is left to the caller's timeout.
 * Mount `middleware` first, before any route (or call `admit` first).
 */
export class HttpDrain {
  private draining = false;
  /** Responses under way whose headers may still be written. */
  private readonly inFlight = new Set<ServerResponse>();

  constructor(private readonly server: Server) {}

  get isDraining(): boolean {
    return this.draining;
  }

  /**
   * Lets a request in (tracking its response until it ends), or, once
   * draining, marks its connection to close and returns the 503 to answer.
   */
  admit(res: ServerResponse): ServiceUnavailableError | undefined {
    if (this.draining) {
      res.setHeader('Connection', 'close');
      return new ServiceUnavailableError('the server is shutting down; retry shortly', 1);
    }
    this.inFlight.add(res);
    const done = (): void => {
      this.inFlight.delete(res);
      // Its connection is idle now; while draining nothing else is to come on it.
      if (this.draining) this.server.closeIdleConnections();
    };
    res.once('finish', done);
    res.once('close', done);
    return undefined;
  }

  /** admit as Express middleware. */
  readonly middleware: RequestHandler = (_req, res, next) => {
    next(this.admit(res));
  };

  /** Begins draining (idempotent). The caller then closes the server and waits for it. */
  start(): void {
    if (this.draining) return;
    this.draining = true;
    for (const res of this.inFlight) if (!res.headersSent) res.setHeader('Connection', 'close');
    this.server.closeIdleConnections();
  }
}
