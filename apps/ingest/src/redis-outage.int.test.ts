import { HotStore } from '@runstream/hot-store';
import { RunstreamClient, type Producer } from '@runstream/sdk';
import {
  startRedis,
  startS3Server,
  useFixture,
  waitFor,
  type RunningRedis,
  type RunningS3Server,
} from '@runstream/testkit';
import { startWorker, workerEnv, type TestWorker } from '@runstream/worker/testing';
import { io as connect, type Socket } from 'socket.io-client';
import { READ_TOKEN, WRITE_TOKEN } from './testing/ingest-harness';
import { spawnIngest, type IngestProcess } from './testing/ingest-process';

// The real ingest process (main.ts) against a real redis-server that is
// SIGKILLed (then restarted on its port, AOF on), SIGSTOPped and filled to
// maxmemory, while a producer writes all along. Every request is answered
// within 3 s: 503 `unavailable` + Retry-After for what needs Redis, 200 for
// a completed run (S3 holds it); the service comes back by itself; the
// producer's samples are exact afterwards.

/** The bound the issue sets on every answer while Redis is in trouble. */
const ANSWER_WITHIN_MS = 3000;
const COMPLETED = 'outage-completed';
const RUNNING = 'outage-running';
/** A run only the complete probe touches: a frozen Redis runs what was sent to it once resumed. */
const COMPLETE_PROBE = 'outage-complete-probe';
const COMPLETED_SAMPLES = 100;

interface System {
  redis: RunningRedis;
  s3: RunningS3Server;
  ingest: IngestProcess;
  client: RunstreamClient;
  producer: Producer;
  /** How many samples the producer has logged: t = 1..logged on variable x. */
  logged(): number;
  stopLogging(): void;
  /** SIGKILLs Redis if it still runs, starts it again on its port (AOF reloaded). */
  restartRedis(): Promise<void>;
}

const system = useFixture(async () => {
  const [redis, s3] = await Promise.all([
    startRedis({ args: ['--appendonly', 'yes'] }),
    startS3Server(),
  ]);
  // A memory reading once a minute: writes reach Redis and meet its own OOM refusal.
  const ingest = await spawnIngest(redis.url, s3.connection, { MEMORY_CHECK_MS: '60000' });
  const client = new RunstreamClient({ url: ingest.baseUrl, token: WRITE_TOKEN });
  await completedRun(client, workerEnv(redis.url, s3.connection));
  await client.createRun({ id: RUNNING });
  await client.createRun({ id: COMPLETE_PROBE });

  const producer = client.producer(RUNNING, {
    minIntervalMs: 50,
    retry: { baseMs: 100, capMs: 1000 },
    requestTimeoutMs: 5000,
  });
  let logged = 0;
  const timer = setInterval(() => {
    logged++;
    producer.log('x', logged, logged * 0.5);
  }, 5);
  const state: System & { stop(): Promise<void> } = {
    redis,
    s3,
    ingest,
    client,
    producer,
    logged: () => logged,
    stopLogging: () => clearInterval(timer),
    restartRedis: async () => {
      state.redis = await state.redis.restart();
    },
    stop: async () => {
      clearInterval(timer);
      await producer.close({ force: true });
      await ingest.kill();
      await Promise.all([state.redis.stop(), s3.dispose()]);
    },
  };
  return state;
});

/** A run written, completed and merged by a real worker, then forgotten by Redis: S3 alone holds it. */
async function completedRun(client: RunstreamClient, env: Record<string, string>): Promise<void> {
  let worker: TestWorker | undefined = await startWorker(env, { MERGE_QUIESCENCE_MS: '0' });
  const hot = HotStore.connect(env.REDIS_URL as string);
  try {
    await client.createRun({ id: COMPLETED });
    const producer = client.producer(COMPLETED, { minIntervalMs: 0 });
    for (let i = 1; i <= COMPLETED_SAMPLES; i++) producer.log('x', i, i * 2);
    await producer.complete();
    await waitFor('the completed run to leave Redis', async () =>
      (await hot.runs.get(COMPLETED)) === undefined ? true : undefined,
    );
    await worker.app.close();
    worker = undefined;
  } finally {
    await worker?.app.close();
    await hot.close();
  }
}

interface Answer {
  status: number;
  retryAfter: string | null;
  body: unknown;
}

