/**
 * `npm run bench`: ingest throughput against a bare Express ceiling and a bare
 * server that also stores each body in Redis, and live latency from POST to a
 * subscriber, each next to those baselines measured in the same run on the same
 * machine. Servers run in child processes; the load generator and the
 * subscriber run here.
 */
import { freePort, startRedis } from '@runstream/testkit';
import { Redis } from 'ioredis';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { BENCH_BATCH, BodyPool } from './bodies';
import type { ChildServer } from './child-server';
import { loadBenchConfig } from './config';
import {
  formatCpuProfileSummary,
  summarizeCpuProfile,
  type CpuProfile,
} from './cpu-profile-summary';
import { CpuMeter } from './cpu-usage';
import { measureLatency } from './latency-phase';
import { LatencyProbe } from './latency-probe';
import { LoadGenerator } from './load-generator';
import {
  LATENCY_TARGET_P99_MS,
  THROUGHPUT_TARGET_RATIO,
  formatReport,
  throughputRatio,
  writeResults,
  type BenchResults,
} from './report';
import { startBareServer } from './servers/bare-server';
import { startIngestServer } from './servers/ingest-server';
import { measureThroughput } from './throughput-phase';

const WRITE_TOKEN = 'bench-write-token-0123456789';
const READ_TOKEN = 'bench-read-token-0123456789';
/** Ingest's default INGEST_MAX_BODY_BYTES; the bare server gets the same limit. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;
/** Bare + Redis writes to a database of its own (ingest uses 0), under a key of its own. */
const BARE_REDIS_DB = 1;
const BARE_REDIS_KEY = 'bench:bare-redis:bodies';

/** Stops what was started, newest first (servers before the Redis they use). */
class Teardown {
  private readonly steps: { name: string; run: () => Promise<unknown> }[] = [];

  add(name: string, run: () => Promise<unknown>): void {
    this.steps.unshift({ name, run });
  }

  async run(): Promise<void> {
    for (const step of this.steps.splice(0)) {
      try {
        await step.run();
      } catch (err) {
        console.error(`stopping ${step.name} failed:`, err);
      }
    }
  }
}

