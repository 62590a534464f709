import { gzipSync } from 'node:zlib';
import { READ_TOKEN, WRITE_TOKEN, startIngest, type IngestHarness } from './testing/ingest-harness';
import { redisFingerprint } from './testing/redis-fingerprint';

let h: IngestHarness;
const LIMIT = 64 * 1024;

beforeAll(async () => {
  h = await startIngest({ maxBodyBytes: LIMIT });
  await h.request('/v1/runs', { json: { id: 'open' } });
  await h.request('/v1/runs/open/samples', { json: { variables: { x: { t: [1], v: [1] } } } });
  // A variable whose t goes back: it cannot be read by t.
  await h.request('/v1/runs/open/samples', {
    json: { variables: { back: { t: [2, 1], v: [1, 2] } } },
  });
  await h.request('/v1/runs', { json: { id: 'done' } });
  await h.hotStore.redis.hset(h.hotStore.keys.run('done'), 'status', 'completed');
});
afterAll(async () => {
  await h.stop();
});

const fingerprint = (): Promise<string> => redisFingerprint(h.hotStore.redis);

interface Case {
  name: string;
  path?: string;
  method?: string;
  token?: string | null;
  contentType?: string;
  body?: string | object;
  status: number;
  code: string;
  /** A part of the message that tells the client what to fix. */
  says?: RegExp;
}

const ok = { variables: { x: { t: [1], v: [1] } } };
const samples = (body: unknown): Partial<Case> => ({ body: body as object });

