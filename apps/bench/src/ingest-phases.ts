/**
 * The throughput and latency phases: the real ingest process against a bare
 * Express server that only parses the same bodies (the ceiling), one that
 * also RPUSHes each body to Redis, and one that parses without Express
 * (node:http alone, as ingest now serves its common sample post), all in
 * child processes, the load generator and the subscriber here. Issue 13's
 * table: ingest / bare for each of RATIO_SHAPES (and / bare node:http), the
 * binary body next to JSON, CPU per sample, Redis bytes per sample; then
 * POST → subscriber latency at half of ingest's rate.
 */
import { freePort, startRedis, startS3Server } from '@runstream/testkit';
import { Redis } from 'ioredis';
import { BENCH_BATCH, BodyPool, RATIO_SHAPES, shapeLabel } from './bodies';
import { stopLoudly, type ChildServer } from './child-server';
import type { BenchConfig } from './config';
import { CpuMeter } from './cpu-usage';
import { LatencyProbe } from './latency-probe';
import { LoadGenerator, assertAllAnswered } from './load-generator';
import { fmtCpu, fmtInt, type PhaseTable } from './report';
import { figures, meets, runRounds, versus, type Figure, type Subject } from './runner';
import { startBareServer } from './servers/bare-server';
import {
  MAX_BODY_BYTES,
  READ_TOKEN,
  WRITE_TOKEN,
  ingestProfileSummary,
  startIngestServer,
  type IngestServer,
} from './servers/ingest-server';
import { roundPauses, runQueueSecondsOf, scrapePauses, type RoundPauses } from './pause-metrics';
import { median, summarize } from './stats';
import { Teardown } from './teardown';

/** Bare + Redis writes to a database of its own (ingest uses 0), under a key of its own. */
const BARE_REDIS_DB = 1;
const BARE_REDIS_KEY = 'bench:bare-redis:bodies';

/** Issue 13's targets: ingest / bare by shape, binary / JSON, CPU and Redis bytes per sample. */
const SHAPE_TARGETS: Readonly<Record<string, number>> = {
  '10 × 100': 0.85,
  '10 × 1000': 0.75,
  '1 × 10': 0.7,
};
/** Binary bodies' samples/s over JSON's, same batches, same rounds. */
const BINARY_TO_JSON_TARGET = 2;
/** VictoriaMetrics' CPU per sample on the same workload and machine class (issue 13). */
const CPU_MICROS_PER_SAMPLE_TARGET = 0.41;
const REDIS_BYTES_PER_SAMPLE_TARGET = 18;
/** POST → subscriber p99, or this times bare's where bare's own is above it. */
const LATENCY_P99_TARGET_MS = 10;
const LATENCY_TO_BARE_TARGET = 1.5;

/** After the last answer, how long the subscriber may take to get the last events. */
const DRAIN_TIMEOUT_MS = 2_000;

export interface LoadPlan {
  seconds: number;
  warmupSeconds: number;
  connections: number;
}

export interface LoadRound {
  samplesPerSecond: number;
  requestsPerSecond: number;
  /** Share of one core per process during the round, in percent. */
  cpuPercent: Record<string, number>;
}

interface LatencyRound {
  p50: number;
  p99: number;
  max: number;
  sent: number;
  received: number;
  latencies: number[];
  lagMs: number[];
  /** Ingest's own event-loop delay and GC in the round (its /metrics). */
  pauses?: RoundPauses;
  /** Per process of the subject, ms a second its main thread waited for a CPU. */
  runQueueMsPerSecond: Record<string, number>;
}

/** A server as the phases use it: where it listens and the processes whose CPU counts. */
interface Server {
  name: string;
  child: ChildServer;
  pids: Record<string, number>;
  /** After the warm-up and each round, outside the measured time (bare + Redis: check and clear). */
  afterLoad?: (answered: number) => Promise<void>;
}

