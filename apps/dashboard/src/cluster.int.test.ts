import { queueConnection } from '@runstream/hot-store';
import { Queues } from '@runstream/queues';
import { startRedisTopology, useFixture, waitFor, waitUntilReady } from '@runstream/testkit';
import { basicHeader, boardQueues } from './testing/dashboard-harness';
import { buildDashboard, spawnDashboard } from './testing/dashboard-process';

// The built dashboard given REDIS_CLUSTER_NODES: it answers readiness and
// its queues page from a 3-master cluster, showing a job added there.

const h = useFixture(async () => {
  await buildDashboard();
  const redis = await startRedisTopology('cluster');
  const queues = new Queues(queueConnection({ url: redis.url, clusterNodes: redis.clusterNodes }));
  const child = spawnDashboard({
    ...redis.env,
    HOST: '127.0.0.1',
    PORT: '0',
    DASHBOARD_USER: 'ops',
    DASHBOARD_PASSWORD: 'cluster-test-password',
  });
  return {
    redis,
    queues,
    child,
    stop: async () => {
      await child.kill();
      await queues.close();
      await redis.stop();
    },
  };
});

describe('the dashboard on a Redis Cluster', () => {
  it('is ready and shows a job added on the cluster in its queue', async () => {
    const line = await waitFor(
      'the dashboard to listen',
      () => h.child.logLines().find((l) => l.msg === 'dashboard listening'),
      30_000,
    );
    const url = `http://127.0.0.1:${Number(line.port)}`;
    // Listening comes first; ready once its cluster client has connected.
    expect(await waitUntilReady(url)).toEqual({
      ok: true,
      checks: { redis: true },
    });
    const requestedAt = Date.now();
    await h.queues.add('merge', { run: 'run-on-cluster', reason: 'requested', requestedAt });
    const queues = await boardQueues(
      await fetch(`${url}/api/queues?activeQueue=merge&status=waiting&page=1`, {
        headers: { authorization: basicHeader('ops', 'cluster-test-password') },
      }),
    );
    expect(queues.map((q) => q.name).sort()).toEqual(['compact', 'flush', 'merge', 'observe']);
    const merge = queues.find((q) => q.name === 'merge')!;
    expect(merge.counts.waiting).toBe(1);
    expect(merge.jobs).toEqual([
      expect.objectContaining({
        data: { run: 'run-on-cluster', reason: 'requested', requestedAt },
      }),
    ]);
  });
});