const cases: Case[] = [
  { name: 'malformed JSON', body: '{"variables":', status: 400, code: 'malformed_json' },
  {
    name: 'bare NaN token',
    body: '{"variables":{"x":{"t":[1],"v":[NaN]}}}',
    status: 400,
    code: 'malformed_json',
    says: /\$num/,
  },
  {
    name: 'bare Infinity token',
    body: '{"variables":{"x":{"t":[1],"v":[Infinity]}}}',
    status: 400,
    code: 'malformed_json',
  },
  { name: 'body is a JSON string', body: '"hello"', status: 400, code: 'malformed_json' },
  { name: 'body is an array', body: '[]', status: 400, code: 'invalid_request', says: /object/ },
  { name: 'empty object', body: '{}', status: 400, code: 'invalid_request', says: /variables/ },
  {
    name: 'empty variables',
    ...samples({ variables: {} }),
    status: 400,
    code: 'invalid_request',
    says: /empty/,
  },
  {
    name: 'variables is an array',
    ...samples({ variables: [] }),
    status: 400,
    code: 'invalid_request',
    says: /variables/,
  },
  {
    name: 't is not an array',
    ...samples({ variables: { x: { t: 1, v: [1] } } }),
    status: 400,
    code: 'invalid_request',
    says: /variables\.x\.t/,
  },
  {
    name: 'v missing',
    ...samples({ variables: { x: { t: [1] } } }),
    status: 400,
    code: 'invalid_request',
    says: /variables\.x\.v/,
  },
  {
    name: 't and v lengths differ',
    ...samples({ variables: { x: { t: [1, 2], v: [1] } } }),
    status: 400,
    code: 'invalid_request',
    says: /same length/,
  },
  {
    name: 't holds a string',
    ...samples({ variables: { x: { t: ['1'], v: [1] } } }),
    status: 400,
    code: 'invalid_request',
    says: /variables\.x\.t\[0\]/,
  },
  {
    name: 't holds null',
    ...samples({ variables: { x: { t: [null], v: [1] } } }),
    status: 400,
    code: 'invalid_request',
    says: /t\[0\]/,
  },
  {
    name: 'no samples for a variable',
    ...samples({ variables: { x: { t: [], v: [] } } }),
    status: 400,
    code: 'invalid_request',
    says: /at least one/,
  },
  {
    name: 'object value',
    ...samples({ variables: { x: { t: [1], v: [{ a: 1 }] } } }),
    status: 400,
    code: 'invalid_request',
    says: /v\[0\]/,
  },
  {
    name: 'misspelt special number',
    ...samples({ variables: { x: { t: [1], v: [{ $num: 'nan' }] } } }),
    status: 400,
    code: 'invalid_request',
  },
  {
    name: 'nested array value',
    ...samples({ variables: { x: { t: [1], v: [[[1]]] } } }),
    status: 400,
    code: 'invalid_request',
  },
  {
    name: 'string array value',
    ...samples({ variables: { x: { t: [1], v: [['a']] } } }),
    status: 400,
    code: 'invalid_request',
  },
  {
    name: 'unknown top-level field',
    ...samples({ ...ok, extra: 1 }),
    status: 400,
    code: 'invalid_request',
    says: /extra/,
  },
  {
    name: 'unknown series field',
    ...samples({ variables: { x: { t: [1], v: [1], w: [] } } }),
    status: 400,
    code: 'invalid_request',
  },
  {
    name: 'both forms at once',
    ...samples({ ...ok, samples: [{ variable: 'x', t: 1, v: 1 }] }),
    status: 400,
    code: 'invalid_request',
    says: /either/,
  },
  {
    name: 'empty rows',
    ...samples({ samples: [] }),
    status: 400,
    code: 'invalid_request',
    says: /empty/,
  },
  {
    name: 'row without t',
    ...samples({ samples: [{ variable: 'x', v: 1 }] }),
    status: 400,
    code: 'invalid_request',
    says: /samples\[0\]\.t/,
  },
  {
    name: 'control character in a name',
    ...samples({ variables: { 'a\u0001b': { t: [1], v: [1] } } }),
    status: 400,
    code: 'invalid_request',
    says: /control/,
  },
  {
    name: 'name over 256 bytes',
    ...samples({ variables: { ['é'.repeat(129)]: { t: [1], v: [1] } } }),
    status: 400,
    code: 'invalid_request',
    says: /256 bytes/,
  },
  {
    name: 'empty name',
    ...samples({ variables: { '': { t: [1], v: [1] } } }),
    status: 400,
    code: 'invalid_request',
    says: /empty/,
  },
  {
    name: 'producer without batch',
    ...samples({ ...ok, producer: 'p' }),
    status: 400,
    code: 'invalid_request',
    says: /together/,
  },
  {
    name: 'negative batch',
    ...samples({ ...ok, producer: 'p', batch: -1 }),
    status: 400,
    code: 'invalid_request',
    says: /batch/,
  },
  {
    name: 'fractional batch',
    ...samples({ ...ok, producer: 'p', batch: 1.5 }),
    status: 400,
    code: 'invalid_request',
    says: /batch/,
  },
  {
    name: 'batch as a string',
    ...samples({ ...ok, producer: 'p', batch: '7' }),
    status: 400,
    code: 'invalid_request',
    says: /batch/,
  },
  {
    name: 'producer with a space',
    ...samples({ ...ok, producer: 'p 1', batch: 1 }),
    status: 400,
    code: 'invalid_request',
    says: /producer/,
  },
  {
    name: 'huge body',
    body: JSON.stringify({
      variables: { x: { t: Array(LIMIT).fill(1), v: Array(LIMIT).fill(1) } },
    }),
    status: 413,
    code: 'payload_too_large',
  },
  {
    name: 'text/plain body',
    contentType: 'text/plain',
    body: JSON.stringify(ok),
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'no content type',
    contentType: '',
    body: JSON.stringify(ok),
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'unknown run',
    path: '/v1/runs/nope/samples',
    ...samples(ok),
    status: 404,
    code: 'run_not_found',
  },
  {
    name: 'completed run',
    path: '/v1/runs/done/samples',
    ...samples(ok),
    status: 409,
    code: 'run_not_running',
    says: /completed/,
  },
  {
    name: 'bad run id',
    path: '/v1/runs/bad%20id/samples',
    ...samples(ok),
    status: 400,
    code: 'invalid_request',
    says: /run/,
  },
  { name: 'no token', token: null, ...samples(ok), status: 401, code: 'unauthorized' },
  {
    name: 'wrong token',
    token: 'not-a-valid-token-at-all',
    ...samples(ok),
    status: 401,
    code: 'unauthorized',
  },
  {
    name: 'read token writing',
    token: READ_TOKEN,
    ...samples(ok),
    status: 403,
    code: 'forbidden',
    says: /write/,
  },
  {
    name: 'token in the wrong scheme',
    token: null,
    ...samples(ok),
    status: 401,
    code: 'unauthorized',
  },
  {
    name: 'create run with bad id',
    path: '/v1/runs',
    ...samples({ id: '../etc' }),
    status: 400,
    code: 'invalid_request',
    says: /id/,
  },
  {
    name: 'create run with read token',
    path: '/v1/runs',
    token: READ_TOKEN,
    ...samples({ id: 'x' }),
    status: 403,
    code: 'forbidden',
  },
  {
    name: 'create run with unknown field',
    path: '/v1/runs',
    ...samples({ id: 'y', colour: 'red' }),
    status: 400,
    code: 'invalid_request',
  },
  {
    name: 'history fromSeq 0',
    method: 'GET',
    path: '/v1/runs/open/variables/x/samples?fromSeq=0',
    status: 400,
    code: 'invalid_request',
    says: /fromSeq/,
  },
  {
    name: 'history limit not a number',
    method: 'GET',
    path: '/v1/runs/open/variables/x/samples?limit=abc',
    status: 400,
    code: 'invalid_request',
    says: /limit/,
  },
  {
    name: 'history toSeq before fromSeq',
    method: 'GET',
    path: '/v1/runs/open/variables/x/samples?fromSeq=5&toSeq=3',
    status: 400,
    code: 'invalid_request',
    says: /toSeq/,
  },
  {
    name: 'history fromSeq and fromT both',
    method: 'GET',
    path: '/v1/runs/open/variables/x/samples?fromSeq=1&fromT=0',
    status: 400,
    code: 'invalid_request',
    says: /fromT/,
  },
  {
    name: 'history blank fromT',
    method: 'GET',
    path: '/v1/runs/open/variables/x/samples?fromT=',
    status: 400,
    code: 'invalid_request',
    says: /fromT/,
  },
  {
    name: 'history fromT not a number',
    method: 'GET',
    path: '/v1/runs/open/variables/x/samples?fromT=soon',
    status: 400,
    code: 'invalid_request',
    says: /fromT/,
  },
  {
    name: 'history by t of a variable whose t went back',
    method: 'GET',
    path: '/v1/runs/open/samples?variable=back&fromT=0',
    status: 400,
    code: 't_not_ordered',
    says: /seq/,
  },
  {
    name: 'series points 0',
    method: 'GET',
    path: '/v1/runs/open/series?variable=x&points=0',
    status: 400,
    code: 'invalid_request',
    says: /points/,
  },
  {
    name: 'series points too many',
    method: 'GET',
    path: '/v1/runs/open/series?variable=x&points=10001',
    status: 400,
    code: 'invalid_request',
    says: /points/,
  },
  {
    name: 'series points not a number',
    method: 'GET',
    path: '/v1/runs/open/variables/x/series?points=lots',
    status: 400,
    code: 'invalid_request',
    says: /points/,
  },
  {
    name: 'series toT before fromT',
    method: 'GET',
    path: '/v1/runs/open/series?variable=x&fromT=5&toT=1',
    status: 400,
    code: 'invalid_request',
    says: /toT/,
  },
  {
    name: 'series unknown parameter',
    method: 'GET',
    path: '/v1/runs/open/series?variable=x&zoom=2',
    status: 400,
    code: 'invalid_request',
    says: /zoom/,
  },
  {
    name: 'series by t of a variable whose t went back',
    method: 'GET',
    path: '/v1/runs/open/series?variable=back&toT=1',
    status: 400,
    code: 't_not_ordered',
    says: /seq/,
  },
  {
    name: 'series of unknown variable',
    method: 'GET',
    path: '/v1/runs/open/series?variable=nope',
    status: 404,
    code: 'variable_not_found',
  },
  {
    name: 'series of unknown run',
    method: 'GET',
    path: '/v1/runs/gone/series?variable=x',
    status: 404,
    code: 'run_not_found',
  },
  {
    name: 'series without a variable',
    method: 'GET',
    path: '/v1/runs/open/series',
    status: 400,
    code: 'invalid_request',
    says: /variable/,
  },
  {
    name: 'export unknown parameter',
    method: 'GET',
    path: '/v1/runs/open/samples.csv?variable=x&format=xls',
    status: 400,
    code: 'invalid_request',
    says: /format/,
  },
  {
    name: 'export of unknown variable',
    method: 'GET',
    path: '/v1/runs/open/variables/nope/samples.csv',
    status: 404,
    code: 'variable_not_found',
  },
  {
    name: 'history of unknown variable',
    method: 'GET',
    path: '/v1/runs/open/variables/nope/samples',
    status: 404,
    code: 'variable_not_found',
  },
  {
    name: 'history of unknown run',
    method: 'GET',
    path: '/v1/runs/nope/variables/x/samples',
    status: 404,
    code: 'run_not_found',
  },
  {
    name: 'history without token',
    method: 'GET',
    token: null,
    path: '/v1/runs/open/variables/x/samples',
    status: 401,
    code: 'unauthorized',
  },
  { name: 'unknown route', method: 'GET', path: '/v1/nothing', status: 404, code: 'not_found' },
  {
    name: 'complete with a read token',
    path: '/v1/runs/open/complete',
    token: READ_TOKEN,
    status: 403,
    code: 'forbidden',
  },
  {
    name: 'complete without token',
    path: '/v1/runs/open/complete',
    token: null,
    status: 401,
    code: 'unauthorized',
  },
  {
    name: 'complete an unknown run',
    path: '/v1/runs/nope/complete',
    status: 404,
    code: 'run_not_found',
    says: /nope/,
  },
  {
    name: 'complete a bad run id',
    path: '/v1/runs/bad%20id/complete',
    status: 400,
    code: 'invalid_request',
  },
  {
    name: 'complete with an unknown option',
    path: '/v1/runs/open/complete',
    ...samples({ force: true }),
    status: 400,
    code: 'invalid_request',
    says: /force/,
  },
  {
    name: 'complete with malformed JSON',
    path: '/v1/runs/open/complete',
    body: '{"force":',
    status: 400,
    code: 'malformed_json',
  },
];