async function main(teardown: Teardown): Promise<void> {
  const config = loadBenchConfig();
  const log = (line: string): void => console.log(line);
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const plan = {
    rounds: config.BENCH_ROUNDS,
    seconds: config.BENCH_SECONDS,
    warmupSeconds: config.BENCH_WARMUP_SECONDS,
    connections: config.BENCH_CONNECTIONS,
  };

  const profileDir = config.BENCH_PROFILE ? join(config.BENCH_RESULTS_DIR, 'profiles') : undefined;
  // Up front (mkdir -p), so an unwritable results folder fails now rather than after the run.
  for (const dir of [config.BENCH_RESULTS_DIR, profileDir])
    if (dir !== undefined) mkdirSync(dir, { recursive: true });

  log('starting redis-server, ingest and the two bare servers…');
  const redis = await startRedis();
  teardown.add('redis-server', () => redis.stop());
  const ingest = await startIngestServer({
    port: await freePort(),
    redisUrl: redis.url,
    writeToken: WRITE_TOKEN,
    readToken: READ_TOKEN,
    maxBodyBytes: MAX_BODY_BYTES,
    ...(profileDir !== undefined ? { cpuProfileDir: profileDir } : {}),
  });
  teardown.add('ingest', () => stopLoudly(ingest));
  const bare = await startBareServer({ port: await freePort(), maxBodyBytes: MAX_BODY_BYTES });
  teardown.add('bare server', () => stopLoudly(bare));
  const bareRedisUrl = new URL(redis.url);
  bareRedisUrl.pathname = `/${BARE_REDIS_DB}`;
  const bareRedis = await startBareServer({
    port: await freePort(),
    maxBodyBytes: MAX_BODY_BYTES,
    redis: { url: bareRedisUrl.href, key: BARE_REDIS_KEY },
  });
  teardown.add('bare+redis server', () => stopLoudly(bareRedis));
  // The bench's own connection to that database: checks and clears the list between loads.
  const bareRedisClient = new Redis(bareRedisUrl.href, { maxRetriesPerRequest: 3 });
  teardown.add('bare+redis client', () => bareRedisClient.quit());
  /**
   * After each warm-up and round of bare+redis: every answered request stored
   * its body (else the figure is not what it claims), then DEL, so Redis holds
   * at most one round of bodies.
   */
  const checkAndClearBareRedis = async (answered: number): Promise<void> => {
    const stored = await bareRedisClient.llen(BARE_REDIS_KEY);
    await bareRedisClient.del(BARE_REDIS_KEY);
    if (stored !== answered)
      throw new Error(`bare+redis: ${stored} bodies in Redis after ${answered} answered requests`);
  };

  // One pool for the whole run: batch numbers never repeat, so ingest never dedups.
  const bodies = new BodyPool(BENCH_BATCH);
  const bodyBytes = Buffer.byteLength(bodies.next());
  const runId = `bench-${Date.now()}`;
  const generator = (server: ChildServer, run: string): LoadGenerator => {
    const g = new LoadGenerator(
      { url: new URL(`/v1/runs/${run}/samples`, server.baseUrl), token: WRITE_TOKEN },
      bodies,
      { maxSockets: plan.connections },
    );
    teardown.add(`${server.name} load generator`, () => Promise.resolve(g.close()));
    return g;
  };

  log(
    `\nthroughput: closed loop, ${plan.connections} connections, ${plan.rounds} rounds × ${plan.seconds} s`,
  );
  const throughputRun = `${runId}-throughput`;
  await ingest.createRun(throughputRun);
  const [bareTput, bareRedisTput, ingestTput] = await measureThroughput(
    [
      {
        label: 'bare',
        generator: generator(bare, throughputRun),
        cpu: new CpuMeter({ bare: bare.pid, loadgen: process.pid }),
      },
      {
        label: 'bare+redis',
        generator: generator(bareRedis, throughputRun),
        cpu: new CpuMeter({
          bare: bareRedis.pid,
          redis: redis.process.pid ?? -1,
          loadgen: process.pid,
        }),
        afterLoad: checkAndClearBareRedis,
      },
      {
        label: 'ingest',
        generator: generator(ingest, throughputRun),
        cpu: new CpuMeter({
          ingest: ingest.pid,
          redis: redis.process.pid ?? -1,
          loadgen: process.pid,
        }),
      },
    ],
    plan,
    log,
  );
  if (bareTput === undefined || bareRedisTput === undefined || ingestTput === undefined)
    throw new Error('throughput phase returned no figures');
  const toBare = throughputRatio(ingestTput, bareTput);

  const ratePerSecond = ingestTput.medianRequestsPerSecond / 2;
  log(
    `\nlatency: open loop at ${Math.round(ratePerSecond)} req/s, ${plan.rounds} rounds × ${plan.seconds} s`,
  );
  const latencyRun = `${runId}-latency`;
  await ingest.createRun(latencyRun);
  const target = { run: latencyRun, variable: bodies.stampedVariable };
  const bareProbe = await LatencyProbe.subscribe(bare.baseUrl, READ_TOKEN, target);
  teardown.add('bare subscriber', () => Promise.resolve(bareProbe.close()));
  const bareRedisProbe = await LatencyProbe.subscribe(bareRedis.baseUrl, READ_TOKEN, target);
  teardown.add('bare+redis subscriber', () => Promise.resolve(bareRedisProbe.close()));
  const ingestProbe = await LatencyProbe.subscribe(ingest.baseUrl, READ_TOKEN, target);
  teardown.add('ingest subscriber', () => Promise.resolve(ingestProbe.close()));
  const [bareLat, bareRedisLat, ingestLat] = await measureLatency(
    [
      { label: 'bare', generator: generator(bare, latencyRun), probe: bareProbe },
      {
        label: 'bare+redis',
        generator: generator(bareRedis, latencyRun),
        probe: bareRedisProbe,
        afterLoad: checkAndClearBareRedis,
      },
      { label: 'ingest', generator: generator(ingest, latencyRun), probe: ingestProbe },
    ],
    { ...plan, ratePerSecond },
    log,
  );
  if (bareLat === undefined || bareRedisLat === undefined || ingestLat === undefined)
    throw new Error('latency phase returned no figures');

  const results: BenchResults = {
    startedAt,
    durationSeconds: (performance.now() - started) / 1000,
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
      node: process.version,
    },
    settings: { ...plan, batch: BENCH_BATCH, bodyBytes },
    throughput: {
      bare: bareTput,
      bareRedis: bareRedisTput,
      ingest: ingestTput,
      ratio: toBare.ratio,
      medianRoundRatio: toBare.medianRoundRatio,
      target: THROUGHPUT_TARGET_RATIO,
      pass: toBare.ratio >= THROUGHPUT_TARGET_RATIO,
      toBareRedis: throughputRatio(ingestTput, bareRedisTput),
      bareRedisToBare: throughputRatio(bareRedisTput, bareTput),
    },
    latency: {
      ratePerSecond,
      bare: bareLat,
      bareRedis: bareRedisLat,
      ingest: ingestLat,
      targetP99Ms: LATENCY_TARGET_P99_MS,
      pass: ingestLat.medianRoundP99Ms < LATENCY_TARGET_P99_MS,
    },
  };
  const path = join(config.BENCH_RESULTS_DIR, 'latest.json');
  writeResults(path, results);
  log(formatReport(results));
  log(`figures written to ${path}`);

  if (profileDir !== undefined) {
    // The profile is written when the process exits: stop it now rather than in the teardown.
    await stopLoudly(ingest);
    const file = readdirSync(profileDir).find(
      (f) => f.includes(`.${ingest.pid}.`) && f.endsWith('.cpuprofile'),
    );
    if (file === undefined)
      throw new Error(`no CPU profile of ingest (pid ${ingest.pid}) in ${profileDir}`);
    const profile = JSON.parse(readFileSync(join(profileDir, file), 'utf8')) as CpuProfile;
    log(`\ningest CPU profile (whole run, both phases): ${join(profileDir, file)}`);
    log(formatCpuProfileSummary(summarizeCpuProfile(profile)));
  }
}

/** A server that exits non-zero on SIGTERM is worth knowing about (e.g. a failed graceful close). */
async function stopLoudly(server: ChildServer): Promise<void> {
  const code = await server.stop();
  if (code !== 0 && code !== null)
    console.error(`${server.name} exited with code ${code}:\n${server.output()}`);
}

const teardown = new Teardown();
process.once('SIGINT', () => {
  void teardown.run().then(() => process.exit(130));
});
main(teardown)
  .then(() => teardown.run())
  .catch(async (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    await teardown.run();
    process.exitCode = 1;
  });
