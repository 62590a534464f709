import { ColdStore } from '@runstream/cold-store';
import { HotStore, queueConnection, type RedisTarget } from '@runstream/hot-store';
import { Queues } from '@runstream/queues';
import { RunstreamClient, Subscriber } from '@runstream/sdk';
import {
  historyProblem,
  seqCoverageProblem,
  startRedisTopology,
  startS3Server,
  useFixture,
  waitFor,
  type RunningRedisTopology,
  type RunningS3Server,
} from '@runstream/testkit';
import { expectMerged } from '@runstream/tiering/testing';
import {
  FLUSH_EVERYTHING,
  buildWorker,
  spawnWorker,
  waitForIdleQueue,
  workerEnv,
  type WorkerProcess,
} from '@runstream/worker/testing';
import { READ_TOKEN, WRITE_TOKEN } from './testing/ingest-harness';
import { spawnIngest, type IngestProcess } from './testing/ingest-process';
import { waitForCompleted } from './testing/wait-for-completed';

// The write path end to end on a Redis Cluster: the built ingest and the
// built worker, both given REDIS_CLUSTER_NODES, on a 3-master cluster and
// s3rver. BullMQ's queues ({rs}:q, one slot) and the runs' keys (spread
// over the masters) live on the same cluster.

interface ClusterSystem {
  redis: RunningRedisTopology;
  s3: RunningS3Server;
  ingest: IngestProcess;
  worker: WorkerProcess;
  hotStore: HotStore;
  queues: Queues;
  cold: ColdStore;
  stop(): Promise<void>;
}

const h = useFixture(async (): Promise<ClusterSystem> => {
  await buildWorker();
  const [redis, s3] = await Promise.all([startRedisTopology('cluster'), startS3Server()]);
  const target: RedisTarget = { url: redis.url, clusterNodes: redis.clusterNodes };
  const ingest = await spawnIngest(redis.url, s3.connection, redis.env);
  const worker = spawnWorker({
    ...workerEnv(redis.url, s3.connection),
    ...redis.env,
    WORKER_QUEUES: 'flush,merge,observe',
    MERGE_QUIESCENCE_MS: '200',
    OBSERVER_INTERVAL_MS: '600000',
    ...FLUSH_EVERYTHING,
  });
  await waitFor(
    'the worker to start',
    () => worker.logLines().find((l) => l.msg === 'worker started'),
    30_000,
  );
  const hotStore = HotStore.connect(target);
  const queues = new Queues(queueConnection(target));
  const cold = new ColdStore(s3.connection);
  return {
    redis,
    s3,
    ingest,
    worker,
    hotStore,
    queues,
    cold,
    stop: async () => {
      await Promise.all([ingest.kill(), worker.kill()]);
      await queues.close();
      await hotStore.close();
      cold.close();
      await Promise.all([redis.stop(), s3.dispose()]);
    },
  };
});

/** Asks for a flush of everything (the drain watchdog's request) and waits until it has run. */
async function pressureFlush(): Promise<void> {
  await h.queues.add('flush', { reason: 'pressure', requestedAt: Date.now() });
  await waitForIdleQueue(h.queues.queue('flush'));
}

const writer = () => new RunstreamClient({ url: h.ingest.baseUrl, token: WRITE_TOKEN });
const reader = () => new RunstreamClient({ url: h.ingest.baseUrl, token: READ_TOKEN });

describe('ingest and worker on a Redis Cluster', () => {
  it('flushes under pressure and merges on completion: runs on every master hold exactly 1..N', async () => {
    const runs = Array.from({ length: 6 }, (_, i) => `cluster-e2e-${i}`);
    const variables = ['a', 'b', 'sys/flow %'];
    const rounds = 3;
    const perRound = 200;
    const N = rounds * perRound;
    for (const run of runs) await writer().createRun({ id: run });
    expect(new Set(runs.map((r) => h.hotStore.masterOf(r))).size).toBeGreaterThan(1);

    const producers = runs.map((run) => writer().producer(run, { minIntervalMs: 0 }));
    for (let round = 0; round < rounds; round++) {
      await Promise.all(
        producers.map(async (p) => {
          for (let t = round * perRound; t < (round + 1) * perRound; t++)
            for (const v of variables) p.log(v, t, t / 2);
          await p.flush();
        }),
      );
      // The drain watchdog's request; the last round stays in Redis until the merge.
      if (round < rounds - 1) await pressureFlush();
    }
    for (const run of runs) expect((await h.cold.listSegments(run, 'a')).length).toBeGreaterThan(0);

    await Promise.all(producers.map((p) => p.complete()));
    for (const run of runs) {
      await waitForCompleted(reader(), run);
      await expectMerged(h.cold, run, variables, N);
      for (const v of variables)
        expect(
          await historyProblem(v, reader().history(run, v, { pageSize: 5000 }), N, (seq) => ({
            t: seq - 1,
            v: (seq - 1) / 2,
          })),
        ).toBeUndefined();
    }
  }, 180_000);

  it('gives subscribers joining as the run completes and merges exactly 1..N, in order', async () => {
    const run = 'cluster-merge-live';
    const names = ['a', 'b'];
    const n = 8000;
    await writer().createRun({ id: run });
    const producer = writer().producer(run, { minIntervalMs: 0 });
    for (let round = 0; round < 4; round++) {
      for (let t = (round * n) / 4; t < ((round + 1) * n) / 4; t++)
        for (const v of names) producer.log(v, t, t);
      await producer.flush();
      await pressureFlush();
    }
    void producer.complete();
    const subscriber = new Subscriber({
      url: h.ingest.baseUrl,
      token: READ_TOKEN,
      gapTimeoutMs: 500,
    });
    const received: number[][] = [];
    try {
      for (let j = 0; j < 10; j++) {
        const seqs: number[] = [];
        received.push(seqs);
        subscriber.subscribe(run, names[j % names.length]!, (chunk) =>
          chunk.v.forEach((v, i) => {
            if (v !== chunk.first + i - 1)
              throw new Error(`seq ${chunk.first + i} has v ${String(v)}`);
            seqs.push(chunk.first + i);
          }),
        );
        await new Promise((r) => setTimeout(r, 50));
      }
      await waitForCompleted(reader(), run);
      await waitFor(
        'every subscriber to have every seq',
        () => received.every((seqs) => seqs.length >= n) || undefined,
        30_000,
      );
    } finally {
      subscriber.close();
    }
    for (const seqs of received) expect(seqCoverageProblem(seqs, n)).toBeUndefined();
    await expectMerged(h.cold, run, names, n);
  }, 120_000);
});
