import { RunstreamClient, Subscriber } from '@runstream/sdk';
import {
  seqCoverageProblem,
  startRedisTopology,
  startS3Server,
  useFixture,
  waitFor,
  waitUntilReady,
} from '@runstream/testkit';
import { READ_TOKEN, WRITE_TOKEN } from './testing/ingest-harness';
import { spawnIngest } from './testing/ingest-process';

// replicas.int.test.ts on a Redis Cluster: two built ingest processes with
// LIVE_ADAPTER=redis-streams and REDIS_CLUSTER_NODES; a producer posts to A,
// a subscriber listens on B and sees every seq exactly once, live.

const h = useFixture(async () => {
  const [redis, s3] = await Promise.all([startRedisTopology('cluster'), startS3Server()]);
  const env = { ...redis.env, LIVE_ADAPTER: 'redis-streams' };
  const [a, b] = await Promise.all([
    spawnIngest(redis.url, s3.connection, env),
    spawnIngest(redis.url, s3.connection, env),
  ]);
  const subscribers: Subscriber[] = [];
  return {
    a,
    b,
    subscribers,
    stop: async () => {
      for (const s of subscribers) s.close();
      await Promise.all([a.kill(), b.kill()]);
      await Promise.all([redis.stop(), s3.dispose()]);
    },
  };
});

describe('live rooms across ingest replicas on a Redis Cluster', () => {
  it('gives a subscriber on B every seq a producer posts to A, once, live', async () => {
    const run = 'cluster-replicas';
    // Both have reached the cluster (listening comes first).
    await Promise.all([waitUntilReady(h.a.baseUrl), waitUntilReady(h.b.baseUrl)]);
    const writer = new RunstreamClient({ url: h.a.baseUrl, token: WRITE_TOKEN });
    await writer.createRun({ id: run });
    const subscriber = new Subscriber({ url: h.b.baseUrl, token: READ_TOKEN, gapTimeoutMs: 300 });
    h.subscribers.push(subscriber);
    const seqs: number[] = [];
    const sub = subscriber.subscribe(run, 'x', ({ first, t }) => {
      for (let i = 0; i < t.length; i++) seqs.push(first + i);
    });
    const total = 2000;
    const producer = writer.producer(run, { minIntervalMs: 5 });
    for (let i = 0; i < total; i++) {
      producer.log('x', i, i);
      if (i % 100 === 99) await new Promise((r) => setTimeout(r, 5));
    }
    await producer.flush();
    await producer.close();
    await waitFor('every seq on B', () => (seqs.length >= total ? true : undefined), 30_000);
    expect(seqCoverageProblem(seqs, total)).toBeUndefined();
    // Never asked again: everything after the snapshot came live, through the adapter.
    expect(sub.resubscribes).toBe(0);
  });
});