/** What the throughput and latency tables are measured with. */
interface Bench {
  config: BenchConfig;
  log: (line: string) => void;
  teardown: Teardown;
  servers: Record<'bare' | 'bareNode' | 'bareRedis' | 'ingest', Server>;
  redisUrl: string;
  ingest: IngestServer;
  /** The run every load writes to. */
  run: string;
}

/**
 * Starts a redis-server, an s3rver, ingest and the three bare servers, runs
 * issue 13's table (a table per batch shape) and, when asked, the latency
 * table, then stops them all. With a profile folder, ingest writes its CPU
 * profile, summarised here.
 */
export async function ingestPhases(
  config: BenchConfig,
  outer: Teardown,
  log: (line: string) => void,
  profileDir: string | undefined,
): Promise<{ tables: PhaseTable[]; profileSummary?: string }> {
  // Its own teardown, run when these phases end, so the servers are gone during
  // the next phases; the outer one runs it if a phase fails.
  const teardown = new Teardown();
  outer.add('ingest phases', () => teardown.run());
  const bench = await startServers(config, log, teardown, profileDir);
  const tables: PhaseTable[] = [];
  // One pool per shape for every subject: batch numbers never repeat, so ingest never dedups.
  const pools = RATIO_SHAPES.map(
    (shape) =>
      new BodyPool(shape, {
        producer: `bench-${process.pid}-${shape.variables}x${shape.samplesPerVariable}`,
      }),
  );
  let ingestRequestsPerSecond = 0;
  for (const pool of pools) {
    const { table, ingestRounds } = await shapeTable(bench, pool);
    tables.push(table);
    if (pool.shape === BENCH_BATCH)
      ingestRequestsPerSecond = median(ingestRounds.map((r) => r.requestsPerSecond));
  }
  if (config.BENCH_PHASES.includes('latency'))
    tables.push(await latencyTable(bench, pools[0] as BodyPool, ingestRequestsPerSecond / 2));

  if (profileDir === undefined) {
    await teardown.run();
    return { tables };
  }
  // The profile is written when the process exits: stop it now rather than in the teardown.
  await stopLoudly(bench.ingest);
  const { file, summary } = ingestProfileSummary(profileDir, bench.ingest.pid);
  await teardown.run();
  return {
    tables,
    profileSummary: `\ningest CPU profile (throughput and latency phases): ${file}\n${summary}`,
  };
}

async function startServers(
  config: BenchConfig,
  log: (line: string) => void,
  teardown: Teardown,
  profileDir: string | undefined,
): Promise<Bench> {
  log('starting redis-server, s3rver, ingest and the three bare servers…');
  const redis = await startRedis();
  teardown.add('redis-server', () => redis.stop());
  // Ingest needs a cold store to start (history reads, readiness); nothing here flushes to it.
  const s3 = await startS3Server({ bucket: 'rs-bench-ingest' });
  teardown.add('s3rver', () => s3.dispose());
  const ingest = await startIngestServer({
    port: await freePort(),
    redisUrl: redis.url,
    s3,
    writeToken: WRITE_TOKEN,
    readToken: READ_TOKEN,
    maxBodyBytes: MAX_BODY_BYTES,
    ...(profileDir !== undefined ? { cpuProfileDir: profileDir } : {}),
  });
  teardown.add('ingest', () => stopLoudly(ingest));
  const bare = await startBareServer({ port: await freePort(), maxBodyBytes: MAX_BODY_BYTES });
  teardown.add('bare server', () => stopLoudly(bare));
  const bareNode = await startBareServer({
    port: await freePort(),
    maxBodyBytes: MAX_BODY_BYTES,
    http: 'node',
  });
  teardown.add('bare node:http server', () => stopLoudly(bareNode));
  const bareRedisUrl = new URL(redis.url);
  bareRedisUrl.pathname = `/${BARE_REDIS_DB}`;
  const bareRedis = await startBareServer({
    port: await freePort(),
    maxBodyBytes: MAX_BODY_BYTES,
    redis: { url: bareRedisUrl.href, key: BARE_REDIS_KEY },
  });
  teardown.add('bare+redis server', () => stopLoudly(bareRedis));
  const client = new Redis(bareRedisUrl.href, { maxRetriesPerRequest: 3 });
  teardown.add('bare+redis client', () => client.quit());
  const run = `bench-${Date.now()}`;
  await ingest.createRun(run);
  const redisPid = redis.process.pid ?? -1;
  return {
    config,
    log,
    teardown,
    redisUrl: redis.url,
    ingest,
    run,
    servers: {
      bare: { name: 'bare', child: bare, pids: { bare: bare.pid } },
      bareNode: { name: 'bare node:http', child: bareNode, pids: { bare: bareNode.pid } },
      bareRedis: {
        name: 'bare + Redis',
        child: bareRedis,
        pids: { bare: bareRedis.pid, redis: redisPid },
        // Every answered request stored its body (else the figure is not what it
        // claims), then DEL, so Redis holds at most one round of bodies.
        afterLoad: async (answered: number) => {
          const stored = await client.llen(BARE_REDIS_KEY);
          await client.del(BARE_REDIS_KEY);
          if (stored !== answered)
            throw new Error(`bare+redis: ${stored} bodies in Redis after ${answered} answered`);
        },
      },
      ingest: { name: 'ingest', child: ingest, pids: { ingest: ingest.pid, redis: redisPid } },
    },
  };
}

