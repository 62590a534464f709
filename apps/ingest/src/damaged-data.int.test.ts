import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClientToServerEvents, ServerToClientEvents, SubscribeAck } from '@runstream/domain';
import { historyProblem, memoryLogger, useFixture, waitFor } from '@runstream/testkit';
import { FLUSH_EVERYTHING, waitForIdleQueue } from '@runstream/worker/testing';
import { io as connect, type Socket } from 'socket.io-client';
import { READ_TOKEN } from './testing/ingest-harness';
import { metricValue } from './testing/metric-value';
import { startTieredIngest } from './testing/tiered-ingest';

// Readers survive damaged stored data: a manifest that is not JSON or not a
// manifest, a merged object truncated or with a garbage piece, a garbage
// index, a garbage segment. The run list and every other run and variable
// answer 200; what cannot be read answers 502 `stored_data_damaged`; each
// damage is logged and counted. The real ingest app and a real worker on
// redis-server and s3rver; the damage is written into s3rver's directory.

const log = memoryLogger('warn');
const h = useFixture(() =>
  startTieredIngest({
    tieredCatalog: true,
    logger: log.logger,
    worker: {
      WORKER_QUEUES: 'flush,merge,observe',
      MERGE_QUIESCENCE_MS: '200',
      OBSERVER_INTERVAL_MS: '600000',
      ...FLUSH_EVERYTHING,
    },
  }),
);

// A segment of more than two pieces (PIECE_MAX_SAMPLES): it has an index, and is read piece by piece.
const BIG = 40_000;
const valueOf = (seq: number): number => seq * 0.5;

async function write(run: string, variable: string, count: number): Promise<void> {
  for (let first = 1; first <= count; first += 5000) {
    const seqs = Array.from({ length: Math.min(5000, count - first + 1) }, (_, i) => first + i);
    const res = await h.request(`/v1/runs/${run}/samples`, {
      json: { variables: { [variable]: { t: seqs.map((s) => s - 1), v: seqs.map(valueOf) } } },
    });
    expect(res.status).toBe(200);
  }
}

/**
 * Creates a run holding `variables` (name → samples) and completes it, read by nobody meanwhile;
 * `beforeCompletion` damages it first.
 */
async function completedRun(
  run: string,
  variables: Record<string, number>,
  beforeCompletion?: () => Promise<void>,
): Promise<void> {
  expect((await h.request('/v1/runs', { json: { id: run } })).status).toBe(201);
  for (const [name, count] of Object.entries(variables)) await write(run, name, count);
  await beforeCompletion?.();
  expect((await h.request(`/v1/runs/${run}/complete`, { method: 'POST' })).status).toBe(202);
  // Asked of the stores, not of the app: its catalog must not have the manifest cached.
  // Redis forgets a run only once its manifest is written whole: s3rver, unlike S3,
  // lets a GET see a manifest half written, so the manifest is asked for after that.
  await waitFor(
    `run ${run} merged and forgotten by Redis`,
    async () => ((await h.hotStore.runs.get(run)) === undefined ? true : undefined),
    30_000,
  );
  expect(await h.cold.getManifest(run)).toBeDefined();
}

/** Where s3rver keeps an object's bytes (its metadata, e.g. a merged object's last seq, apart). */
function objectFile(key: string): string {
  const parts = key.split('/');
  const name = parts.pop() ?? '';
  return join(h.s3.directory, h.cold.bucket, ...parts, `${name}._S3rver_object`);
}

const bytesOf = (key: string): Promise<Buffer> => readFile(objectFile(key));

/** Damages an object in place, as a disk or a buggy writer would: its metadata stays. */
async function overwrite(key: string, body: Buffer | string): Promise<void> {
  await writeFile(objectFile(key), body);
  await rm(`${objectFile(key)}.md5`, { force: true }); // s3rver computes the ETag again
}

const mergedKey = async (run: string, variable: string): Promise<string> =>
  (await h.cold.mergedInfo(run, variable))!.key;

async function segmentKey(run: string, variable: string): Promise<string> {
  const segments = await h.cold.listSegments(run, variable);
  expect(segments).toHaveLength(1);
  return segments[0]!.key;
}

/** A run's meta in Redis made unreadable, as a hand edit or a bug would: not JSON. */
const damageMeta = (run: string) => async (): Promise<void> => {
  await h.hotStore.redis.hset(h.hotStore.keys.run(run), 'meta', '{"owner": "ann",');
};

const get = (path: string): Promise<Response> => h.request(path, { token: READ_TOKEN });

/** The answer of `path`: 502 stored_data_damaged naming the run (and variable), with `kind`. */
async function expectDamaged(
  path: string,
  damage: { kind: string; run: string; variable?: string },
): Promise<void> {
  const res = await get(path);
  const body = (await res.json()) as { error: { code: string; message: string; details: unknown } };
  expect([path, res.status, body.error.code]).toEqual([path, 502, 'stored_data_damaged']);
  expect(body.error.details).toEqual(damage);
  expect(body.error.message).toContain(`run '${damage.run}'`);
  expect(res.headers.get('retry-after')).toBeNull();
}

