import { ColdStore } from '@runstream/cold-store';
import type {
  ClientToServerEvents,
  ServerToClientEvents,
  SubscribeAck,
  SubscribeRequest,
} from '@runstream/domain';
import {
  startS3RecordingProxy,
  startS3Server,
  waitFor,
  type RunningS3Server,
  type S3RecordingProxy,
} from '@runstream/testkit';
import { RunCatalog } from '@runstream/tiering';
import { connect as tcpConnect, type Socket as TcpSocket } from 'node:net';
import { io as ioConnect, type Socket } from 'socket.io-client';
import { KEEP_ALIVE_TIMEOUT_MS } from './http-server-limits';
import { metricValue } from './testing/metric-value';
import { READ_TOKEN, WRITE_TOKEN, startIngest, type IngestHarness } from './testing/ingest-harness';
import { redisFingerprint } from './testing/redis-fingerprint';

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

const LIMITS = {
  maxBatchVariables: 4,
  maxBatchSamples: 20,
  maxSubscriptionsPerSocket: 3,
  headersTimeoutMs: 400,
  requestTimeoutMs: 800,
};

let h: IngestHarness;
let s3: RunningS3Server;
let proxy: S3RecordingProxy;
let cold: ColdStore;
const clients: Client[] = [];
const sockets: TcpSocket[] = [];

beforeAll(async () => {
  s3 = await startS3Server();
  proxy = await startS3RecordingProxy(s3);
  // The catalog reads S3 through the proxy, which counts every download.
  cold = new ColdStore({ ...s3.connection, endpoint: proxy.endpoint });
  h = await startIngest({
    limits: LIMITS,
    catalog: (hot) => new RunCatalog(hot, cold, { missingRunTtlMs: 60_000 }),
  });
  await h.request('/v1/runs', { json: { id: 'open' } });
  await h.request('/v1/runs/open/samples', { json: { variables: { x: { t: [1], v: [1] } } } });
});
afterAll(async () => {
  for (const c of clients) c.close();
  for (const s of sockets) s.destroy();
  await h.stop();
  cold.close();
  await proxy.close();
  await s3.dispose();
});

const fingerprint = (): Promise<string> => redisFingerprint(h.hotStore.redis);

async function metrics(): Promise<string> {
  return (await h.request('/metrics')).text();
}

function client(): Client {
  const c: Client = ioConnect(h.baseUrl, {
    auth: { token: READ_TOKEN },
    transports: ['websocket'],
    reconnection: false,
  });
  clients.push(c);
  return c;
}

const subscribe = (c: Client, req: SubscribeRequest): Promise<SubscribeAck> =>
  new Promise((resolve) => c.emit('subscribe', req, resolve));

const names = (n: number): string[] => Array.from({ length: n }, (_, i) => `v${i}`);

describe('batch limits', () => {
  const cases: { name: string; body: unknown; what: string }[] = [
    {
      name: 'more variables than INGEST_MAX_BATCH_VARIABLES (columnar)',
      body: {
        variables: Object.fromEntries(names(5).map((n) => [n, { t: [1], v: [1] }])),
      },
      what: 'batch_variables',
    },
    {
      name: 'more variables than INGEST_MAX_BATCH_VARIABLES (rows)',
      body: { samples: names(5).map((variable) => ({ variable, t: 1, v: 1 })) },
      what: 'batch_variables',
    },
    {
      name: 'more samples than INGEST_MAX_BATCH_SAMPLES (one variable)',
      body: { variables: { x: { t: names(21).map((_, i) => i), v: names(21).map(() => 0) } } },
      what: 'batch_samples',
    },
    {
      name: 'more samples than INGEST_MAX_BATCH_SAMPLES (identified, spread over variables)',
      body: {
        producer: 'p',
        batch: 1,
        variables: Object.fromEntries(
          names(3).map((n) => [n, { t: names(7).map((_, i) => i), v: names(7).map(() => 0) }]),
        ),
      },
      what: 'batch_samples',
    },
  ];

  it.each(cases)('$name: 413 batch_too_large, nothing written', async ({ body, what }) => {
    const before = await fingerprint();
    const refusedBefore = metricValue(await metrics(), 'runstream_ingest_limit_refusals_total', {
      limit: what,
    });
    const res = await h.request('/v1/runs/open/samples', { json: body });
    expect(res.status).toBe(413);
    const json = (await res.json()) as { error: { code: string; message: string } };
    expect(json.error.code).toBe('batch_too_large');
    expect(json.error.message).toMatch(/INGEST_MAX_BATCH_(VARIABLES|SAMPLES)/);
    expect(await fingerprint()).toBe(before);
    expect(
      metricValue(await metrics(), 'runstream_ingest_limit_refusals_total', { limit: what }),
    ).toBe(refusedBefore + 1);
  });

  it('a batch at both limits is written', async () => {
    const res = await h.request('/v1/runs/open/samples', {
      json: {
        variables: Object.fromEntries(
          names(4).map((n) => [n, { t: names(5).map((_, i) => i), v: names(5).map(() => 0) }]),
        ),
      },
    });
    expect(res.status).toBe(200);
  });
});