/** A load generator aimed at `server`'s samples route, closed by the teardown. */
function generator(
  b: Bench,
  server: Server,
  pool: BodyPool,
  binary = false,
  run = b.run,
): LoadGenerator {
  const load = new LoadGenerator(
    { url: new URL(`/v1/runs/${run}/samples`, server.child.baseUrl), token: WRITE_TOKEN },
    pool,
    { maxSockets: b.config.BENCH_CONNECTIONS, binary },
  );
  b.teardown.add(`${server.name} load generator`, () => Promise.resolve(load.close()));
  return load;
}

/**
 * One batch shape of issue 13's table: ingest against bare (and bare node:http;
 * bare + Redis for 10 × 100), the binary body next to JSON for the large
 * shapes, CPU per sample, and for 10 × 100 Redis bytes per sample.
 */
async function shapeTable(
  b: Bench,
  pool: BodyPool,
): Promise<{ table: PhaseTable; ingestRounds: LoadRound[] }> {
  const { config, servers } = b;
  const label = shapeLabel(pool.shape);
  const plan: LoadPlan = {
    seconds: config.BENCH_SECONDS,
    warmupSeconds: config.BENCH_WARMUP_SECONDS,
    connections: config.BENCH_CONNECTIONS,
  };
  const subject = (name: string, server: Server, binary = false): Subject<LoadRound> =>
    throughputSubject(
      name,
      generator(b, server, pool, binary),
      server.pids,
      plan,
      server.afterLoad,
    );
  const large = pool.samplesPerBody >= 100;
  const subjects = [
    { ...subject('bare', servers.bare), baseline: true as const },
    subject('bare node:http', servers.bareNode),
    ...(pool.shape === BENCH_BATCH ? [subject('bare + Redis', servers.bareRedis)] : []),
    subject('ingest', servers.ingest),
    ...(large ? [subject('ingest, binary body', servers.ingest, true)] : []),
  ];
  b.log(
    `\nthroughput of ${label} batches: closed loop, ${config.BENCH_CONNECTIONS} connections, ` +
      `${config.BENCH_ROUNDS} rounds × ${config.BENCH_SECONDS} s`,
  );
  const rounds = await runRounds(subjects, config.BENCH_ROUNDS, b.log);
  const rows = figures(subjects, rounds, {
    figure: large ? 'samples/s' : 'requests/s',
    value: (r) => (large ? r.samplesPerSecond : r.requestsPerSecond),
    ratios: true,
    targets: {
      ingest: { on: 'ratio', target: { atLeast: SHAPE_TARGETS[label] ?? 0 }, unit: 'share' },
    },
  });
  // Beside the ceiling, the floor of the path ingest's sample post now takes.
  rows.push(versus(rows, 'ingest', 'bare node:http'));
  if (large)
    rows.push(
      versus(rows, 'ingest, binary body', 'ingest', {
        target: { atLeast: BINARY_TO_JSON_TARGET },
        unit: 'share',
      }),
    );
  // Server CPU per sample: (ingest % + redis %) of a core over samples/s, in µs.
  const ingests = subjects.filter((s) => s.name.startsWith('ingest'));
  rows.push(
    ...figures(
      ingests,
      ingests.map((s) => rounds[subjects.indexOf(s)] ?? []),
      {
        figure: 'µs CPU/sample (ingest + Redis)',
        value: (r) =>
          (((r.cpuPercent.ingest ?? 0) + (r.cpuPercent.redis ?? 0)) * 1e4) / r.samplesPerSecond,
        ...(large
          ? {
              targets: Object.fromEntries(
                ingests.map((s) => [
                  s.name,
                  { on: 'median', target: { atMost: CPU_MICROS_PER_SAMPLE_TARGET }, unit: 'µs' },
                ]),
              ),
            }
          : {}),
      },
    ),
  );
  if (pool.shape === BENCH_BATCH) {
    const bytes = await redisBytesPerSample(b, pool);
    rows.push({
      subject: 'ingest',
      figure: 'Redis B/sample (used_memory growth)',
      perRound: [bytes],
      median: bytes,
      target: `≤ ${REDIS_BYTES_PER_SAMPLE_TARGET} B`,
      met: bytes <= REDIS_BYTES_PER_SAMPLE_TARGET,
    });
  }
  return {
    ingestRounds: rounds[subjects.findIndex((s) => s.name === 'ingest')] ?? [],
    table: {
      phase: 'throughput',
      title:
        `${label} batches (JSON ${fmtInt(Buffer.byteLength(pool.next()))} B, binary ${fmtInt(pool.binaryBody().length)} B), ` +
        `closed loop, ${config.BENCH_CONNECTIONS} connections, ${config.BENCH_ROUNDS} rounds × ${config.BENCH_SECONDS} s`,
      figures: rows,
      notes: subjects.map(
        (s, i) => `CPU, % of a core (median), ${s.name}: ${fmtCpu(rounds[i] ?? [])}`,
      ),
    },
  };
}

