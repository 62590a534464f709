/**
 * `node apps/bench/dist/live-replicas.js` (after `npm run build`): live
 * fan-out across two ingest replicas through each Socket.IO adapter, next to
 * one ingest process without one and to a bare Socket.IO broadcast (Express
 * and Socket.IO emitting each body to its rooms, nothing else: the
 * baseline), in the same run. A producer posts to replica A (closed loop);
 * subscribers, raw Socket.IO clients in this process, are split between A
 * and B (all on the one process for the others), each on one of the
 * variables. Per round: samples delivered per
 * second over all subscribers and POST → receipt latency (p50, p99), every
 * subscriber checked to get exactly seqs 1..N in order; then the cheap path:
 * batches/s to a variable no one subscribes to. Rounds alternate the
 * subjects; figures are medians over rounds, ratios medians of per-round ratios.
 */
import { positiveEnv } from './positive-env';
import { freePort, startRedis, startS3Server } from '@runstream/testkit';
import { Agent, request } from 'node:http';
import { io, type Socket } from 'socket.io-client';
import { stopLoudly } from './child-server';
import { startBareServer } from './servers/bare-server';
import { formatTable } from './report';
import { figures, runRounds } from './runner';
import {
  READ_TOKEN,
  WRITE_TOKEN,
  startIngestServer,
  type IngestServer,
} from './servers/ingest-server';
import { percentile } from './stats';

const env = positiveEnv;
const SUBSCRIBERS = env('BENCH_LIVE_SUBSCRIBERS', 200);
const VARIABLES = env('BENCH_LIVE_VARIABLES', 10);
const SAMPLES = env('BENCH_LIVE_SAMPLES_PER_VARIABLE', 10);
const SECONDS = env('BENCH_LIVE_SECONDS', 3);
const ROUNDS = env('BENCH_LIVE_ROUNDS', 3);
/** POSTs in flight at once (a few producers). */
const IN_FLIGHT = env('BENCH_LIVE_IN_FLIGHT', 2);
/** Batches/s sent on a schedule (open loop, for latency below saturation); unset: closed loop. */
const RATE = process.env.BENCH_LIVE_RATE === undefined ? undefined : env('BENCH_LIVE_RATE', 1);

const SUBJECTS = ['bare', 'none', 'redis-streams', 'redis-sharded'] as const;
/** 'bare': the bare Socket.IO server; otherwise ingest's LIVE_ADAPTER. */
type SubjectName = (typeof SUBJECTS)[number];
/** BENCH_LIVE_SUBJECTS (comma-separated) picks some; the first is the baseline of the ratios. */
const CHOSEN: SubjectName[] = (process.env.BENCH_LIVE_SUBJECTS ?? SUBJECTS.join(','))
  .split(',')
  .map((name) => {
    const found = SUBJECTS.find((s) => s === name.trim());
    if (found === undefined) throw new Error(`BENCH_LIVE_SUBJECTS: unknown subject '${name}'`);
    return found;
  });

interface Subject {
  adapter: SubjectName;
  producer: IngestServer;
  /** Subscriber i connects to servers[i % length]. */
  servers: IngestServer[];
  clients: Socket[];
}

interface Round {
  deliveredPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  unlistenedBatchesPerSecond: number;
}

const wallMs = (): number => performance.timeOrigin + performance.now();