describe('subscriptions per socket', () => {
  it('refuses the subscription past INGEST_MAX_SUBSCRIPTIONS_PER_SOCKET, and a repeat or a freed slot is fine', async () => {
    const c = client();
    for (const variable of ['a', 'b', 'c'])
      expect(await subscribe(c, { run: 'open', variable })).toEqual({ ok: true, lastSeq: 0 });
    const refused = await subscribe(c, { run: 'open', variable: 'd' });
    expect(refused).toEqual({
      ok: false,
      error: {
        code: 'too_many_subscriptions',
        message: expect.stringMatching(/INGEST_MAX_SUBSCRIPTIONS_PER_SOCKET/) as unknown,
      },
    });
    // Asking again for a room it holds takes no new slot.
    expect(await subscribe(c, { run: 'open', variable: 'a' })).toMatchObject({ ok: true });
    // Another socket has slots of its own.
    expect(await subscribe(client(), { run: 'open', variable: 'd' })).toMatchObject({ ok: true });
    await new Promise((resolve) => c.emit('unsubscribe', { run: 'open', variable: 'b' }, resolve));
    expect(await subscribe(c, { run: 'open', variable: 'd' })).toMatchObject({ ok: true });
    const text = await metrics();
    expect(metricValue(text, 'runstream_ingest_live_subscriptions')).toBe(4);
    expect(
      metricValue(text, 'runstream_ingest_limit_refusals_total', { limit: 'subscriptions' }),
    ).toBe(1);
  });
});

describe('missing runs', () => {
  const downloadsOf = (run: string): number =>
    proxy.downloads.filter((d) => d.key.includes(run)).length;

  it('a run found nowhere costs one S3 read, however often it is asked for, until it is created', async () => {
    const c = client();
    for (let i = 0; i < 5; i++) {
      expect(await subscribe(c, { run: 'ghost', variable: 'x' })).toMatchObject({
        ok: false,
        error: { code: 'run_not_found' },
      });
      expect((await h.request('/v1/runs/ghost', { token: READ_TOKEN })).status).toBe(404);
    }
    expect(downloadsOf('ghost')).toBe(1);

    expect((await h.request('/v1/runs', { json: { id: 'ghost' } })).status).toBe(201);
    expect(await subscribe(c, { run: 'ghost', variable: 'x' })).toEqual({ ok: true, lastSeq: 0 });
    expect((await h.request('/v1/runs/ghost', { token: READ_TOKEN })).status).toBe(200);
  });
});

/** A raw connection: what it received when the server closed it. */
function rawRequest(head: string, body: string): { socket: TcpSocket; closed: Promise<string> } {
  const url = new URL(h.baseUrl);
  const socket = tcpConnect(Number(url.port), url.hostname);
  sockets.push(socket);
  let received = '';
  socket.setEncoding('utf8');
  socket.on('data', (d: string) => (received += d));
  socket.on('error', () => undefined);
  const closed = new Promise<string>((resolve) => socket.on('close', () => resolve(received)));
  socket.write(head + body);
  return { socket, closed };
}