/**
 * POST → subscriber latency, open loop at `rate` requests/s, each body
 * stamped with its send time; the probe subtracts it from the arrival time
 * of the `samples` event.
 */
async function latencyTable(b: Bench, pool: BodyPool, rate: number): Promise<PhaseTable> {
  const { config } = b;
  b.log(
    `\nlatency: open loop at ${Math.round(rate)} req/s, ${config.BENCH_ROUNDS} rounds × ${config.BENCH_SECONDS} s`,
  );
  // A run of its own: a subscriber to the throughput run would first be sent its millions of samples.
  const run = `${b.run}-latency`;
  await b.ingest.createRun(run);
  const target = { run, variable: pool.stampedVariable };
  const latencySubject = async (server: Server): Promise<Subject<LatencyRound>> => {
    const load = generator(b, server, pool, false, run);
    const probe = await LatencyProbe.subscribe(server.child.baseUrl, READ_TOKEN, target);
    b.teardown.add(`${server.name} subscriber`, () => Promise.resolve(probe.close()));
    // Ingest serves prom-client's default metrics: its event loop and GC during the round.
    const pausesOf = server === b.servers.ingest ? server.child.baseUrl : undefined;
    // This process too: the load generator and the subscriber that times the events run here.
    const queuedPids = { ...server.pids, bench: process.pid };
    const pass = async (seconds: number): Promise<LatencyRound> => {
      probe.take();
      const before = probe.count;
      const pausesBefore = pausesOf === undefined ? undefined : await scrapePauses(pausesOf);
      const queuedBefore = runQueueSeconds(queuedPids);
      const result = assertAllAnswered(
        server.name,
        await load.openLoop(rate, seconds * 1000, { stamp: true }),
      );
      // Ingest emits before it answers, but delivery to the subscriber can trail the answer.
      await probe.waitForCount(before + result.ok, DRAIN_TIMEOUT_MS);
      const queuedAfter = runQueueSeconds(queuedPids);
      const pauses =
        pausesOf === undefined || pausesBefore === undefined
          ? undefined
          : roundPauses(pausesBefore, await scrapePauses(pausesOf), seconds);
      await server.afterLoad?.(result.ok);
      const latencies = probe.take();
      if (latencies.length === 0)
        throw new Error(`${server.name}: the subscriber received nothing`);
      const d = summarize(latencies);
      const received = probe.count - before;
      return {
        p50: d.p50,
        p99: d.p99,
        max: d.max,
        sent: result.ok,
        received,
        latencies,
        lagMs: result.lagMs,
        ...(pauses !== undefined ? { pauses } : {}),
        runQueueMsPerSecond: Object.fromEntries(
          Object.entries(queuedAfter).map(([name, after]) => [
            name,
            ((after - (queuedBefore[name] ?? after)) * 1e3) / seconds,
          ]),
        ),
      };
    };
    return {
      name: server.name,
      warmUp: config.BENCH_WARMUP_SECONDS === 0 ? false : () => pass(config.BENCH_WARMUP_SECONDS),
      measure: () => pass(config.BENCH_SECONDS),
      describe: (r) =>
        `p50 ${r.p50.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms  max ${r.max.toFixed(2)} ms  (${r.received}/${r.sent} events)`,
    };
  };
  const subjects = [
    { ...(await latencySubject(b.servers.bare)), baseline: true as const },
    await latencySubject(b.servers.bareRedis),
    await latencySubject(b.servers.ingest),
  ];
  const rounds = await runRounds(subjects, config.BENCH_ROUNDS, b.log);
  const p99 = figures(subjects, rounds, { figure: 'p99 ms', value: (r) => r.p99, ratios: true });
  const [bareP99, , ingestP99] = p99 as [Figure, Figure, Figure];
  ingestP99.target = `< ${LATENCY_P99_TARGET_MS} ms, or ≤ ${LATENCY_TO_BARE_TARGET}× bare above it`;
  ingestP99.met =
    meets(ingestP99.median, { below: LATENCY_P99_TARGET_MS }) ||
    (bareP99.median >= LATENCY_P99_TARGET_MS &&
      (ingestP99.ratio?.median ?? Infinity) <= LATENCY_TO_BARE_TARGET);
  return {
    phase: 'latency',
    title: `POST → subscriber, open loop at ${fmtInt(rate)} req/s (half of ingest's max), ${shapeLabel(BENCH_BATCH)} JSON batches`,
    figures: [
      ...figures(subjects, rounds, { figure: 'p50 ms', value: (r) => r.p50, ratios: true }),
      ...p99,
    ],
    notes: subjects.map((s, i) => {
      const rs = rounds[i] ?? [];
      const all = summarize(rs.flatMap((r) => r.latencies));
      const lag = summarize(rs.flatMap((r) => r.lagMs));
      const sum = (k: 'sent' | 'received'): number => rs.reduce((n, r) => n + r[k], 0);
      const pauses = rs.flatMap((r) => (r.pauses === undefined ? [] : [r.pauses]));
      const of = (k: keyof RoundPauses): string => median(pauses.map((p) => p[k])).toFixed(1);
      const queued = Object.keys(rs[0]?.runQueueMsPerSecond ?? {})
        .map(
          (name) => `${name} ${median(rs.map((r) => r.runQueueMsPerSecond[name] ?? 0)).toFixed(0)}`,
        )
        .join(', ');
      return (
        `${s.name}, all events pooled: p50 ${all.p50.toFixed(2)} ms, p99 ${all.p99.toFixed(2)} ms, ` +
        `max ${all.max.toFixed(2)} ms; ${sum('received')}/${sum('sent')} received; pacer lag p99 ${lag.p99.toFixed(2)} ms; ` +
        `waited for a CPU (ms/s, median): ${queued}` +
        (pauses.length === 0
          ? ''
          : `; its event loop held up (medians of rounds) p99 ${of('loopDelayP99Ms')} ms, ` +
            `max ${of('loopDelayMaxMs')} ms; GC ${of('gcMsPerSecond')} ms/s, ${of('gcOver10ms')} pauses > 10 ms`)
      );
    }),
  };
}

