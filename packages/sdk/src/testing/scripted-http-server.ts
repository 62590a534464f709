import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

/** One request as the test server saw it. */
export interface RecordedRequest {
  index: number;
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  /** The raw body, byte for byte as sent. */
  bytes: Buffer;
  /** The body read as UTF-8. */
  text: string;
  json: unknown;
  /** performance.now() when the request's headers arrived. */
  at: number;
}

export type Responder = (
  req: RecordedRequest,
  res: ServerResponse,
  raw: IncomingMessage,
) => void | Promise<void>;

export interface ScriptedServer {
  url: string;
  requests: RecordedRequest[];
  respond: (responder: Responder) => void;
  close: () => Promise<void>;
}

/**
 * A real HTTP server on 127.0.0.1:<free port> that records every request and
 * answers with whatever the test scripts. No fetch mock: the SDK talks HTTP.
 */
export async function startScriptedServer(responder: Responder): Promise<ScriptedServer> {
  let current = responder;
  const requests: RecordedRequest[] = [];
  const server = createServer((raw, res) => {
    const at = performance.now();
    const chunks: Buffer[] = [];
    raw.on('data', (c: Buffer) => chunks.push(c));
    raw.on('end', () => {
      const bytes = Buffer.concat(chunks);
      const text = bytes.toString('utf8');
      const url = new URL(raw.url ?? '/', 'http://x');
      let json: unknown;
      try {
        json = text === '' ? undefined : JSON.parse(text);
      } catch {
        json = undefined;
      }
      const req: RecordedRequest = {
        index: requests.length,
        method: raw.method ?? '',
        path: url.pathname,
        query: url.searchParams,
        headers: raw.headers,
        bytes,
        text,
        json,
        at,
      };
      requests.push(req);
      Promise.resolve(current(req, res, raw)).catch((err: unknown) => {
        if (!res.headersSent)
          sendJson(res, 500, { error: { code: 'test_bug', message: String(err) } });
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    respond: (r) => {
      current = r;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(text);
}

export function sendError(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, { error: { code, message } }, headers);
}
