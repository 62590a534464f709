import { ColdStore } from '@runstream/cold-store';
import { seededRandom } from '@runstream/domain/testing';
import type { Run } from '@runstream/domain';
import { HotStore } from '@runstream/hot-store';
import { RunstreamClient, Subscriber, type Producer } from '@runstream/sdk';
import {
  freePort,
  historyProblem,
  startRedis,
  startS3Server,
  waitFor,
  type RunningRedis,
  type RunningS3Server,
} from '@runstream/testkit';
import { TieredHistory } from '@runstream/tiering';
import { expectMerged } from '@runstream/tiering/testing';
import { buildWorker, spawnWorker, workerEnv, type WorkerProcess } from '@runstream/worker/testing';
import { READ_TOKEN, WRITE_TOKEN } from './testing/ingest-harness';
import { spawnIngest, type IngestProcess } from './testing/ingest-process';

// Chaos: the whole stack as real processes — redis-server (AOF, fsync on
// every write), s3rver, the built ingest and the built worker — while an SDK
// producer writes and two SDK subscribers watch. For CHAOS_CYCLES cycles
// (default 6, about a minute) one of the four, picked at random
// (CHAOS_SEED; each of them once in the first four cycles), is SIGKILLed
// mid-traffic and started again after a random pause (0.3–1.8 s). Then the run is
// completed: it must reach `completed`, each variable's merged object holds
// exactly seqs 1..N with the values sent, and each subscriber was handed
// each seq at most once and, resubscribing after every refusal from its
// last seq, all of them.

const CYCLES = Number(process.env.CHAOS_CYCLES ?? 6);
const SEED = Number(process.env.CHAOS_SEED ?? Date.now() % 100_000);
const TARGETS = ['redis', 'worker', 'ingest', 's3'] as const;
type Target = (typeof TARGETS)[number];
const VARIABLES = ['chaos.x', 'chaos.y'];
const RUN = 'chaos';
const valueOf = (seq: number): number => seq * 0.5;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One subscriber's view of one variable: every seq it was handed, in order. */
interface Watch {
  variable: string;
  seqs: number[];
  refusals: number;
}

/**
 * Subscribes `subscriber` to `variable` and keeps it subscribed: a
 * subscription the server refuses (Redis or S3 away: `unavailable`) is asked
 * again from the seq after the last one handed over, as an application does.
 */
function watch(subscriber: Subscriber, variable: string, stopped: () => boolean): Watch {
  const w: Watch = { variable, seqs: [], refusals: 0 };
  const subscribe = (): void => {
    subscriber.subscribe(
      RUN,
      variable,
      (chunk) => {
        for (let i = 0; i < chunk.t.length; i++) w.seqs.push(chunk.first + i);
      },
      {
        fromSeq: (w.seqs.at(-1) ?? 0) + 1,
        onError: () => {
          w.refusals++;
          if (!stopped()) setTimeout(subscribe, 300);
        },
      },
    );
  };
  subscribe();
  return w;
}

/** The problem with a watch's seqs, or undefined when they are exactly 1..n, each once. */
function watchProblem(w: Watch, n: number): string | undefined {
  for (let i = 0; i < w.seqs.length; i++)
    if (w.seqs[i] !== i + 1) return `${w.variable}: seq ${w.seqs[i]} handed at position ${i + 1}`;
  return w.seqs.length === n ? undefined : `${w.variable}: ${w.seqs.length} seqs of ${n}`;
}

