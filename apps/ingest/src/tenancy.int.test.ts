import type {
  ClientToServerEvents,
  ErrorBody,
  Run,
  RunManifest,
  ServerToClientEvents,
  SubscribeAck,
  VariableChunk,
} from '@runstream/domain';
import { useFixture, waitFor } from '@runstream/testkit';
import { io as connect, type Socket } from 'socket.io-client';
import { Authorizer } from './auth';
import { WRITE_TOKEN, READ_TOKEN } from './testing/ingest-harness';
import { startTieredIngest } from './testing/tiered-ingest';
import { grantOf, type Access, type TokenGrant } from './token-table';

// Tenancy end to end: the real app on a real redis-server and s3rver, a real
// worker completing runs into S3. A token sees its own project's runs only;
// another project's run is answered exactly as a run that does not exist.

const ACME = 'acme-write-token-0123456789';
const ACME_READ = 'acme-read-token-0123456789';
const GLOBEX = 'globex-write-token-0123456789';
const GLOBEX_READ = 'globex-read-token-0123456789';

const grant = (token: string, project: string, access: Access): TokenGrant =>
  grantOf(token, { project, access });

const h = useFixture(() => {
  const authorizer = new Authorizer({
    writeTokens: [WRITE_TOKEN],
    readTokens: [READ_TOKEN],
    insecureNoAuth: false,
  });
  authorizer.useTokenFile([
    grant(ACME, 'acme', 'read-write'),
    grant(ACME_READ, 'acme', 'read'),
    grant(GLOBEX, 'globex', 'read-write'),
    grant(GLOBEX_READ, 'globex', 'read'),
  ]);
  return startTieredIngest({
    authorizer,
    tieredCatalog: true,
    worker: { WORKER_QUEUES: 'flush,merge', MERGE_QUIESCENCE_MS: '100' },
  });
});

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;
const clients: Client[] = [];
afterAll(() => clients.forEach((c) => c.close()));

function client(token: string): Client {
  const c: Client = connect(h.baseUrl, { auth: { token }, transports: ['websocket'] });
  clients.push(c);
  return c;
}

const samplesBody = (batch: number) => ({
  producer: 'p',
  batch,
  variables: { x: { t: [batch], v: [batch * 2] } },
});

async function createWithSamples(run: string, token: string, batches = 3): Promise<void> {
  const created = await h.request('/v1/runs', { token, json: { id: run } });
  expect(created.status).toBe(201);
  for (let b = 0; b < batches; b++) {
    const res = await h.request(`/v1/runs/${run}/samples`, { token, json: samplesBody(b) });
    expect(res.status).toBe(200);
  }
}

async function runAs(run: string, token: string): Promise<Run> {
  const res = await h.request(`/v1/runs/${run}`, { token });
  expect(res.status).toBe(200);
  return ((await res.json()) as { run: Run }).run;
}

/** Completes the run and waits until Redis has forgotten it: S3 alone serves it from then on. */
async function completeIntoS3(run: string, token: string): Promise<RunManifest> {
  expect((await h.request(`/v1/runs/${run}/complete`, { token, method: 'POST' })).status).toBe(202);
  return waitFor(
    `run ${run} to be merged and forgotten by Redis`,
    async () =>
      (await h.hotStore.runs.get(run)) === undefined ? await h.cold.getManifest(run) : undefined,
    30_000,
  );
}

interface Answer {
  status: number;
  code: string | undefined;
  message: string | undefined;
}

async function answerOf(res: Response): Promise<Answer> {
  const text = await res.text();
  const error = res.status >= 400 ? (JSON.parse(text) as ErrorBody).error : undefined;
  return { status: res.status, code: error?.code, message: error?.message };
}

