import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BINARY_BODY_CONTENT_TYPE } from '@runstream/domain';

/** What the proxy does with one request: forward it; forward it and drop the answer; answer 503 itself. */
export type FaultAction = 'pass' | 'lose' | 'refuse';

export interface RecordedRequest {
  method: string;
  path: string;
  /** The body as UTF-8 text; a binary body (not JSON) as base64. */
  body: string;
  bytes: Buffer;
}

export interface FaultProxy {
  url: string;
  /** Decides each request's fate, by its index among all requests and its path. */
  mode: (index: number, path: string) => FaultAction;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

const readBody = async (req: IncomingMessage): Promise<Buffer> => {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  return Buffer.concat(parts);
};

/**
 * An HTTP proxy in front of a real ingest that loses answers (the server
 * wrote the batch, the client never heard) or refuses requests (503 with
 * `Retry-After: 1`, nothing forwarded) — as clients/python/tests/stack.py's
 * FaultProxy does for the Python tests. Every request is recorded. Built,
 * so conformance-proxy-cli serves it to runners in any language.
 */
export async function startFaultProxy(target: string, port = 0): Promise<FaultProxy> {
  const to = new URL(target);
  const proxy: FaultProxy = {
    url: '',
    mode: () => 'pass',
    requests: [],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const path = req.url ?? '/';
      const index = proxy.requests.length;
      const binary = req.headers['content-type'] === BINARY_BODY_CONTENT_TYPE;
      proxy.requests.push({
        method: req.method ?? 'GET',
        path,
        body: body.toString(binary ? 'base64' : 'utf8'),
        bytes: body,
      });
      const action = proxy.mode(index, path);
      if (action === 'refuse') {
        res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' });
        res.end('{"error":{"code":"unavailable","message":"test proxy refuses"}}');
        return;
      }
      const headers: Record<string, string> = {};
      for (const name of ['authorization', 'content-type', 'accept'])
        if (typeof req.headers[name] === 'string') headers[name] = req.headers[name];
      const forwarded = httpRequest(
        { host: to.hostname, port: to.port, method: req.method, path, headers },
        (answer) => {
          void readBody(answer).then((data) => {
            if (action === 'lose') {
              req.socket.destroy();
              return;
            }
            const out: Record<string, string> = { 'content-length': String(data.length) };
            for (const name of ['content-type', 'retry-after'])
              if (typeof answer.headers[name] === 'string') out[name] = answer.headers[name];
            res.writeHead(answer.statusCode ?? 502, out);
            res.end(data);
          });
        },
      );
      forwarded.on('error', () => req.socket.destroy());
      forwarded.end(body);
    })();
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}
