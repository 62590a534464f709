import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One object download seen by the proxy. */
export interface RecordedDownload {
  /** The object key (path-style `/bucket/key`, decoded). */
  key: string;
  /** The Range header asked for, if any. */
  range?: string;
  /** Body bytes the server sent back. */
  bytes: number;
}

export interface S3RecordingProxy {
  /** Point a client here instead of at the server (path-style). */
  readonly endpoint: string;
  /** Every object GET so far (listings, bucket-level GETs, are not downloads). */
  readonly downloads: RecordedDownload[];
  close(): Promise<void>;
}

/**
 * An HTTP proxy in front of an S3-protocol server that notes every object
 * downloaded through it, with the range asked for and the bytes sent: what a
 * reader really fetched, whatever code fetched it. Requests pass unchanged
 * (the Host header too), so their signatures still hold.
 */
export async function startS3RecordingProxy(target: { port: number }): Promise<S3RecordingProxy> {
  const downloads: RecordedDownload[] = [];
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://proxy').pathname;
    const parts = path.split('/').filter((p) => p !== '');
    const download: RecordedDownload | undefined =
      req.method === 'GET' && parts.length > 1
        ? {
            key: decodeURIComponent(path.split('/').slice(2).join('/')),
            bytes: 0,
            ...(typeof req.headers.range === 'string' ? { range: req.headers.range } : {}),
          }
        : undefined;
    if (download !== undefined) downloads.push(download);
    const upstream = request(
      {
        host: '127.0.0.1',
        port: target.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        if (download !== undefined)
          answer.on('data', (chunk: Buffer) => {
            download.bytes += chunk.length;
          });
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    downloads,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
