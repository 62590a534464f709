import { ColdStore, coldStoreConfigFromEnv, coldStoreEnvOf } from '@runstream/cold-store';
import { decodeValue, encodeNumber, parseIngestBatch } from '@runstream/domain';
import { HotStore } from '@runstream/hot-store';
import { TieredHistory } from '@runstream/tiering';
import {
  seqCoverageProblem,
  startRedis,
  startS3Server,
  waitFor,
  type RunningRedis,
  type RunningS3Server,
} from '@runstream/testkit';
import type { Queue } from 'bullmq';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { loadConfig, type WorkerConfig } from '../config';
import { WorkerMetrics } from '../metrics';
import { createWorkerApp, type WorkerApp } from '../worker-app';

/**
 * Shared set-up of the worker's integration tests: a real redis-server and
 * a real S3-protocol server (s3rver), the stores a test inspects them with,
 * and workers built through the same config path as main.ts.
 */
export interface Backends {
  redis: RunningRedis;
  s3: RunningS3Server;
  hot: HotStore;
  cold: ColdStore;
  history: TieredHistory;
  /** The environment a worker needs to reach both servers. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export async function startBackends(options: { maxmemory?: string } = {}): Promise<Backends> {
  const [redis, s3] = await Promise.all([
    startRedis(options.maxmemory !== undefined ? { maxmemory: options.maxmemory } : {}),
    startS3Server(),
  ]);
  const env: Record<string, string> = {
    REDIS_URL: redis.url,
    ...coldStoreEnvOf(s3.connection),
    HOST: '127.0.0.1',
    PORT: '0',
  };
  const hot = HotStore.connect(redis.url);
  const cold = new ColdStore(coldStoreConfigFromEnv(loadConfig(env)));
  return {
    redis,
    s3,
    hot,
    cold,
    history: new TieredHistory(hot, cold),
    env,
    stop: async () => {
      cold.close();
      await hot.close();
      await Promise.all([redis.stop(), s3.dispose()]);
    },
  };
}

/**
 * Settings that make every flush move everything: a low-water mark of 0
 * against a budget no test reaches (used/limit stays above 0 and far under
 * the flush threshold, so the watchdog stays idle). Only for Redis without
 * maxmemory (with one, the budget is ignored).
 */
export const FLUSH_EVERYTHING = {
  FLUSH_LOW_WATER: '0',
  REDIS_MEMORY_BUDGET_BYTES: String(2 ** 40),
};

/** A log line as pino wrote it. */
export type LogLine = Record<string, unknown> & { msg?: string; level: number };

/** A pino logger whose lines a test can read (`lines`), printed nowhere. */
export function memoryLogger(level = 'info'): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString().split('\n'))
        if (text !== '') lines.push(JSON.parse(text) as LogLine);
      done();
    },
  });
  return { logger: pino({ level }, stream), lines };
}

export interface TestWorker {
  app: WorkerApp;
  config: WorkerConfig;
  lines: LogLine[];
}

/** Builds and starts a worker in this process, through loadConfig as main.ts does. */
export async function startWorker(
  env: Record<string, string>,
  overrides: Record<string, string> = {},
): Promise<TestWorker> {
  const config = loadConfig({ ...env, ...overrides });
  const { logger, lines } = memoryLogger();
  const app = createWorkerApp({
    config,
    logger,
    metrics: new WorkerMetrics({ defaultMetrics: false }),
  });
  await app.start();
  return { app, config, lines };
}

/** The value of sample `seq` (t is seq - 1): NaN and -Infinity among them, which must survive. */
export function valueOf(seq: number): number {
  if (seq % 10 === 0) return NaN;
  if (seq % 10 === 5) return -Infinity;
  return seq * 0.5;
}