/** Run-queue seconds so far of each named process (those without schedstat left out). */
function runQueueSeconds(pids: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, pid] of Object.entries(pids)) {
    const seconds = runQueueSecondsOf(pid);
    if (seconds !== undefined) out[name] = seconds;
  }
  return out;
}

/**
 * A closed-loop load as a runner subject: `plan.connections` senders for
 * `plan.seconds` a round, samples/s, requests/s and the CPU of `pids` (and
 * of this process, the load generator). A failed request fails the bench:
 * a figure that includes errors measures the wrong thing. `afterLoad` runs
 * after the warm-up and each round, outside the measured time.
 */
export function throughputSubject(
  name: string,
  load: Pick<LoadGenerator, 'closedLoop' | 'samplesPerRequest'>,
  pids: Record<string, number>,
  plan: LoadPlan,
  afterLoad?: (answered: number) => Promise<void>,
): Subject<LoadRound> {
  const cpu = new CpuMeter({ ...pids, loadgen: process.pid });
  const closedLoop = async (seconds: number): Promise<number> => {
    const r = assertAllAnswered(name, await load.closedLoop(plan.connections, seconds * 1000));
    await afterLoad?.(r.ok);
    return (r.ok / r.elapsedMs) * 1000;
  };
  return {
    name,
    warmUp: plan.warmupSeconds === 0 ? false : () => closedLoop(plan.warmupSeconds),
    measure: async () => {
      cpu.start();
      const requestsPerSecond = await closedLoop(plan.seconds);
      const cpuPercent = cpu.stop();
      return {
        requestsPerSecond,
        samplesPerSecond: requestsPerSecond * load.samplesPerRequest,
        cpuPercent,
      };
    },
    describe: (r) =>
      `${fmtInt(r.samplesPerSecond).padStart(11)} samples/s ${fmtInt(r.requestsPerSecond).padStart(7)} req/s   cpu: ${fmtCpu([r])}`,
  };
}