describe('bad requests get a 4xx JSON error and change nothing', () => {
  it('has at least 30 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
  });

  it.each(cases)('$name → $status $code', async (c) => {
    const before = await fingerprint();
    const headers: Record<string, string> = {};
    if (c.token !== null) headers.authorization = `Bearer ${c.token ?? WRITE_TOKEN}`;
    if (c.name === 'token in the wrong scheme') headers.authorization = `Basic ${WRITE_TOKEN}`;
    const method = c.method ?? 'POST';
    if (method === 'POST' && c.contentType !== '')
      headers['content-type'] = c.contentType ?? 'application/json';
    const body =
      c.body === undefined
        ? undefined
        : typeof c.body === 'string'
          ? c.body
          : JSON.stringify(c.body);
    const res = await fetch(`${h.baseUrl}${c.path ?? '/v1/runs/open/samples'}`, {
      method,
      headers,
      ...(body !== undefined ? { body: c.contentType === '' ? new Blob([body]) : body } : {}),
    });
    const json = (await res.json()) as { error: { code: string; message: string } };
    expect({ status: res.status, code: json.error.code }).toEqual({
      status: c.status,
      code: c.code,
    });
    expect(typeof json.error.message).toBe('string');
    if (c.says) expect(json.error.message).toMatch(c.says);
    expect(await fingerprint()).toBe(before);
  });
});

