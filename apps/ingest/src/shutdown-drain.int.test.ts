import { HotStore } from '@runstream/hot-store';
import { startRedis, startS3Server, useFixture, waitFor } from '@runstream/testkit';
import { connect, type Socket } from 'node:net';
import { READ_TOKEN, WRITE_TOKEN } from './testing/ingest-harness';
import { spawnIngest } from './testing/ingest-process';

// SIGTERM to the real ingest process (main.ts) with connections in every
// state: a request whose body is still arriving finishes (200, written) and
// its connection closes after; a request that completes its headers after
// the signal is answered 503 + Retry-After, closing; an idle keep-alive
// connection is closed; the process exits 0 (the graceful path, not the
// SHUTDOWN_TIMEOUT_MS forced exit, which is 1).

const RUN = 'drain-run';

const backends = useFixture(async () => {
  const [redis, s3] = await Promise.all([startRedis(), startS3Server()]);
  return { redis, s3, stop: () => Promise.all([redis.stop(), s3.dispose()]).then(() => undefined) };
});

/** A raw HTTP/1.1 connection: what a keep-alive client holds, byte by byte. */
interface RawConnection {
  socket: Socket;
  received(): string;
  /** Resolves once the server has closed it (end or close), with everything it sent. */
  closed: Promise<string>;
}

async function open(port: number): Promise<RawConnection> {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let data = '';
  socket.on('data', (d: Buffer) => {
    data += d.toString();
  });
  socket.on('error', () => undefined); // a reset shows as the close below
  const closed = new Promise<string>((resolve) => socket.once('close', () => resolve(data)));
  return { socket, received: () => data, closed };
}

interface ParsedResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** The last response in `text` (after any 100 Continue). */
function lastResponse(text: string): ParsedResponse {
  const start = text.lastIndexOf('HTTP/1.1 ');
  const [head = '', body = ''] = text.slice(start).split('\r\n\r\n');
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers = Object.fromEntries(
    lines.map((l) => {
      const at = l.indexOf(':');
      return [l.slice(0, at).toLowerCase(), l.slice(at + 1).trim()];
    }),
  );
  return {
    status: Number(statusLine.split(' ')[1]),
    headers,
    body: body.startsWith('{') ? JSON.parse(body) : body,
  };
}

describe('ingest shutdown (real process)', () => {
  // Generous: spawnIngest may compile ingest first.
  jest.setTimeout(180_000);

  it('drains on SIGTERM: in-flight requests finish, new ones 503, connections close, exit 0', async () => {
    const ingest = await spawnIngest(backends.redis.url, backends.s3.connection, {
      SHUTDOWN_TIMEOUT_MS: '20000',
    });
    const port = Number(new URL(ingest.baseUrl).port);
    try {
      const created = await fetch(`${ingest.baseUrl}/v1/runs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${WRITE_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ id: RUN }),
      });
      expect(created.status).toBe(201);

      // An idle keep-alive connection: one request answered, nothing more.
      const idle = await open(port);
      idle.socket.write(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
      await waitFor('the idle connection answered', () =>
        idle.received().includes('"ok":true') ? true : undefined,
      );

      // A request whose headers are not complete yet: it has not arrived.
      const late = await open(port);
      late.socket.write(
        `GET /v1/runs HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${READ_TOKEN}\r\n`,
      );

      // A write under way: headers sent (100 Continue: the server has taken it), half its body.
      const body = JSON.stringify({
        producer: 'drain',
        batch: 1,
        variables: { x: { t: [1, 2, 3], v: [10, 20, 30] } },
      });
      const half = Math.floor(body.length / 2);
      const inFlight = await open(port);
      inFlight.socket.write(
        [
          `POST /v1/runs/${RUN}/samples HTTP/1.1`,
          'Host: 127.0.0.1',
          `Authorization: Bearer ${WRITE_TOKEN}`,
          'Content-Type: application/json',
          `Content-Length: ${Buffer.byteLength(body)}`,
          'Expect: 100-continue',
          '',
          '',
        ].join('\r\n'),
      );
      await waitFor('100 Continue', () =>
        inFlight.received().includes('100 Continue') ? true : undefined,
      );
      inFlight.socket.write(body.slice(0, half));

      ingest.child.kill('SIGTERM');
      await waitFor('ingest to begin its shutdown', () =>
        ingest.logLines().some((l) => l.msg === 'shutting down') ? true : undefined,
      );

      // The idle connection is closed by the server, with nothing more said on it.
      expect(await idle.closed).not.toContain('HTTP/1.1 503');

      // The late request: 503 + Retry-After, and its connection closed.
      late.socket.write('\r\n');
      const lateAnswer = lastResponse(await late.closed);
      expect(lateAnswer).toMatchObject({
        status: 503,
        headers: { connection: 'close', 'retry-after': '1' },
        body: { error: { code: 'unavailable' } },
      });

      // The write under way finishes: written and acknowledged, then its connection closed.
      inFlight.socket.write(body.slice(half));
      const written = lastResponse(await inFlight.closed);
      expect(written).toMatchObject({
        status: 200,
        headers: { connection: 'close' },
        body: { run: RUN, duplicate: false, ranges: [{ variable: 'x', first: 1, last: 3 }] },
      });

      expect(await ingest.exited).toEqual({ code: 0, signal: null });
      const logged = ingest.logLines().map((l) => l.msg);
      expect(logged).toContain('stopped');
      expect(logged).not.toContain('graceful shutdown timed out; exiting');
    } finally {
      await ingest.kill();
    }

    const hot = HotStore.connect(backends.redis.url);
    try {
      expect(await hot.reader.count(RUN, 'x')).toBe(3);
    } finally {
      await hot.close();
    }
  });
});
