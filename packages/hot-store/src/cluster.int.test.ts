import { parseIngestBatch } from '@runstream/domain';
import { startRedisCluster, useFixture, waitFor } from '@runstream/testkit';
import { HotStore } from './hot-store';
import { fullestOf, readMastersMemory, readMemory } from './memory-gauge';

const cluster = useFixture(() => startRedisCluster());

describe('HotStore on a Redis Cluster (3 masters, 3 replicas)', () => {
  let store: HotStore;
  beforeAll(() => {
    store = HotStore.connect({ url: 'redis://unused', clusterNodes: cluster.nodesSetting });
  });
  afterAll(() => store.close());

  it('spreads runs over the masters, each run in one slot, and walks them all', async () => {
    const ids = Array.from({ length: 12 }, (_, i) => `cluster-run-${i}`);
    for (const id of ids) {
      await store.runs.create({ id });
      for (let b = 1; b <= 3; b++) {
        const batch = parseIngestBatch({
          producer: 'p',
          batch: b,
          variables: { x: { t: [b], v: [b] }, y: { t: [b], v: [-b] } },
        });
        expect((await store.writer.write(id, batch)).duplicate).toBe(false);
      }
    }
    const masters = new Set<number>();
    for (const id of ids) {
      const port = await cluster.masterOf(store.keys.run(id));
      masters.add(port);
      expect(store.masterOf(id)).toBe(`127.0.0.1:${port}`);
      expect(await store.reader.count(id, 'x')).toBe(3);
    }
    expect(masters.size).toBeGreaterThan(1);
    const states = await store.runs.states(await store.runs.ids());
    expect(states.map((s) => s.id).sort()).toEqual([...ids].sort());
    expect((await store.runs.list({ limit: 100 })).map((r) => r.id).sort()).toEqual(
      [...ids].sort(),
    );
  });

  it('reads the memory of every master, and names the fullest', async () => {
    const readings = await readMastersMemory(store.redis, 1 << 30);
    expect(readings).toHaveLength(3);
    expect(new Set(readings.map((r) => r.node)).size).toBe(3);
    // The fullest of one set of readings: two reads apart, a master's memory moves a little.
    expect(fullestOf(readings).ratio).toBe(Math.max(...readings.map((r) => r.ratio)));
    const fullest = await readMemory(store.redis, 1 << 30);
    expect(readings.map((r) => r.node)).toContain(fullest.node);
  });

  // Last: it takes a slot range down, then brings it back.
  it('is ready only while every master serves: not while a slot range has no master', async () => {
    expect(await store.ping()).toBe(true);
    // A master and its replica both down: its slots have no one (cluster_state:fail
    // everywhere), yet every other node still answers PING.
    const master = await cluster.masterOf(store.keys.run('cluster-run-0'));
    const [replica] = await cluster.replicasOf(master);
    await cluster.kill(replica!);
    await cluster.kill(master);
    await waitFor(
      'a node to report cluster_state:fail',
      async () =>
        (
          await cluster.cli(
            cluster.nodes.find((n) => n.port !== master && n.port !== replica)!.port,
            'CLUSTER',
            'INFO',
          )
        ).includes('cluster_state:fail') || undefined,
    );
    await waitFor('the hot store to say it is not ready', async () =>
      (await store.ping()) ? undefined : true,
    );
    // Whichever node would have answered a PING: not ready on every look.
    for (let i = 0; i < 10; i++) expect(await store.ping()).toBe(false);

    await cluster.restart(master);
    await cluster.restart(replica!);
    await cluster.waitHealthy();
    await waitFor('the hot store to say it is ready', async () =>
      (await store.ping()) ? true : undefined,
    );
  });
});
