import { encodeValue, type HistoryPage, type SampleValue } from '@runstream/domain';
import { RunstreamHttpError, RunstreamNetworkError } from './errors';
import { RunstreamClient } from './runstream-client';
import { FakeIngest } from './testing/fake-ingest';
import {
  sendError,
  sendJson,
  startScriptedServer,
  type ScriptedServer,
} from './testing/scripted-http-server';

describe('RunstreamClient', () => {
  let server: ScriptedServer;
  let ingest: FakeIngest;
  let client: RunstreamClient;

  beforeEach(async () => {
    ingest = new FakeIngest('tok');
    server = await startScriptedServer(ingest.handle);
    client = new RunstreamClient({ url: server.url, token: 'tok', env: {} });
  });
  afterEach(() => server.close());

  it('creates a run (201) and finds the existing one (200), with the bearer token', async () => {
    const first = await client.createRun({ id: 'r1', meta: { model: 'pump', n: 3 } });
    expect(first.created).toBe(true);
    expect(first.run.id).toBe('r1');
    const again = await client.createRun({ id: 'r1' });
    expect(again.created).toBe(false);
    expect(server.requests[0]?.headers.authorization).toBe('Bearer tok');
    expect(server.requests[0]?.json).toEqual({ id: 'r1', meta: { model: 'pump', n: 3 } });
    expect(server.requests[0]?.headers['content-type']).toBe('application/json');
  });

  it('gets and lists runs with the query it was given', async () => {
    server.respond((req, res) => {
      if (req.path === '/v1/runs/r9')
        return sendJson(res, 200, { run: { id: 'r9', status: 'running' } });
      sendJson(res, 200, { runs: [{ id: 'a' }, { id: 'b' }] });
    });
    expect((await client.getRun('r9')).id).toBe('r9');
    const runs = await client.listRuns({ status: 'completed', limit: 5 });
    expect(runs.map((r) => r.id)).toEqual(['a', 'b']);
    expect(server.requests[1]?.query.get('status')).toBe('completed');
    expect(server.requests[1]?.query.get('limit')).toBe('5');
  });

  it('lists variables', async () => {
    server.respond((_req, res) =>
      sendJson(res, 200, { run: 'r', variables: [{ name: 'x', count: 4, min: 1, max: 2 }] }),
    );
    expect(await client.listVariables('r')).toEqual([{ name: 'x', count: 4, min: 1, max: 2 }]);
    expect(server.requests[0]?.path).toBe('/v1/runs/r/variables');
  });

  it('iterates all history pages with values decoded, the name URL-encoded', async () => {
    const values: SampleValue[] = [
      1,
      NaN,
      -Infinity,
      -0,
      [1, NaN],
      'NaN',
      true,
      null,
      1e308,
      Infinity,
    ];
    const variable = 'a/b c%ü';
    server.respond((req, res) => {
      const from = Number(req.query.get('fromSeq'));
      const limit = Number(req.query.get('limit'));
      const end = Math.min(values.length, from - 1 + limit);
      const page: HistoryPage = {
        run: 'r',
        variable,
        first: from,
        t: values.slice(from - 1, end).map((_, i) => (from + i) / 10),
        v: values.slice(from - 1, end).map(encodeValue),
        nextSeq: end + 1,
        more: end < values.length,
      };
      sendJson(res, 200, page);
    });
    const seen: SampleValue[] = [];
    const firsts: number[] = [];
    for await (const chunk of client.history('r', variable, { pageSize: 4 })) {
      firsts.push(chunk.first);
      seen.push(...chunk.v);
      expect(chunk.t[0]).toBe(chunk.first / 10);
    }
    expect(firsts).toEqual([1, 5, 9]);
    expect(seen).toEqual(values); // toEqual tells NaN, -0 and 0 apart (Object.is)
    expect(server.requests.map((r) => r.query.get('fromSeq'))).toEqual(['1', '5', '9']);
    expect(server.requests[0]?.path).toBe('/v1/runs/r/samples');
    expect(server.requests[0]?.query.get('variable')).toBe(variable);
  });

  it('reads one history page as it is on the wire', async () => {
    server.respond((_req, res) =>
      sendJson(res, 200, {
        run: 'r',
        variable: 'x',
        first: 3,
        t: [1],
        v: [{ $num: 'NaN' }],
        nextSeq: 4,
        more: false,
      }),
    );
    const page = await client.readHistory('r', 'x', { fromSeq: 3, limit: 1 });
    expect(page.v).toEqual([{ $num: 'NaN' }]);
  });

  it('refuses a run id that would leave its path, and bad variable names', async () => {
    await expect(client.getRun('../admin')).rejects.toThrow(TypeError);
    await expect(client.readHistory('r', 'a\u0000b')).rejects.toThrow(TypeError);
    expect(server.requests).toHaveLength(0);
  });

  it('turns the error body into a RunstreamHttpError with Retry-After', async () => {
    server.respond((_req, res) =>
      sendJson(
        res,
        503,
        {
          error: {
            code: 'unavailable',
            message: 'hot store full',
            details: { retryAfterSeconds: 2 },
          },
        },
        { 'retry-after': '2' },
      ),
    );
    const err = await client.getRun('r1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RunstreamHttpError);
    const e = err as RunstreamHttpError;
    expect(e.name).toBe('RunstreamHttpError');
    expect(e.status).toBe(503);
    expect(e.code).toBe('unavailable');
    expect(e.details).toEqual({ retryAfterSeconds: 2 });
    expect(e.retryAfterMs).toBe(2000);
    expect(e.message).toContain('GET /v1/runs/r1');
    expect(e.message).toContain('503');
    expect(e.message).toContain('hot store full');
  });

  it('keeps what a non-JSON error said', async () => {
    server.respond((_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<h1>bad gateway</h1>');
    });
    const e = (await client.listRuns().catch((x: unknown) => x)) as RunstreamHttpError;
    expect(e.status).toBe(502);
    expect(e.code).toBe('http_502');
    expect(e.message).toContain('bad gateway');
    expect(e.retryAfterMs).toBeUndefined();
  });

  it('a 401 names the status and code', async () => {
    const bad = new RunstreamClient({ url: server.url, token: 'wrong', env: {} });
    const e = (await bad.createRun().catch((x: unknown) => x)) as RunstreamHttpError;
    expect(e.status).toBe(401);
    expect(e.code).toBe('unauthorized');
  });

  it('a refused connection is a RunstreamNetworkError', async () => {
    const url = server.url;
    await server.close();
    const gone = new RunstreamClient({ url, token: 'tok', env: {} });
    const e = await gone.getRun('r').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RunstreamNetworkError);
    expect((e as RunstreamNetworkError).timedOut).toBe(false);
    expect((e as Error).message).toContain('GET /v1/runs/r');
    server = await startScriptedServer(ingest.handle); // for afterEach
  });

  it('a server that does not answer times out as a RunstreamNetworkError', async () => {
    server.respond(() => undefined);
    const slow = new RunstreamClient({
      url: server.url,
      token: 'tok',
      env: {},
      requestTimeoutMs: 100,
    });
    const started = Date.now();
    const e = await slow.getRun('r').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RunstreamNetworkError);
    expect((e as RunstreamNetworkError).timedOut).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
  });

  it('completeRun surfaces the missing route as 404 not_found', async () => {
    ingest.addRun('r');
    const e = (await client.completeRun('r').catch((x: unknown) => x)) as RunstreamHttpError;
    expect(e.status).toBe(404);
    expect(e.code).toBe('not_found');
    server.respond((_req, res) => sendError(res, 404, 'run_not_found', "run 'q' does not exist"));
    const e2 = (await client.completeRun('q').catch((x: unknown) => x)) as RunstreamHttpError;
    expect(e2.code).toBe('run_not_found');
    expect(e2.message).toContain("run 'q'");
  });
});
