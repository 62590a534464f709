import { BINARY_BODY_CONTENT_TYPE } from '@runstream/domain';
import { HttpDrain } from '@runstream/process-lifecycle';
import { memoryLogger } from '@runstream/testkit';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { Authorizer } from '../auth';
import { answerErrors } from '../http-errors';
import { samplesDirect } from './samples-direct';
import type { TakeSamples } from './samples';

// Which requests the direct path takes, and what it hands `take`: everything
// it does not take must reach the app (here a stand-in answering 299).

const TOKEN = 'write-token-0123456789';
const taken: { payload: string | Uint8Array; run: unknown }[] = [];
let server: Server;
let base: string;
let drain: HttpDrain;

beforeAll(async () => {
  const take: TakeSamples = (payload, run) => {
    taken.push({ payload, run });
    return Promise.resolve({ run: String(run), duplicate: false, ranges: [] });
  };
  const { logger } = memoryLogger('silent');
  server = createServer((req, res) => {
    if (direct(req, res)) return;
    req.resume();
    res.writeHead(299).end();
  });
  drain = new HttpDrain(server);
  const direct = samplesDirect({
    take,
    authorizer: new Authorizer({ writeTokens: [TOKEN], readTokens: [], insecureNoAuth: false }),
    drain,
    observe: () => undefined,
    answerError: answerErrors(logger, 1024, () => undefined),
    maxBodyBytes: 1024,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  taken.length = 0;
});

const post = (
  path: string,
  headers: Record<string, string> = {},
  body: string | Uint8Array<ArrayBuffer> = '{"variables":{}}',
): Promise<Response> =>
  fetch(`${base}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...headers },
    body,
  });

it.each([
  ['/v1/runs/r1/samples', 'r1'],
  ['/v1/runs/r1/samples/', 'r1'],
  ['/V1/RUNS/r1/SAMPLES', 'r1'],
  ['/v1/runs/r1/samples?x=1', 'r1'],
  ['/v1/runs/a%2Fb/samples', 'a/b'],
])('takes POST %s for run %s, as Express matches it', async (path, run) => {
  const res = await post(path);
  expect(res.status).toBe(200);
  expect(taken).toEqual([{ payload: '{"variables":{}}', run }]);
});

it.each<[string, string, Record<string, string>]>([
  ['another path', '/v1/runs/r1/samplesx', {}],
  ['a run id that does not decode', '/v1/runs/%E0%A4%A/samples', {}],
  ['a compressed body', '/v1/runs/r1/samples', { 'content-encoding': 'gzip' }],
  [
    'another charset',
    '/v1/runs/r1/samples',
    { 'content-type': 'application/json; charset=latin1' },
  ],
  ['another type', '/v1/runs/r1/samples', { 'content-type': 'text/plain' }],
])('leaves %s to the app', async (_what, path, headers) => {
  const body = headers['content-encoding'] === 'gzip' ? gzipSync('{}') : '{}';
  expect((await post(path, headers, body)).status).toBe(299);
  expect(taken).toEqual([]);
});

it('leaves other methods to the app, and hands an empty body over as it is', async () => {
  expect((await fetch(`${base}/v1/runs/r1/samples`)).status).toBe(299);
  expect(taken).toEqual([]);
  expect((await post('/v1/runs/r1/samples', {}, '')).status).toBe(200);
  expect(taken).toEqual([{ payload: '', run: 'r1' }]);
});

it('hands JSON over as text (UTF-8, a byte-order mark dropped) and a binary body as its bytes', async () => {
  await post(
    '/v1/runs/r/samples',
    { 'content-type': 'Application/JSON; Charset=UTF-8' },
    '\ufeff{}',
  );
  await post('/v1/runs/r/samples', {}, '{"x":"é\u00e9 ✓"}');
  const bytes = new Uint8Array([82, 83, 67, 66, 0, 255]);
  await post('/v1/runs/r/samples', { 'content-type': BINARY_BODY_CONTENT_TYPE }, bytes);
  expect(taken.map((t) => t.payload)).toEqual(['{}', '{"x":"é\u00e9 ✓"}', Buffer.from(bytes)]);
});

it('checks the token before reading the body, and the size limit', async () => {
  const noToken = await fetch(`${base}/v1/runs/r/samples`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  expect(noToken.status).toBe(401);
  expect(noToken.headers.get('www-authenticate')).toBe('Bearer');
  const huge = await post('/v1/runs/r/samples', {}, 'x'.repeat(2048));
  expect([huge.status, ((await huge.json()) as { error: { code: string } }).error.code]).toEqual([
    413,
    'payload_too_large',
  ]);
  expect(taken).toEqual([]);
});

it('answers 503 with Retry-After once the server drains', async () => {
  drain.start();
  // A connection of its own: draining closes the idle ones fetch would reuse.
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    const body = '{"variables":{}}';
    request(
      `${base}/v1/runs/r/samples`,
      {
        method: 'POST',
        agent: false,
        headers: {
          authorization: `Bearer ${TOKEN}`,
          'content-type': 'application/json',
          'content-length': body.length,
        },
      },
      resolve,
    )
      .on('error', reject)
      .end(body);
  });
  res.resume();
  expect(res.statusCode).toBe(503);
  expect(res.headers['retry-after']).toBe('1');
  expect(res.headers.connection).toBe('close');
  expect(taken).toEqual([]);
});
