import { HotStore } from '@runstream/hot-store';
import {
  startRedisTopology,
  startS3Server,
  useFixture,
  waitFor,
  waitUntilReady,
} from '@runstream/testkit';
import { bulkBatch } from './testing/bulk-batch';
import { WRITE_TOKEN } from './testing/ingest-harness';
import { spawnIngest } from './testing/ingest-process';

// Memory pressure judged per master, as the built ingest wires it: on a
// cluster whose nodes have a 16 MB maxmemory, filling the master of one run
// refuses that run's writes (503) while a run on another master is accepted.

const h = useFixture(async () => {
  const [redis, s3] = await Promise.all([
    startRedisTopology('cluster', { maxmemory: '16mb' }),
    startS3Server(),
  ]);
  const ingest = await spawnIngest(redis.url, s3.connection, {
    ...redis.env,
    MEMORY_CHECK_MS: '10',
    INGEST_MAX_BODY_BYTES: String(4 * 1024 * 1024),
  });
  const hotStore = HotStore.connect({ url: redis.url, clusterNodes: redis.clusterNodes });
  return {
    ingest,
    hotStore,
    stop: async () => {
      await ingest.kill();
      await hotStore.close();
      await Promise.all([redis.stop(), s3.dispose()]);
    },
  };
});

const post = (run: string, body: unknown) =>
  fetch(`${h.ingest.baseUrl}/v1/runs/${run}/samples`, {
    method: 'POST',
    headers: { authorization: `Bearer ${WRITE_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

const create = (id: string) =>
  fetch(`${h.ingest.baseUrl}/v1/runs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${WRITE_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ id }),
  });

describe('memory pressure on one master of a cluster', () => {
  it('refuses only runs on the full master; a run on another master is accepted', async () => {
    // Two runs on different masters (run ids hash to slots; try until two differ).
    const ids = Array.from({ length: 12 }, (_, i) => `pressure-${i}`);
    const full = ids[0]!;
    await waitFor('the slot map', () => h.hotStore.masterOf(full));
    const other = ids.find((id) => h.hotStore.masterOf(id) !== h.hotStore.masterOf(full))!;
    expect(other).toBeDefined();
    // Ready: the app has reached the cluster (what a load balancer waits for).
    await waitUntilReady(h.ingest.baseUrl);
    for (const id of [full, other]) expect((await create(id)).status).toBe(201);

    let refused: Response | undefined;
    let b = 0;
    for (; b < 600 && refused === undefined; b++) {
      const res = await post(full, bulkBatch(b));
      if (res.status === 503) refused = res;
      else expect(res.status).toBe(200);
      await new Promise((r) => setTimeout(r, 15)); // let the memory reading run
    }
    expect(refused).toBeDefined();
    expect(refused?.headers.get('retry-after')).not.toBeNull();
    expect(await refused?.json()).toMatchObject({ error: { code: 'unavailable' } });
    // Nothing of the refused batch was written.
    expect((await h.hotStore.reader.stats(full, 'x'))?.count).toBe((b - 1) * 5000);

    // Still full for its run, while the other master takes writes.
    expect((await post(full, bulkBatch(b))).status).toBe(503);
    const accepted = await post(other, bulkBatch(0));
    expect(accepted.status).toBe(200);
    expect((await h.hotStore.reader.stats(other, 'x'))?.count).toBe(5000);
  }, 120_000);
});