const read = (run: string, variable: string, n: number) =>
  historyProblem(variable, h.reader.history(run, variable, { pageSize: 10_000 }), n, (seq) => ({
    t: seq - 1,
    v: valueOf(seq),
  }));

describe('damaged stored data', () => {
  const damagedKeys: Record<string, string> = {};

  beforeAll(async () => {
    await completedRun('good', { a: 100, b: 100 });
    await completedRun('manifest-not-json', { a: 100 });
    await completedRun('manifest-null-count', { a: 100 });
    await completedRun('objects', { ok: 100, truncated: 100 });
    // A run's meta in Redis not JSON: before its completion, and while it runs.
    await completedRun('meta-completed', { a: 100 }, damageMeta('meta-completed'));
    expect((await h.request('/v1/runs', { json: { id: 'meta-running' } })).status).toBe(201);
    await write('meta-running', 'a', 100);
    await damageMeta('meta-running')();
    // A running run, flushed: one segment per variable, nothing of it left in Redis.
    expect((await h.request('/v1/runs', { json: { id: 'running' } })).status).toBe(201);
    for (const [name, count] of Object.entries({ ok: 100, segment: 100, piece: BIG, index: BIG }))
      await write('running', name, count);
    await h.queues.add('flush', { reason: 'forced', requestedAt: Date.now() });
    await waitForIdleQueue(h.queues.queue('flush'));

    const notJson = h.cold.keys.manifest('manifest-not-json');
    await overwrite(notJson, '{"version":1,"run":');
    const nullCount = h.cold.keys.manifest('manifest-null-count');
    const manifest = JSON.parse((await bytesOf(nullCount)).toString()) as {
      variables: Array<{ count: number | null }>;
    };
    manifest.variables[0]!.count = null;
    await overwrite(nullCount, JSON.stringify(manifest));

    const truncated = await mergedKey('objects', 'truncated');
    const bytes = await bytesOf(truncated);
    await overwrite(truncated, bytes.subarray(0, bytes.length >> 1));
    const segment = await segmentKey('running', 'segment');
    await overwrite(segment, 'garbage');
    // Garbage in the middle piece, the object's size unchanged: its index still "fits".
    const piece = await segmentKey('running', 'piece');
    const pieceBytes = await bytesOf(piece);
    pieceBytes.fill(0x55, pieceBytes.length >> 1, (pieceBytes.length >> 1) + 512);
    await overwrite(piece, pieceBytes);
    // The index is named by its data object: the damage is reported under the data object's key.
    const index = await segmentKey('running', 'index');
    await overwrite(h.cold.keys.indexOf(index), 'not an index at all');

    Object.assign(damagedKeys, { notJson, nullCount, truncated, segment, piece, index });
    h.cold.cache.clear();
  }, 120_000);

  it('lists every other run, 200, leaving out the runs whose manifest is damaged', async () => {
    const res = await get('/v1/runs?limit=1000');
    expect(res.status).toBe(200);
    const ids = ((await res.json()) as { runs: Array<{ id: string }> }).runs.map((r) => r.id);
    expect(ids.sort()).toEqual(['good', 'meta-completed', 'meta-running', 'objects', 'running']);
    const completed = await get('/v1/runs?status=completed');
    expect(completed.status).toBe(200);
  });

  it('lists and serves a run whose meta in Redis is damaged, saying so; its merge completes it', async () => {
    type Listed = { id: string; meta: unknown; metaDamaged?: boolean; status: string };
    const listed = ((await (await get('/v1/runs?limit=1000')).json()) as { runs: Listed[] }).runs;
    const damaged = { meta: {}, metaDamaged: true };
    expect(listed.find((r) => r.id === 'meta-running')).toMatchObject({
      ...damaged,
      status: 'running',
    });
    expect(listed.find((r) => r.id === 'good')).not.toHaveProperty('metaDamaged');
    const one = await get('/v1/runs/meta-running');
    expect(one.status).toBe(200);
    expect(((await one.json()) as { run: Listed }).run).toMatchObject(damaged);
    expect(await read('meta-running', 'a', 100)).toBeUndefined();
    // Merged whole, its manifest keeps the mark: readers of the completed run say so too.
    expect((await h.cold.getManifest('meta-completed'))?.run).toMatchObject({
      ...damaged,
      status: 'completed',
    });
    expect(listed.find((r) => r.id === 'meta-completed')).toMatchObject(damaged);
    expect(await read('meta-completed', 'a', 100)).toBeUndefined();
  });

  it('answers everything about a run with a damaged manifest 502 stored_data_damaged', async () => {
    for (const run of ['manifest-not-json', 'manifest-null-count']) {
      const damage = { kind: 'manifest', run };
      await expectDamaged(`/v1/runs/${run}`, damage);
      await expectDamaged(`/v1/runs/${run}/variables`, damage);
      await expectDamaged(`/v1/runs/${run}/samples?variable=a`, damage);
      await expectDamaged(`/v1/runs/${run}/series?variable=a&points=10`, damage);
      await expectDamaged(`/v1/runs/${run}/samples.csv?variable=a`, damage);
    }
  });

  it('serves the damaged run and its other variables; each damaged variable is 502 alone', async () => {
    expect((await get('/v1/runs/objects')).status).toBe(200);
    const variables = await get('/v1/runs/objects/variables');
    expect(variables.status).toBe(200);
    expect(await read('objects', 'ok', 100)).toBeUndefined();
    expect((await get('/v1/runs/objects/series?variable=ok&points=10')).status).toBe(200);
    expect((await get('/v1/runs/objects/samples.csv?variable=ok')).status).toBe(200);

    const truncated = { kind: 'merged', run: 'objects', variable: 'truncated' };
    await expectDamaged('/v1/runs/objects/samples?variable=truncated', truncated);
    await expectDamaged('/v1/runs/objects/series?variable=truncated&points=10', truncated);
    await expectDamaged('/v1/runs/objects/samples.csv?variable=truncated', truncated);

    expect((await get('/v1/runs/running')).status).toBe(200);
    expect((await get('/v1/runs/running/variables')).status).toBe(200);
    expect(await read('running', 'ok', 100)).toBeUndefined();
    for (const variable of ['segment', 'index']) {
      const damage = { kind: 'segment', run: 'running', variable };
      await expectDamaged(`/v1/runs/running/samples?variable=${variable}`, damage);
      await expectDamaged(`/v1/runs/running/series?variable=${variable}&points=100`, damage);
      await expectDamaged(`/v1/runs/running/samples.csv?variable=${variable}`, damage);
    }
    // The first piece is whole, and served; the damaged one is not.
    const first = await get('/v1/runs/running/samples?variable=piece&limit=1000');
    expect(first.status).toBe(200);
    await expectDamaged('/v1/runs/running/samples?variable=piece&fromSeq=20000', {
      kind: 'segment',
      run: 'running',
      variable: 'piece',
    });
  });

  it('answers a subscription to damaged data with stored_data_damaged', async () => {
    const client: Socket<ServerToClientEvents, ClientToServerEvents> = connect(h.baseUrl, {
      auth: { token: READ_TOKEN },
      transports: ['websocket'],
      reconnection: false,
    });
    try {
      const subscribe = (run: string, variable: string): Promise<SubscribeAck> =>
        new Promise((resolve) => client.emit('subscribe', { run, variable }, resolve));
      for (const [run, variable] of [
        ['manifest-not-json', 'a'],
        ['objects', 'truncated'],
        ['running', 'segment'],
        ['running', 'index'],
      ] as const)
        expect(await subscribe(run, variable)).toMatchObject({
          ok: false,
          error: { code: 'stored_data_damaged' },
        });
      expect(await subscribe('objects', 'ok')).toEqual({ ok: true, lastSeq: 100 });
    } finally {
      client.close();
    }
  });

  it('logs and counts every damage, by kind, naming the object', async () => {
    const metrics = await (await h.request('/metrics', { token: null })).text();
    for (const kind of ['manifest', 'merged', 'segment', 'meta'])
      expect(
        metricValue(metrics, 'runstream_ingest_damaged_objects_total', { kind }),
      ).toBeGreaterThan(0);
    const damaged = log.lines.filter((l) => l.msg === 'stored data damaged');
    const keys = new Set(damaged.map((l) => (l.damage as { key?: string }).key));
    for (const key of Object.values(damagedKeys)) expect(keys).toContain(key);
    // The cause is in the line: the piece that is not what the index says, the index that is not one.
    const causeOf = (key: string | undefined): string =>
      (damaged.find((l) => (l.damage as { key?: string }).key === key)?.err as { message: string })
        .message;
    expect(causeOf(damagedKeys.piece)).toMatch(/piece \d+ (is not a gzip member|does not start)/);
    expect(causeOf(damagedKeys.index)).toMatch(/not an object index/);
    // Nothing was answered 500 `internal`.
    expect(log.lines.filter((l) => l.msg === 'request failed')).toEqual([]);
  });

  it('keeps serving everything unrelated', async () => {
    expect(await read('good', 'a', 100)).toBeUndefined();
    expect(await read('good', 'b', 100)).toBeUndefined();
    expect((await h.request('/v1/runs', { json: { id: 'fresh' } })).status).toBe(201);
    await write('fresh', 'x', 10);
    expect(await read('fresh', 'x', 10)).toBeUndefined();
    expect((await get('/readyz')).status).toBe(200);
  });
});