/** Closed loop: `IN_FLIGHT` POSTs at a time for `seconds`; resolves with the batches answered. */
async function postFor(
  server: IngestServer,
  run: string,
  variables: string[],
  seconds: number,
): Promise<{ batches: number; elapsedMs: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
  const url = new URL(`/v1/runs/${run}/samples`, server.baseUrl);
  let batch = 0;
  const started = performance.now();
  const end = started + seconds * 1000;
  const post = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const stamp = wallMs();
      const body = JSON.stringify({
        producer: 'bench',
        batch: batch++,
        variables: Object.fromEntries(
          variables.map((v) => [
            v,
            { t: new Array<number>(SAMPLES).fill(stamp), v: new Array<number>(SAMPLES).fill(1) },
          ]),
        ),
      });
      const req = request(url, {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${WRITE_TOKEN}` },
      });
      req.on('response', (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode === 200 ? resolve() : reject(new Error(`POST: HTTP ${res.statusCode}`)),
        );
      });
      req.on('error', reject);
      req.end(body);
    });
  const worker = async (): Promise<void> => {
    while (performance.now() < end) await post();
  };
  if (RATE === undefined) await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  else {
    const sent: Promise<void>[] = [];
    for (let k = 0; started + (k * 1000) / RATE < end; k++) {
      const wait = started + (k * 1000) / RATE - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      sent.push(post());
    }
    await Promise.all(sent);
  }
  agent.destroy();
  return { batches: batch, elapsedMs: performance.now() - started };
}

/** One round of a subject: fan-out to every subscriber, then the unlistened variable. */
async function measure(subject: Subject, round: number): Promise<Round> {
  const run = `live-${subject.adapter}-${round}-${Date.now()}`;
  await subject.producer.createRun(run);
  const names = Array.from({ length: VARIABLES }, (_, i) => `v${i}`);
  const latencies: number[] = [];
  const next = subject.clients.map(() => 1);
  let delivered = 0;
  let lastReceipt = 0;
  const problems: string[] = [];
  const handlers = subject.clients.map((client, i) => {
    const variable = names[i % names.length];
    const onSamples = (chunk: {
      run: string;
      variable: string;
      first: number;
      t: number[];
    }): void => {
      if (chunk.run !== run || chunk.variable !== variable) return;
      const now = wallMs();
      if (chunk.first !== next[i])
        problems.push(`subscriber ${i}: seq ${chunk.first}, expected ${next[i]}`);
      next[i] = chunk.first + chunk.t.length;
      delivered += chunk.t.length;
      lastReceipt = now;
      latencies.push(now - (chunk.t[0] ?? now));
    };
    client.on('samples', onSamples);
    return onSamples;
  });
  await Promise.all(
    subject.clients.map(async (client, i) => {
      const ack = (await client.emitWithAck('subscribe', {
        run,
        variable: names[i % names.length],
      })) as { ok: boolean };
      if (!ack.ok) throw new Error(`subscribe refused: ${JSON.stringify(ack)}`);
    }),
  );
  const started = wallMs();
  const { batches } = await postFor(subject.producer, run, names, SECONDS);
  const expected = batches * SAMPLES;
  const deadline = Date.now() + 60_000;
  while (next.some((n) => n - 1 < expected) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 20));
  subject.clients.forEach((client, i) => client.off('samples', handlers[i]));
  await Promise.all(
    subject.clients.map((client, i) =>
      client.emitWithAck('unsubscribe', { run, variable: names[i % names.length] }),
    ),
  );
  const short = next.filter((n) => n - 1 !== expected).length;
  if (problems.length > 0 || short > 0)
    throw new Error(
      `${subject.adapter}: ${short} subscribers did not get exactly 1..${expected}; ${problems.slice(0, 3).join('; ')}`,
    );

  const quiet = `${run}-unlistened`;
  await subject.producer.createRun(quiet);
  const unlistened = await postFor(subject.producer, quiet, ['nobody'], SECONDS);
  return {
    deliveredPerSecond: delivered / ((lastReceipt - started) / 1000),
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    unlistenedBatchesPerSecond: unlistened.batches / (unlistened.elapsedMs / 1000),
  };
}

async function connect(server: IngestServer): Promise<Socket> {
  const socket = io(server.baseUrl, {
    auth: { token: READ_TOKEN },
    transports: ['websocket'],
    forceNew: true,
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  return socket;
}

async function main(): Promise<void> {
  const stops: (() => Promise<unknown>)[] = [];
  try {
    const redis = await startRedis();
    stops.unshift(() => redis.stop());
    const s3 = await startS3Server({ bucket: 'rs-bench-live' });
    stops.unshift(() => s3.dispose());
    const start = async (adapter: SubjectName): Promise<IngestServer> => {
      if (adapter === 'bare') {
        const bare = await startBareServer({
          port: await freePort(),
          maxBodyBytes: 16 * 1024 * 1024,
        });
        stops.unshift(() => stopLoudly(bare));
        return { ...bare, createRun: () => Promise.resolve() };
      }
      const server = await startIngestServer({
        port: await freePort(),
        redisUrl: redis.url,
        s3,
        writeToken: WRITE_TOKEN,
        readToken: READ_TOKEN,
        maxBodyBytes: 16 * 1024 * 1024,
        env: { LIVE_ADAPTER: adapter, LOG_LEVEL: 'warn' },
        // Five processes start one after another on a shared machine.
        readyTimeoutMs: 60_000,
      });
      stops.unshift(() => stopLoudly(server));
      return server;
    };
    const subjects: Subject[] = [];
    for (const adapter of CHOSEN) {
      const a = await start(adapter);
      const servers = adapter === 'none' || adapter === 'bare' ? [a] : [a, await start(adapter)];
      const clients: Socket[] = [];
      for (let i = 0; i < SUBSCRIBERS; i++)
        clients.push(await connect(servers[i % servers.length] as IngestServer));
      stops.unshift(() => {
        for (const c of clients) c.close();
        return Promise.resolve();
      });
      subjects.push({ adapter, producer: a, servers, clients });
    }
    console.log(
      `live fan-out: ${SUBSCRIBERS} subscribers over ${VARIABLES} variables (split over A and B with an adapter), ` +
        `batches of ${VARIABLES} × ${SAMPLES} samples to A, ` +
        `${RATE === undefined ? `closed loop, ${IN_FLIGHT} POSTs in flight` : `open loop, ${RATE} batches/s`}, ${ROUNDS} rounds × ${SECONDS} s`,
    );
    let pass = 0;
    const runnerSubjects = subjects.map((s) => ({
      name: s.adapter,
      // Each pass writes a run of its own (measure's second argument).
      measure: () => measure(s, pass++),
      describe: (r: Round) =>
        `delivered ${Math.round(r.deliveredPerSecond)} samples/s, p50 ${r.p50Ms.toFixed(2)} ms, ` +
        `p99 ${r.p99Ms.toFixed(2)} ms; unlistened ${Math.round(r.unlistenedBatchesPerSecond)} batches/s`,
    }));
    const rounds = await runRounds(runnerSubjects, ROUNDS, (line) => console.log(line));
    const table = formatTable({
      phase: 'live-replicas',
      title: `live fan-out, ratios to ${CHOSEN[0]}`,
      figures: [
        ...figures(runnerSubjects, rounds, {
          figure: 'delivered samples/s',
          value: (r) => r.deliveredPerSecond,
          ratios: true,
        }),
        ...figures(runnerSubjects, rounds, {
          figure: 'p50 ms',
          value: (r) => r.p50Ms,
          ratios: true,
        }),
        ...figures(runnerSubjects, rounds, {
          figure: 'p99 ms',
          value: (r) => r.p99Ms,
          ratios: true,
        }),
        ...figures(runnerSubjects, rounds, {
          figure: 'unlistened batches/s',
          value: (r) => r.unlistenedBatchesPerSecond,
          ratios: true,
        }),
      ],
    });
    for (const line of table) console.log(line);
  } finally {
    for (const stop of stops) await stop().catch((err: unknown) => console.error(err));
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