/** Every route that names a run, with what it needs; `write` routes need a read-write token. */
const ROUTES: {
  name: string;
  write: boolean;
  request(run: string, token: string): Promise<Response>;
}[] = [
  {
    name: 'GET run',
    write: false,
    request: (run, token) => h.request(`/v1/runs/${run}`, { token }),
  },
  {
    name: 'GET variables',
    write: false,
    request: (run, token) => h.request(`/v1/runs/${run}/variables`, { token }),
  },
  {
    name: 'GET history (path)',
    write: false,
    request: (run, token) => h.request(`/v1/runs/${run}/variables/x/samples`, { token }),
  },
  {
    name: 'GET history (query)',
    write: false,
    request: (run, token) => h.request(`/v1/runs/${run}/samples?variable=x`, { token }),
  },
  {
    name: 'GET series (path)',
    write: false,
    request: (run, token) => h.request(`/v1/runs/${run}/variables/x/series`, { token }),
  },
  {
    name: 'GET series (query)',
    write: false,
    request: (run, token) => h.request(`/v1/runs/${run}/series?variable=x&points=10`, { token }),
  },
  {
    name: 'GET export (path)',
    write: false,
    request: (run, token) => h.request(`/v1/runs/${run}/variables/x/samples.csv`, { token }),
  },
  {
    name: 'GET export (query)',
    write: false,
    request: (run, token) => h.request(`/v1/runs/${run}/samples.csv?variable=x`, { token }),
  },
  {
    name: 'POST samples',
    write: true,
    request: (run, token) =>
      h.request(`/v1/runs/${run}/samples`, { token, json: { ...samplesBody(99), producer: 'q' } }),
  },
  {
    name: 'POST complete',
    write: true,
    request: (run, token) => h.request(`/v1/runs/${run}/complete`, { token, method: 'POST' }),
  },
];

const RUNNING = 'tenancy-acme-running';
const COMPLETED = 'tenancy-acme-completed';
const LEGACY = 'tenancy-legacy';
const MISSING = 'tenancy-never-created';

beforeAll(async () => {
  await createWithSamples(RUNNING, ACME);
  await createWithSamples(COMPLETED, ACME);
  await completeIntoS3(COMPLETED, ACME);
  // A manifest from before projects: no owner recorded, so the default project's.
  const legacy = await h.cold.getManifest(COMPLETED);
  if (legacy === undefined) throw new Error('no manifest to copy');
  const { project: _project, ...run } = legacy.run;
  void _project;
  await h.cold.putManifest({ ...legacy, run: { ...run, id: LEGACY } });
}, 60_000);

describe('runs belong to the project whose token created them', () => {
  it('records the project in the run record and in the manifest', async () => {
    expect(await h.hotStore.redis.hget(h.hotStore.keys.run(RUNNING), 'project')).toBe('acme');
    expect((await runAs(RUNNING, ACME_READ)).project).toBe('acme');
    expect((await h.cold.getManifest(COMPLETED))?.run.project).toBe('acme');
    expect((await runAs(COMPLETED, ACME_READ)).project).toBe('acme');
  });

  it('lists only the runs of the caller\u2019s project, running and completed', async () => {
    const list = async (token: string, query = '') => {
      const res = await h.request(`/v1/runs${query}`, { token });
      expect(res.status).toBe(200);
      return ((await res.json()) as { runs: Run[] }).runs.map((r) => r.id);
    };
    for (const token of [ACME, ACME_READ]) {
      expect(await list(token)).toEqual(expect.arrayContaining([RUNNING, COMPLETED]));
      expect(await list(token)).not.toContain(LEGACY);
    }
    for (const token of [GLOBEX, GLOBEX_READ]) {
      for (const query of ['', '?status=running', '?status=completed'])
        expect(await list(token, query)).toEqual([]);
    }
    expect(await list(READ_TOKEN, '?status=completed')).toContain(LEGACY);
    expect(await list(READ_TOKEN)).not.toContain(RUNNING);
  });

  it('gives a manifest without a project to the default project', async () => {
    expect((await runAs(LEGACY, READ_TOKEN)).project).toBeUndefined();
    expect((await h.request(`/v1/runs/${LEGACY}/variables`, { token: READ_TOKEN })).status).toBe(
      200,
    );
    expect((await h.request(`/v1/runs/${LEGACY}`, { token: ACME })).status).toBe(404);
  });
});