/** One request, which must be answered within ANSWER_WITHIN_MS (the abort fails the test). */
async function request(path: string, init: RequestInit = {}): Promise<Answer> {
  const token = init.method === 'POST' ? WRITE_TOKEN : READ_TOKEN;
  const res = await fetch(`${system.ingest.baseUrl}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    signal: AbortSignal.timeout(ANSWER_WITHIN_MS),
  });
  const text = await res.text();
  return {
    status: res.status,
    retryAfter: res.headers.get('retry-after'),
    body: text.startsWith('{') ? JSON.parse(text) : text,
  };
}

let batch = 1_000_000;
const post = (path: string, body: unknown): Promise<Answer> =>
  request(path, { method: 'POST', body: JSON.stringify(body) });

/** Every route that needs Redis, each answered on its own. */
const NEEDS_REDIS_TO_WRITE: Record<string, () => Promise<Answer>> = {
  'POST /v1/runs': () => post('/v1/runs', { id: `outage-new-${batch++}` }),
  'POST /v1/runs (existing id)': () => post('/v1/runs', { id: RUNNING }),
  'POST samples': () =>
    post(`/v1/runs/${RUNNING}/samples`, {
      producer: 'outage-probe',
      batch: batch++,
      variables: { probe: { t: [1], v: [1] } },
    }),
  'POST complete': () => post(`/v1/runs/${COMPLETE_PROBE}/complete`, {}),
};

const NEEDS_REDIS_TO_READ: Record<string, () => Promise<Answer>> = {
  'GET /v1/runs': () => request('/v1/runs'),
  'GET /v1/runs?status=running': () => request('/v1/runs?status=running'),
  'GET a running run': () => request(`/v1/runs/${RUNNING}`),
  'GET its variables': () => request(`/v1/runs/${RUNNING}/variables`),
  'GET its history': () => request(`/v1/runs/${RUNNING}/variables/x/samples?limit=10`),
  'GET its series': () => request(`/v1/runs/${RUNNING}/variables/x/series?points=10`),
};

/** A completed run's reads: S3 holds it all, so they answer whatever Redis does. */
const SERVED_FROM_S3: Record<string, () => Promise<Answer>> = {
  'GET the completed run': () => request(`/v1/runs/${COMPLETED}`),
  'GET its variables': () => request(`/v1/runs/${COMPLETED}/variables`),
  'GET its history': () => request(`/v1/runs/${COMPLETED}/variables/x/samples`),
  'GET its series': () => request(`/v1/runs/${COMPLETED}/variables/x/series?points=10`),
  'GET completed runs': () => request('/v1/runs?status=completed'),
};

async function answers(
  probes: Record<string, () => Promise<Answer>>,
): Promise<Record<string, Answer>> {
  const entries = await Promise.all(
    Object.entries(probes).map(async ([name, probe]) => [name, await probe()] as const),
  );
  return Object.fromEntries(entries);
}

/** 503 `unavailable` with a Retry-After, for each. */
function expectUnavailable(got: Record<string, Answer>): void {
  for (const [name, answer] of Object.entries(got)) {
    expect({ name, ...answer }).toMatchObject({
      name,
      status: 503,
      retryAfter: expect.stringMatching(/^\d+$/) as unknown,
      body: { error: { code: 'unavailable' } },
    });
  }
}

/** The completed run, exactly as written: 200 for each read. */
function expectCompletedServed(got: Record<string, Answer>): void {
  for (const [name, answer] of Object.entries(got))
    expect({ name, status: answer.status }).toEqual({ name, status: 200 });
  const history = got['GET its history']?.body as { first: number; t: number[]; more: boolean };
  expect(history.first).toBe(1);
  expect(history.t).toEqual(Array.from({ length: COMPLETED_SAMPLES }, (_, i) => i + 1));
  const runs = (got['GET completed runs']?.body as { runs: { id: string }[] }).runs;
  expect(runs.map((r) => r.id)).toContain(COMPLETED);
}

/** A socket subscribe's acknowledgement (and the snapshot samples before it), within the bound. */
async function subscribe(
  run: string,
): Promise<{ ack: { ok: boolean; lastSeq?: number; error?: { code: string } }; samples: number }> {
  const socket: Socket = connect(system.ingest.baseUrl, {
    auth: { token: READ_TOKEN },
    transports: ['websocket'],
    reconnection: false,
  });
  let samples = 0;
  socket.on('snapshot', (chunk: { t: number[] }) => {
    samples += chunk.t.length;
  });
  try {
    const ack = (await socket
      .timeout(ANSWER_WITHIN_MS)
      .emitWithAck('subscribe', { run, variable: 'x' })) as {
      ok: boolean;
      lastSeq?: number;
      error?: { code: string };
    };
    return { ack, samples };
  } finally {
    socket.disconnect();
  }
}

/** Redis away (killed or frozen): everything that needs it 503, the completed run served. */
async function expectOutageAnswers(): Promise<void> {
  const [writes, reads, cold, running, completed] = await Promise.all([
    answers(NEEDS_REDIS_TO_WRITE),
    answers(NEEDS_REDIS_TO_READ),
    answers(SERVED_FROM_S3),
    subscribe(RUNNING),
    subscribe(COMPLETED),
  ]);
  expectUnavailable(writes);
  expectUnavailable(reads);
  expectCompletedServed(cold);
  expect(running.ack).toMatchObject({ ok: false, error: { code: 'unavailable' } });
  expect(completed.ack).toEqual({ ok: true, lastSeq: COMPLETED_SAMPLES });
  expect(completed.samples).toBe(COMPLETED_SAMPLES);
  const ready = await request('/readyz');
  expect(ready).toMatchObject({ status: 503, body: { checks: { redis: false } } });
}

/** Back by itself: ready, a write answered 200, and the producer acknowledged anew. */
async function expectBack(): Promise<void> {
  const acknowledged = system.producer.stats.acknowledged;
  await waitFor('ingest ready again', async () =>
    (await request('/readyz')).status === 200 ? true : undefined,
  );
  await waitFor('a write to succeed', async () =>
    (await NEEDS_REDIS_TO_WRITE['POST samples']?.())?.status === 200 ? true : undefined,
  );
  await waitFor('the producer to write again', () =>
    system.producer.stats.acknowledged > acknowledged ? true : undefined,
  );
}

/** Waits until the producer has had some samples acknowledged since `after`. */
const producerWrote = (after: number): Promise<true> =>
  waitFor('the producer to write', () =>
    system.producer.stats.acknowledged > after ? true : undefined,
  );

describe('ingest with Redis in trouble (real processes)', () => {
  // Generous: spawnIngest may compile ingest first.
  jest.setTimeout(180_000);

  it('answers 503 + Retry-After while Redis is SIGKILLed, and is back once it restarts', async () => {
    await producerWrote(0);
    const { redis } = system;
    const exited = new Promise((resolve) => redis.process.once('exit', resolve));
    redis.process.kill('SIGKILL');
    await exited;

    await expectOutageAnswers();

    await system.restartRedis();
    await expectBack();
  });

  it('answers 503 + Retry-After while Redis is frozen (SIGSTOP), and is back after SIGCONT', async () => {
    await producerWrote(system.producer.stats.acknowledged);
    system.redis.process.kill('SIGSTOP');
    try {
      await expectOutageAnswers();
      // A second round while still frozen, behind the first round's timed-out commands: alike.
      await expectOutageAnswers();
    } finally {
      system.redis.process.kill('SIGCONT');
    }
    await expectBack();
  });

  it('answers writes 503 + Retry-After while Redis is at maxmemory (its own OOM), and reads 200', async () => {
    await producerWrote(system.producer.stats.acknowledged);
    const admin = HotStore.connect(system.redis.url);
    try {
      await admin.redis.config('SET', 'maxmemory', '1');
      try {
        const [writes, reads, cold] = await Promise.all([
          answers(NEEDS_REDIS_TO_WRITE),
          answers(NEEDS_REDIS_TO_READ),
          answers(SERVED_FROM_S3),
        ]);
        expectUnavailable(writes);
        expect(writes['POST /v1/runs']?.body).toMatchObject({
          error: { message: expect.stringContaining('full') as unknown },
        });
        for (const [name, answer] of Object.entries(reads))
          expect({ name, status: answer.status }).toEqual({ name, status: 200 });
        expectCompletedServed(cold);
      } finally {
        await admin.redis.config('SET', 'maxmemory', '0');
      }
    } finally {
      await admin.close();
    }
    await expectBack();
  });

  it('has every sample the producer logged, exactly once, in order', async () => {
    system.stopLogging();
    await system.producer.flush();
    const logged = system.logged();
    expect(system.producer.stats).toMatchObject({ dropped: 0, acknowledged: logged });
    const reader = new RunstreamClient({ url: system.ingest.baseUrl, token: READ_TOKEN });
    const seqs: number[] = [];
    const ts: number[] = [];
    for await (const chunk of reader.history(RUNNING, 'x')) {
      chunk.t.forEach((t, i) => {
        seqs.push(chunk.first + i);
        ts.push(t);
      });
    }
    const expected = Array.from({ length: logged }, (_, i) => i + 1);
    expect(seqs.length).toBe(logged);
    expect(seqs).toEqual(expected);
    expect(ts).toEqual(expected);
  });
});
