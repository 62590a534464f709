import type { RequestListener, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { IngestLimits } from './ingest-limits';
import type { IngestMetrics } from './metrics';

type ServerLimits = Pick<IngestLimits, 'maxConnections' | 'headersTimeoutMs' | 'requestTimeoutMs'>;

/** Longer than any client's or proxy's idle reuse of a connection (AWS ALB: 60 s). */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;

/**
 * The ingest HTTP server with its connection-level limits: a cap on open
 * connections (past it Node closes new ones at once; counted), and header and
 * whole-request timeouts, so a client trickling a body holds its connection
 * for `requestTimeoutMs`, not Node's default 300 s. A request refused there
 * never reaches a route, so nothing of it is written.
 */
export function createLimitedServer(
  app: RequestListener,
  limits: ServerLimits,
  metrics: IngestMetrics,
  logger: Logger,
): Server {
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      // Node checks the timeouts only this often (default 30 s): a timeout is late by up to it.
      connectionsCheckingInterval: Math.max(50, Math.min(1000, limits.headersTimeoutMs / 4)),
      // An idle keep-alive connection is closed by the server only after its
      // clients stop reusing it (fetch/undici ~4 s, proxies and load balancers
      // 60 s): with Node's 5 s a busy client could send on a connection the
      // server was closing and get ECONNRESET. Shutdown closes idle ones at once.
      keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    },
    app,
  );
  server.maxConnections = limits.maxConnections;
  server.on('drop', () => {
    metrics.limitRefusals.inc({ limit: 'connections' });
    logger.warn({ maxConnections: limits.maxConnections }, 'connection refused: at the limit');
  });
  server.on('connection', (socket: Duplex) => {
    metrics.connections.inc();
    socket.once('close', () => metrics.connections.dec());
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      metrics.limitRefusals.inc({ limit: 'request_timeout' });
      logger.debug({ err }, 'request not received in time');
    }
    answerClientError(err, socket);
  });
  return server;
}

/**
 * What Node answers a request it could not read (its own default when a
 * `clientError` listener is absent), but in the API's JSON error shape.
 */
function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  // Node's own test: an answer already under way must not be corrupted by a second one.
  const inFlight = (socket as Duplex & { _httpMessage?: ServerResponse | null })._httpMessage;
  if (err.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent === true) {
    socket.destroy();
    return;
  }
  const [status, reason, code, message] =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'Request Timeout', 'request_timeout', 'the request was not received in time']
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'Request Header Fields Too Large', 'headers_too_large', 'request headers too large']
        : [400, 'Bad Request', 'bad_request', 'malformed HTTP request'];
  const body = JSON.stringify({ error: { code, message } });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    () => socket.destroy(),
  );
}