describe('chaos: SIGKILL of redis, worker, ingest or s3rver mid-traffic', () => {
  let redis: RunningRedis;
  let s3: RunningS3Server;
  let ingest: IngestProcess | undefined;
  let worker: WorkerProcess | undefined;
  let ingestPort: number;
  const subscribers: Subscriber[] = [];
  let producer: Producer | undefined;

  const startIngest = async (): Promise<void> => {
    ingest = await spawnIngest(redis.url, s3.connection, {
      PORT: String(ingestPort),
      LOG_LEVEL: 'warn',
    });
  };
  const startWorker = (): void => {
    worker = spawnWorker({
      ...workerEnv(redis.url, s3.connection),
      WORKER_QUEUES: 'flush,merge,observe',
      LOG_LEVEL: 'warn',
      // Samples move down the tiers all along: every buffer older than 2 s is flushed.
      FLUSH_MAX_AGE_S: '4',
      FLUSH_AGE_CHECK_MS: '1000',
      // A job of a killed worker is taken over within seconds; a lost merge re-added.
      JOB_LOCK_MS: '1500',
      JOB_STALLED_CHECK_MS: '300',
      SWEEP_INTERVAL_MS: '1000',
      MERGE_QUIESCENCE_MS: '200',
      OBSERVER_INTERVAL_MS: '600000',
    });
  };

  beforeAll(async () => {
    await buildWorker();
    [redis, s3] = await Promise.all([
      // Every acknowledged write is in the AOF before the reply: a SIGKILL loses none.
      startRedis({ args: ['--appendonly', 'yes', '--appendfsync', 'always'] }),
      startS3Server(),
    ]);
    ingestPort = await freePort();
    await startIngest();
    startWorker();
  }, 120_000);

  afterAll(async () => {
    for (const s of subscribers) s.close();
    await producer?.close({ force: true });
    await ingest?.kill();
    await worker?.kill();
    await redis?.stop();
    await s3?.dispose();
  });

  it(`survives ${CYCLES} kills: the run completes exact, every subscriber saw each seq once`, async () => {
    const random = seededRandom(SEED);
    const baseUrl = `http://127.0.0.1:${ingestPort}`;
    const client = new RunstreamClient({ url: baseUrl, token: WRITE_TOKEN });
    const created = await client.createRun({ id: RUN });
    expect(created.run.status).toBe('running');

    let stopped = false;
    const watches: Watch[] = [];
    for (let i = 0; i < 2; i++) {
      const subscriber = new Subscriber({ url: baseUrl, token: READ_TOKEN });
      subscribers.push(subscriber);
      for (const v of VARIABLES) watches.push(watch(subscriber, v, () => stopped));
    }

    // One producer, retrying every refusal and network error (capped at 1 s between tries).
    const p = client.producer(RUN, {
      minIntervalMs: 50,
      onFull: 'throw',
      retry: { baseMs: 100, capMs: 1000 },
      requestTimeoutMs: 3000,
    });
    producer = p;
    let logged = 0;
    const writing = (async () => {
      while (!stopped) {
        // About 400 samples a second per variable, in steps of 20.
        for (let k = 0; k < 20; k++) {
          logged++;
          for (const v of VARIABLES) p.log(v, logged - 1, valueOf(logged));
        }
        await sleep(50);
      }
    })();

    // Each of the four in the first four cycles (in a random order), then any.
    const order = [...TARGETS].sort(() => random() - 0.5);
    const kills: Record<Target, number> = { redis: 0, worker: 0, ingest: 0, s3: 0 };
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      await sleep(2000 + random() * 3000); // traffic, then a kill at a random moment
      const target = order[cycle] ?? TARGETS[Math.floor(random() * TARGETS.length)]!;
      kills[target]++;
      const down = 300 + random() * 1500;
      if (target === 'redis') {
        redis.process.kill('SIGKILL');
        await new Promise((resolve) => redis.process.once('exit', resolve));
        await sleep(down);
        redis = await redis.restart();
      } else if (target === 's3') {
        await s3.stop('SIGKILL');
        await sleep(down);
        await s3.restart();
      } else if (target === 'ingest') {
        await ingest?.kill();
        await sleep(down);
        await startIngest();
      } else {
        await worker?.kill();
        await sleep(down);
        startWorker();
      }
    }

    stopped = true;
    await writing;
    const n = logged;
    // Every sample acknowledged, then the run completed (retried through whatever is still recovering).
    await p.flush();
    expect(p.stats).toMatchObject({ acknowledged: n * VARIABLES.length, dropped: 0 });
    const completion = await p.complete();
    expect(completion.completed).toBe(true);

    const reader = new RunstreamClient({ url: baseUrl, token: READ_TOKEN });
    await waitFor(
      'the run to be completed',
      async () => {
        const run: Run | undefined = await reader.getRun(RUN).catch(() => undefined);
        return run?.status === 'completed' ? run : undefined;
      },
      90_000,
      250,
    );

    const cold = new ColdStore(s3.connection);
    const hot = HotStore.connect(redis.url);
    try {
      // Merged: one object per variable holding exactly 1..n, no segment left, the manifest agreeing.
      await expectMerged(cold, RUN, VARIABLES, n);
      const history = new TieredHistory(hot, cold);
      for (const v of VARIABLES)
        expect(
          await historyProblem(v, history.chunks(RUN, v), n, (seq) => ({
            t: seq - 1,
            v: valueOf(seq),
          })),
        ).toBeUndefined();
    } finally {
      cold.close();
      await hot.close();
    }

    // Each subscriber: every seq at most once, in order, and after its resumes all of them.
    // Live delivery ends with the run; what a resubscribe still owes comes from history.
    await waitFor(
      'every subscriber to have every seq',
      () => (watches.every((w) => w.seqs.length >= n) ? true : undefined),
      60_000,
      100,
    ).catch(() => undefined);
    for (const w of watches) expect(watchProblem(w, n)).toBeUndefined();

    console.info(
      `chaos: seed ${SEED}, ${CYCLES} cycles, kills ${JSON.stringify(kills)}, ${n} samples per variable, ` +
        `${p.stats.retries} producer retries, ${watches.reduce((k, w) => k + w.refusals, 0)} subscription refusals`,
    );
  }, 300_000);
});