describe('another project\u2019s run is answered as one that does not exist', () => {
  const cases = ROUTES.flatMap((route) =>
    [RUNNING, COMPLETED].flatMap((run) =>
      (route.write ? [GLOBEX] : [GLOBEX, GLOBEX_READ, WRITE_TOKEN]).map(
        (token) => [route.name, run, token, route] as const,
      ),
    ),
  );

  it.each(cases)('%s of %s with %s', async (_name, run, token, route) => {
    const samplesBefore = (await runAs(run, ACME_READ)).samples;
    const refused = await answerOf(await route.request(run, token));
    const missing = await answerOf(await route.request(MISSING, token));
    expect(refused).toEqual({
      status: 404,
      code: 'run_not_found',
      message: `run '${run}' does not exist`,
    });
    expect(refused).toEqual({
      ...missing,
      message: missing.message?.replace(MISSING, run),
    });
    // Nothing changed: the owner sees the run as it was.
    const after = await runAs(run, ACME_READ);
    expect(after.samples).toBe(samplesBefore);
    expect(after.status).toBe(run === RUNNING ? 'running' : 'completed');
  });

  it.each(
    ROUTES.filter((r) => !r.write).flatMap((r) =>
      [RUNNING, COMPLETED].map((run) => [r.name, run, r] as const),
    ),
  )('%s of %s is served to its own project', async (_name, run, route) => {
    expect((await route.request(run, ACME_READ)).status).toBe(200);
  });

  it.each([RUNNING, COMPLETED])(
    'refuses creating %s again from another project: 409 run_id_taken',
    async (run) => {
      const res = await h.request('/v1/runs', { token: GLOBEX, json: { id: run } });
      expect(await answerOf(res)).toEqual({
        status: 409,
        code: 'run_id_taken',
        message: `run id '${run}' is taken: choose another`,
      });
      expect((await runAs(run, ACME_READ)).project).toBe('acme');
    },
  );

  it.each([RUNNING, COMPLETED])(
    'refuses a socket subscribe to %s as to a missing run',
    async (run) => {
      const c = client(GLOBEX_READ);
      const ask = (r: string) =>
        c
          .timeout(10_000)
          .emitWithAck('subscribe', { run: r, variable: 'x' }) as Promise<SubscribeAck>;
      const refused = await ask(run);
      const missing = await ask(MISSING);
      expect(refused).toEqual({
        ok: false,
        error: { code: 'run_not_found', message: `run '${run}' does not exist` },
      });
      expect(missing).toEqual({
        ok: false,
        error: { code: 'run_not_found', message: `run '${MISSING}' does not exist` },
      });
      // Unsubscribing touches only the socket's own subscriptions: the same answer for any run.
      expect(await c.timeout(10_000).emitWithAck('unsubscribe', { run, variable: 'x' })).toEqual(
        await c.timeout(10_000).emitWithAck('unsubscribe', { run: MISSING, variable: 'x' }),
      );
    },
  );

  it('never sends a refused subscriber another project\u2019s live samples', async () => {
    const own = 'tenancy-globex-own';
    await createWithSamples(own, GLOBEX, 1);
    const c = client(GLOBEX_READ);
    const live: VariableChunk[] = [];
    c.on('samples', (chunk) => live.push(chunk));
    const subscribe = (run: string) =>
      c.timeout(10_000).emitWithAck('subscribe', { run, variable: 'x' }) as Promise<SubscribeAck>;
    expect((await subscribe(RUNNING)).ok).toBe(false);
    expect((await subscribe(own)).ok).toBe(true);
    // Emitted to one socket in order: had it joined acme's room, acme's chunk would come first.
    const acked = await h.request(`/v1/runs/${RUNNING}/samples`, {
      token: ACME,
      json: { ...samplesBody(50), producer: 'live' },
    });
    expect(acked.status).toBe(200);
    expect(
      (await h.request(`/v1/runs/${own}/samples`, { token: GLOBEX, json: samplesBody(1) })).status,
    ).toBe(200);
    await waitFor('globex\u2019s own live chunk', () => live.length > 0 || undefined, 10_000);
    expect(live.map((chunk) => chunk.run)).toEqual([own]);
  });
});

describe('a read-only token is refused every write', () => {
  it.each(
    ROUTES.filter((r) => r.write).flatMap((r) =>
      [RUNNING, COMPLETED].map((run) => [r.name, run, r] as const),
    ),
  )('%s of %s: 403, nothing written', async (_name, run, route) => {
    const before = await runAs(run, ACME_READ);
    expect(await answerOf(await route.request(run, ACME_READ))).toEqual({
      status: 403,
      code: 'forbidden',
      message: "this token lacks the 'write' scope",
    });
    expect(await runAs(run, ACME_READ)).toEqual(before);
  });

  it('POST /v1/runs: 403, no run created', async () => {
    const res = await h.request('/v1/runs', {
      token: ACME_READ,
      json: { id: 'tenancy-read-only' },
    });
    expect(await answerOf(res)).toMatchObject({ status: 403, code: 'forbidden' });
    expect(await h.hotStore.runs.get('tenancy-read-only')).toBeUndefined();
  });
});