describe('header and body timeouts', () => {
  const answerOf = (raw: string): { status: number; json: unknown } => {
    const [head = '', body = ''] = raw.split('\r\n\r\n');
    return { status: Number(head.split(' ')[1]), json: JSON.parse(body) as unknown };
  };

  it('a body that trickles in is answered 408 (JSON) once INGEST_REQUEST_TIMEOUT_MS has passed, nothing written; sockets are not cut', async () => {
    // A websocket opened before: an upgraded connection is not a request that times out.
    const live = client();
    expect(await subscribe(live, { run: 'open', variable: 'x' })).toMatchObject({ ok: true });
    const before = await fingerprint();
    const body = JSON.stringify({ variables: { x: { t: [2], v: [2] } } });
    const started = Date.now();
    const { socket, closed } = rawRequest(
      'POST /v1/runs/open/samples HTTP/1.1\r\nHost: x\r\n' +
        `Authorization: Bearer ${WRITE_TOKEN}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${body.length}\r\n\r\n`,
      body.slice(0, 10),
    );
    // Another byte now and then: a connection that is not idle, only slow.
    const trickle = setInterval(() => socket.write(' '), 100);
    const raw = await closed.finally(() => clearInterval(trickle));
    expect(answerOf(raw)).toEqual({
      status: 408,
      json: { error: { code: 'request_timeout', message: expect.any(String) as unknown } },
    });
    // Bounded by the setting (and Node's check interval), far from Node's 300 s default.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await fingerprint()).toBe(before);
    expect(live.connected).toBe(true);
    expect(await subscribe(live, { run: 'open', variable: 'y' })).toMatchObject({ ok: true });
  });

  it('headers that never end are answered 408 once INGEST_HEADERS_TIMEOUT_MS has passed', async () => {
    const { closed } = rawRequest('GET /v1/runs HTTP/1.1\r\nHost: x\r\nX-Slow: ', '');
    expect(answerOf(await closed).status).toBe(408);
  });
});

describe('keep-alive', () => {
  it('keeps an idle connection longer than clients reuse one (no ECONNRESET on a connection being closed)', async () => {
    const res = await h.request('/healthz');
    expect(res.headers.get('keep-alive')).toBe(`timeout=${KEEP_ALIVE_TIMEOUT_MS / 1000}`);
    expect(KEEP_ALIVE_TIMEOUT_MS).toBeGreaterThan(60_000);
  });
});

describe('connections', () => {
  let small: IngestHarness;
  beforeAll(async () => {
    small = await startIngest({ limits: { maxConnections: 2 } });
  });
  afterAll(async () => {
    await small.stop();
  });

  const open = (): TcpSocket => {
    const url = new URL(small.baseUrl);
    const socket = tcpConnect(Number(url.port), url.hostname);
    socket.on('error', () => undefined);
    sockets.push(socket);
    return socket;
  };
  const connections = (): Promise<number> =>
    new Promise((resolve, reject) =>
      small.ingest.server.getConnections((err, n) => (err ? reject(err) : resolve(n))),
    );

  it('past INGEST_MAX_CONNECTIONS a new connection is closed unanswered and counted; nothing written', async () => {
    const before = await small.hotStore.redis.dbsize();
    const held = [open(), open()];
    await waitFor('two open connections', async () => (await connections()) === 2 || undefined);
    const extra = open();
    let received = '';
    extra.on('data', (d: Buffer) => (received += d.toString()));
    const closed = new Promise<void>((resolve) => extra.on('close', () => resolve()));
    extra.write(
      'POST /v1/runs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
        `Authorization: Bearer ${WRITE_TOKEN}\r\nContent-Length: 12\r\n\r\n{"id":"cut"}`,
    );
    await closed;
    expect(received).toBe('');
    for (const s of held) s.destroy();
    await waitFor(
      'the held connections gone',
      async () => (await connections()) === 0 || undefined,
    );
    const text = await (await small.request('/metrics')).text();
    expect(
      metricValue(text, 'runstream_ingest_limit_refusals_total', { limit: 'connections' }),
    ).toBe(1);
    expect(metricValue(text, 'runstream_ingest_open_connections')).toBeGreaterThanOrEqual(1);
    expect(await small.hotStore.redis.dbsize()).toBe(before);
  });
});