/**
 * Growth of Redis's used_memory per sample while ingest takes batches from
 * `pool` for a warm-up's time into a fresh run: what a buffered sample costs
 * Redis (chunk data, stats, acks, allocator rounding), nothing flushed meanwhile.
 */
async function redisBytesPerSample(b: Bench, pool: BodyPool): Promise<number> {
  const run = `${b.run}-bytes`;
  await b.ingest.createRun(run);
  const load = new LoadGenerator(
    { url: new URL(`/v1/runs/${run}/samples`, b.ingest.baseUrl), token: WRITE_TOKEN },
    pool,
    { maxSockets: b.config.BENCH_CONNECTIONS },
  );
  const client = new Redis(b.redisUrl, { maxRetriesPerRequest: 3 });
  try {
    const usedMemory = async (): Promise<number> =>
      Number(/used_memory:(\d+)/.exec(await client.info('memory'))?.[1] ?? Number.NaN);
    const before = await usedMemory();
    const seconds = b.config.BENCH_WARMUP_SECONDS || 1;
    const result = await load.closedLoop(b.config.BENCH_CONNECTIONS, seconds * 1000);
    const samples = assertAllAnswered('ingest', result).ok * pool.samplesPerBody;
    return ((await usedMemory()) - before) / samples;
  } finally {
    load.close();
    await client.quit();
  }
}