// The common sample post is served before Express (routes/samples-direct); a
// compressed one still goes through the app's route. Both must refuse alike.
describe('a refused sample batch gets the same answer by either path', () => {
  const samplePosts = cases.filter(
    (c) =>
      (c.method ?? 'POST') === 'POST' &&
      (c.path ?? '/v1/runs/open/samples').includes('/samples') &&
      c.body !== undefined &&
      c.contentType !== '',
  );

  it('covers the sample-post cases', () => {
    expect(samplePosts.length).toBeGreaterThanOrEqual(20);
  });

  it.each(samplePosts)('$name', async (c) => {
    const headers: Record<string, string> = {
      'content-type': c.contentType ?? 'application/json',
    };
    if (c.token !== null) headers.authorization = `Bearer ${c.token ?? WRITE_TOKEN}`;
    if (c.name === 'token in the wrong scheme') headers.authorization = `Basic ${WRITE_TOKEN}`;
    const text = typeof c.body === 'string' ? c.body : JSON.stringify(c.body);
    const answer = async (res: Response) => ({
      status: res.status,
      body: (await res.json()) as unknown,
      retryAfter: res.headers.get('retry-after'),
      authenticate: res.headers.get('www-authenticate'),
    });
    const url = `${h.baseUrl}${c.path ?? '/v1/runs/open/samples'}`;
    const direct = await answer(await fetch(url, { method: 'POST', headers, body: text }));
    const viaExpress = await answer(
      await fetch(url, {
        method: 'POST',
        headers: { ...headers, 'content-encoding': 'gzip' },
        body: gzipSync(text),
      }),
    );
    expect(viaExpress).toEqual(direct);
    expect(direct.status).toBe(c.status);
  });
});