/** Writes `batches` batches of `size` samples to each variable, after `offset` earlier samples. */
export async function writeSamples(
  hot: HotStore,
  run: string,
  variables: string[],
  batches: number,
  size: number,
  offset = 0,
): Promise<void> {
  for (let b = 0; b < batches; b++) {
    const seqs = Array.from({ length: size }, (_, i) => offset + b * size + i + 1);
    // NaN and -Infinity travel tagged ({$num}), as the SDK sends them.
    const series = { t: seqs.map((s) => s - 1), v: seqs.map((s) => encodeNumber(valueOf(s))) };
    await hot.writer.write(
      run,
      parseIngestBatch({ variables: Object.fromEntries(variables.map((v) => [v, series])) }),
    );
  }
}

/**
 * A writer that keeps writing small batches to `variables` until stopped,
 * to show that flushes (and crashes) never stop writers.
 */
export function backgroundWriter(
  hot: HotStore,
  run: string,
  variables: string[],
  offset: number,
  size = 50,
): { written(): number; stop(): Promise<number> } {
  let written = offset;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      await writeSamples(hot, run, variables, 1, size, written);
      written += size;
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  return {
    written: () => written,
    stop: async () => {
      stopped = true;
      await loop;
      return written;
    },
  };
}

/**
 * A variable's history read through TieredHistory, as seqs; throws when a
 * sample's t or v is not its own (nothing shifted or altered between tiers).
 */
export async function readHistory(
  history: TieredHistory,
  run: string,
  variable: string,
): Promise<number[]> {
  const seqs: number[] = [];
  for await (const chunk of history.chunks(run, variable)) {
    chunk.t.forEach((t, i) => {
      const seq = chunk.first + i;
      const v = decodeValue(chunk.v[i] ?? null);
      if (t !== seq - 1 || !Object.is(v, valueOf(seq)))
        throw new Error(`${run}/${variable} seq ${seq}: got t=${t} v=${String(v)}`);
      seqs.push(seq);
    });
  }
  return seqs;
}

/** Undefined when the history is exactly 1..n with the right values, else what is wrong. */
export async function historyProblem(
  b: Pick<Backends, 'history'>,
  run: string,
  variable: string,
  n: number,
): Promise<string | undefined> {
  return seqCoverageProblem(await readHistory(b.history, run, variable), n);
}

/** The seqs in the variable's S3 segments; throws when two segments overlap. */
export async function segmentSeqs(
  cold: ColdStore,
  run: string,
  variable: string,
): Promise<number[]> {
  const seqs: number[] = [];
  let last = 0;
  for (const segment of await cold.listSegments(run, variable)) {
    if (segment.first <= last)
      throw new Error(`${segment.key} overlaps the segment before it (up to seq ${last})`);
    last = segment.last;
    for await (const chunk of cold.readSegment(segment.key))
      chunk.t.forEach((_, i) => seqs.push(chunk.first + i));
  }
  return seqs;
}

/** The variable's sample count (its last seq) as Redis counts it. */
export async function sampleCount(hot: HotStore, run: string, variable: string): Promise<number> {
  return (await hot.reader.stats(run, variable))?.count ?? 0;
}

/** Waits until the queue has no job waiting, active, delayed or prioritized (seen twice in a row). */
export async function waitForIdleQueue(queue: Queue, timeoutMs = 20_000): Promise<void> {
  let idleSeen = 0;
  await waitFor(
    `queue ${queue.name} to be idle`,
    async () => {
      const counts = await queue.getJobCounts('active', 'waiting', 'delayed', 'prioritized');
      idleSeen = Object.values(counts).every((n) => n === 0) ? idleSeen + 1 : 0;
      return idleSeen >= 2 ? true : undefined;
    },
    timeoutMs,
  );
}

/** Flush reports this worker logged ('flush done' lines). */
export function flushReports(lines: LogLine[]): LogLine[] {
  return lines.filter((l) => l.msg === 'flush done');
}

/** GET on the worker's health server. */
export async function getJson(
  app: WorkerApp,
  path: string,
): Promise<{ status: number; body: unknown; text: string }> {
  const { port } = app.address();
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, body, text };
}
