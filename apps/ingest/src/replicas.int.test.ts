import { RunstreamClient, Subscriber, type Subscription } from '@runstream/sdk';
import {
  seqCoverageProblem,
  startRedis,
  startS3Server,
  useFixture,
  waitFor,
  type RunningRedis,
  type RunningS3Server,
} from '@runstream/testkit';
import { READ_TOKEN, WRITE_TOKEN } from './testing/ingest-harness';
import { spawnIngest, type IngestProcess } from './testing/ingest-process';
import { metricValue } from './testing/metric-value';
import { TcpForwarder } from './testing/tcp-forwarder';

// Two built ingest processes on one redis-server, as compose runs them with
// LIVE_ADAPTER=redis-streams: a producer posts to A, subscribers listen on A
// and on B, and each sees every seq exactly once, live.

const LIVE = { LIVE_ADAPTER: 'redis-streams' };

interface Replicas {
  redis: RunningRedis;
  s3: RunningS3Server;
  a: IngestProcess;
  b: IngestProcess;
  subscribers: Subscriber[];
  stop(): Promise<void>;
}

const h = useFixture(async (): Promise<Replicas> => {
  const [redis, s3] = await Promise.all([startRedis(), startS3Server()]);
  const [a, b] = await Promise.all([
    spawnIngest(redis.url, s3.connection, LIVE),
    spawnIngest(redis.url, s3.connection, LIVE),
  ]);
  const subscribers: Subscriber[] = [];
  return {
    redis,
    s3,
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

function subscriber(url: string): Subscriber {
  const s = new Subscriber({ url, token: READ_TOKEN, gapTimeoutMs: 300 });
  h.subscribers.push(s);
  return s;
}

/** Every seq delivered to one subscription, in delivery order. */
function follow(url: string, run: string, variable: string) {
  const seqs: number[] = [];
  const sub: Subscription = subscriber(url).subscribe(run, variable, ({ first, t }) => {
    for (let i = 0; i < t.length; i++) seqs.push(first + i);
  });
  return { seqs, sub };
}

/** `samples` samples of `variable` through the SDK producer of `url`, with pauses so subscribers join mid-way. */
async function produce(
  url: string,
  run: string,
  variable: string,
  samples: number,
  onStep?: (i: number) => Promise<void>,
) {
  const producer = new RunstreamClient({ url, token: WRITE_TOKEN }).producer(run, {
    minIntervalMs: 5,
  });
  for (let i = 0; i < samples; i++) {
    producer.log(variable, i, i);
    if (i % 100 === 99) {
      await new Promise((r) => setTimeout(r, 5));
      await onStep?.(i + 1);
    }
  }
  await producer.flush();
  await producer.close();
}

async function createRun(url: string, id: string): Promise<void> {
  await new RunstreamClient({ url, token: WRITE_TOKEN }).createRun({ id });
}

const metrics = async (p: IngestProcess): Promise<string> =>
  (await fetch(`${p.baseUrl}/metrics`)).text();

describe('live rooms across ingest replicas (LIVE_ADAPTER=redis-streams)', () => {
  it('gives subscribers on either replica every seq once, live, including those joining during writes', async () => {
    const run = 'replicas-join';
    await createRun(h.a.baseUrl, run);
    const total = 3000;
    const followers = [follow(h.a.baseUrl, run, 'x'), follow(h.b.baseUrl, run, 'x')];
    await produce(h.a.baseUrl, run, 'x', total, (written) => {
      // Snapshot-then-live handoff: two more (one per replica) join every 500 samples.
      if (written % 500 === 0 && written < total)
        followers.push(follow(h.a.baseUrl, run, 'x'), follow(h.b.baseUrl, run, 'x'));
      return Promise.resolve();
    });
    for (const f of followers) {
      await waitFor('every seq', () => (f.seqs.length >= total ? true : undefined));
      expect(seqCoverageProblem(f.seqs, total)).toBeUndefined();
      // Never asked again: everything after the snapshot came live, through the adapter for B's.
      expect(f.sub.resubscribes).toBe(0);
    }
    expect(followers).toHaveLength(12);
  });

  it('skips variables no replica listens to, and emits those listened to on the other one', async () => {
    const run = 'replicas-cheap';
    await createRun(h.a.baseUrl, run);
    const skippedBefore = metricValue(await metrics(h.a), 'runstream_ingest_live_rooms_total', {
      decision: 'skipped',
    });
    await produce(h.a.baseUrl, run, 'nobody', 500);
    const skipped =
      metricValue(await metrics(h.a), 'runstream_ingest_live_rooms_total', {
        decision: 'skipped',
      }) - skippedBefore;
    expect(skipped).toBeGreaterThan(0);

    const onB = follow(h.b.baseUrl, run, 'watched');
    await waitFor('the subscription on B', async () =>
      metricValue(await metrics(h.b), 'runstream_ingest_live_subscriptions') > 0 ? true : undefined,
    );
    await produce(h.a.baseUrl, run, 'watched', 500);
    await waitFor('every seq on B', () => (onB.seqs.length >= 500 ? true : undefined));
    expect(seqCoverageProblem(onB.seqs, 500)).toBeUndefined();
    const text = await metrics(h.a);
    const emitted =
      metricValue(text, 'runstream_ingest_live_rooms_total', { decision: 'asked' }) +
      metricValue(text, 'runstream_ingest_live_rooms_total', { decision: 'cached' });
    expect(emitted).toBeGreaterThan(0);
  });

  it("resumes without gap or repeat when the subscriber's replica is killed and it reconnects to the other", async () => {
    const run = 'replicas-failover';
    await createRun(h.a.baseUrl, run);
    // The balancer in front of the replicas: the subscriber's connection goes to B.
    const balancer = await TcpForwarder.start(Number(new URL(h.b.baseUrl).port));
    try {
      const f = follow(balancer.url, run, 'y');
      const total = 3000;
      let killed = false;
      await produce(h.a.baseUrl, run, 'y', total, async (written) => {
        if (written !== 1000) return;
        await waitFor('live samples through B', () => (f.seqs.length >= 500 ? true : undefined));
        balancer.retarget(Number(new URL(h.a.baseUrl).port));
        await h.b.kill();
        killed = true;
        await waitFor('the resubscription on A', () => (f.sub.resubscribes > 0 ? true : undefined));
      });
      expect(killed).toBe(true);
      await waitFor('every seq after the failover', () =>
        f.seqs.length >= total ? true : undefined,
      );
      expect(seqCoverageProblem(f.seqs, total)).toBeUndefined();
    } finally {
      await balancer.close();
    }
  });
});
