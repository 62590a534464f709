import { REDIS_TOPOLOGIES, seqCoverageProblem, useFixture, waitFor } from '@runstream/testkit';
import { startIngest, type IngestHarness } from './testing/ingest-harness';

/** Every seq and value the hot store holds of `run`'s variable `x`, in order. */
async function stored(
  h: IngestHarness,
  run: string,
): Promise<{ seqs: number[]; values: number[] }> {
  const seqs: number[] = [];
  const values: number[] = [];
  for await (const chunk of h.hotStore.reader.chunks(run, 'x')) {
    chunk.t.forEach((_, i) => {
      seqs.push(chunk.first + i);
      values.push(Number(chunk.v[i]));
    });
  }
  return { seqs, values };
}

/** Posts batch `b` of producer 'p' (one sample, t = v = b); the HTTP status and Retry-After. */
async function post(
  h: IngestHarness,
  run: string,
  b: number,
): Promise<{ status: number; retryAfter: string | null; body: { duplicate?: boolean } }> {
  const res = await h.request(`/v1/runs/${run}/samples`, {
    json: { producer: 'p', batch: b, variables: { x: { t: [b], v: [b] } } },
  });
  const body = (await res.json()) as { duplicate?: boolean };
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body };
}

/** Posts batch `b` until it is acknowledged (a producer's retry of the same batch). */
async function postUntilAcked(h: IngestHarness, run: string, b: number, deadlineMs = 30_000) {
  const until = Date.now() + deadlineMs;
  let refusals = 0;
  for (;;) {
    const r = await post(h, run, b).catch(() => ({
      status: 0,
      retryAfter: null,
      body: { duplicate: false },
    }));
    if (r.status === 200) return { refusals, duplicate: r.body.duplicate === true };
    if (![0, 503].includes(r.status))
      throw new Error(`batch ${b}: ${r.status} ${JSON.stringify(r.body)}`);
    refusals++;
    if (Date.now() > until) throw new Error(`batch ${b} not acknowledged in ${deadlineMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.each(REDIS_TOPOLOGIES)('writes on a %s Redis', (topology) => {
  const h = useFixture(() => startIngest({ topology }));

  it('spreads runs over the masters and keeps each exactly 1..N', async () => {
    const runs = Array.from({ length: 8 }, (_, i) => `topo-${topology}-${i}`);
    for (const run of runs)
      expect((await h.request('/v1/runs', { json: { id: run } })).status).toBe(201);
    const N = 40;
    await Promise.all(
      runs.map(async (run) => {
        for (let b = 1; b <= N; b++) await postUntilAcked(h, run, b);
        // A replayed batch is a duplicate, never a second write.
        expect((await post(h, run, N)).body.duplicate).toBe(true);
      }),
    );
    for (const run of runs)
      expect(seqCoverageProblem((await stored(h, run)).seqs, N)).toBeUndefined();
    if (topology === 'cluster')
      expect(new Set(runs.map((r) => h.hotStore.masterOf(r))).size).toBeGreaterThan(1);
  });
});

describe('REDIS_WRITE_REPLICAS=1 on a cluster', () => {
  const h = useFixture(() =>
    startIngest({ topology: 'cluster', replication: { replicas: 1, timeoutMs: 300 } }),
  );

  it('acknowledges after a replica has the batch; a paused replica makes it 503, and the retry is a duplicate', async () => {
    const cluster = h.cluster!;
    const run = 'wait-run';
    expect((await h.request('/v1/runs', { json: { id: run } })).status).toBe(201);
    for (let b = 1; b <= 10; b++) expect((await post(h, run, b)).status).toBe(200);

    const master = await cluster.masterOf(h.hotStore.keys.run(run));
    const [replica] = await cluster.replicasOf(master);
    const replicaNode = cluster.nodes.find((n) => n.port === replica)!;
    replicaNode.process.kill('SIGSTOP');
    let refused;
    try {
      refused = await post(h, run, 11);
    } finally {
      replicaNode.process.kill('SIGCONT');
    }
    expect(refused.status).toBe(503);
    expect(refused.retryAfter).not.toBeNull();

    const retry = await postUntilAcked(h, run, 11);
    expect(retry.duplicate).toBe(true);
    for (let b = 12; b <= 20; b++) await postUntilAcked(h, run, b);
    const { seqs, values } = await stored(h, run);
    expect(seqCoverageProblem(seqs, 20)).toBeUndefined();
    expect(values).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('a master SIGKILLed mid-traffic: 503 for a while, then writes go on; no acknowledged batch is lost', async () => {
    const cluster = h.cluster!;
    const run = 'failover-run';
    expect((await h.request('/v1/runs', { json: { id: run } })).status).toBe(201);
    const master = await cluster.masterOf(h.hotStore.keys.run(run));
    const N = 120;
    let refusals = 0;
    // The failover runs beside the writes: SIGKILL, the replica takes over, and the
    // killed node comes back as its replica (until then WAIT 1 cannot succeed).
    const failover = async (): Promise<void> => {
      await cluster.kill(master);
      await waitFor(
        'the replica to take over',
        async () =>
          (await cluster.masterOf(h.hotStore.keys.run(run)).catch(() => master)) !== master
            ? true
            : undefined,
        30_000,
      );
      await cluster.restart(master);
    };
    let failingOver: Promise<void> | undefined;
    for (let b = 1; b <= N; b++) {
      if (b === 40) failingOver = failover();
      refusals += (await postUntilAcked(h, run, b, 60_000)).refusals;
    }
    await failingOver;
    expect(refusals).toBeGreaterThan(0);
    const { seqs, values } = await stored(h, run);
    expect(values).toEqual(Array.from({ length: N }, (_, i) => i + 1));
    expect(seqCoverageProblem(seqs, N)).toBeUndefined();
  }, 180_000);
});
