import { ColdStore, coldStoreEnvOf } from '@runstream/cold-store';
import { HotStore, readMemory, type MemoryReading } from '@runstream/hot-store';
import { Queues } from '@runstream/queues';
import { MemoryPressure, TieredHistory } from '@runstream/tiering';
import type { Producer, RunstreamClient } from '@runstream/sdk';
import { seqCoverageProblem, startS3Server, type RunningS3Server } from '@runstream/testkit';
import { createWorkerApp, loadConfig, WorkerMetrics, type WorkerApp } from '@runstream/worker';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { startIngest, type IngestHarness } from './ingest-harness';

/**
 * Helpers for end-to-end tests of the whole write path: the real ingest app
 * (ingest-harness, given the memory watch and the tiered history below), a
 * real worker in this process (flush queue and drain watchdog, built through
 * the worker's own config as its main.ts does), one redis-server, one s3rver.
 */

/** One INFO memory reading taken by ingest's memory watch, with when it was asked and answered. */
export interface TimedReading {
  reading: MemoryReading;
  /** Date.now() when INFO memory was sent and when its answer came back. */
  startedAt: number;
  endedAt: number;
}

/** A write the memory watch refused: when, and the reading the refusal was based on. */
export interface Refusal {
  at: number;
  /** Undefined would mean a refusal with no reading behind it. */
  basis: TimedReading | undefined;
  /** The reading plus the writes admitted since plus this one, over the limit. */
  projected: number;
}

export interface MemoryWatchOptions {
  /** FLUSH_THRESHOLD; default 0.7 as in production. */
  flushThreshold?: number;
  /** HARD_LIMIT; default 0.9 as in production. */
  hardLimit?: number;
  /** MEMORY_CHECK_MS; default 250 as in production. */
  minIntervalMs?: number;
}

/**
 * Ingest's memory watch wired as its main.ts wires it — INFO memory against
 * maxmemory, flush jobs through the catalog's queue, 503 at the hard limit —
 * recording every reading it takes and every refusal it makes, so a test can
 * check each 503 against the reading behind it. Pass `pressure` to
 * startIngest's `pressure` option.
 */
export class MemoryWatch {
  readonly readings: TimedReading[] = [];
  readonly refusals: Refusal[] = [];
  /** Failed readings or flush requests (main.ts logs them as warnings). */
  readonly errors: unknown[] = [];
  private queues: Queues | undefined;

  constructor(private readonly options: MemoryWatchOptions = {}) {}

  /** Builds the watch on the ingest app's hot store (startIngest calls it). */
  readonly pressure = (hot: HotStore): MemoryPressure => {
    const queues = new Queues({ host: hot.redis.options.host, port: hot.redis.options.port });
    this.queues = queues;
    const { readings, refusals } = this;
    const timed = (reading: MemoryReading | undefined): TimedReading | undefined =>
      readings.findLast((r) => r.reading === reading);
    // Ingest asks `admitsWrite` once per write, before writing: each `false` is one 503.
    class RecordingMemoryPressure extends MemoryPressure {
      override async admitsWrite(bytes?: number): Promise<boolean> {
        const admitted = await super.admitsWrite(bytes);
        if (!admitted)
          refusals.push({
            at: Date.now(),
            basis: timed(this.lastReading),
            projected: this.projectedRatio(bytes),
          });
        return admitted;
      }
    }
    return new RecordingMemoryPressure(
      async () => {
        const startedAt = Date.now();
        const reading = await readMemory(hot.redis);
        readings.push({ reading, startedAt, endedAt: Date.now() });
        return reading;
      },
      {
        flushThreshold: this.options.flushThreshold ?? 0.7,
        hardLimit: this.options.hardLimit ?? 0.9,
        minIntervalMs: this.options.minIntervalMs ?? 250,
      },
      () => queues.add('flush', { reason: 'pressure', requestedAt: Date.now() }),
      (err) => this.errors.push(err),
    );
  };

  async close(): Promise<void> {
    await this.queues?.close();
  }
}

/** A log line as pino wrote it. */
export type LogLine = Record<string, unknown> & { msg?: string; level: number };

export interface InProcessWorker {
  app: WorkerApp;
  /** Everything the worker logged (info and above), parsed. */
  lines: LogLine[];
  stop(): Promise<void>;
}

/**
 * Builds and starts a worker on `redisUrl` and `s3` through `loadConfig`,
 * as the worker's main.ts does. Serves the flush queue only (WORKER_QUEUES:
 * the write path; nobody completes the runs, so no observer can judge a
 * back-pressured run idle); `env` overrides any setting.
 */
export async function startWorker(
  redisUrl: string,
  s3: RunningS3Server,
  env: Record<string, string> = {},
): Promise<InProcessWorker> {
  const config = loadConfig({
    REDIS_URL: redisUrl,
    ...coldStoreEnvOf(s3.connection),
    HOST: '127.0.0.1',
    PORT: '0',
    WORKER_QUEUES: 'flush',
    ...env,
  });
  const lines: LogLine[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString().split('\n'))
        if (text !== '') lines.push(JSON.parse(text) as LogLine);
      done();
    },
  });
  const app = createWorkerApp({
    config,
    logger: pino({ level: 'info' }, stream),
    metrics: new WorkerMetrics({ defaultMetrics: false }),
  });
  await app.start();
  return { app, lines, stop: () => app.close() };
}

/** One INFO memory reading by a MemoryTracker, answered at `at` (Date.now()). */
export interface TrackedReading {
  at: number;
  /** used_memory: everything Redis allocated, client buffers included. */
  usedBytes: number;
  /** mem_clients_normal: query and reply buffers of ordinary clients (part of used_memory). */
  clientBytes: number;
  /** used_memory_peak: Redis's own high-water mark since it started (updated after every command). */
  peakBytes: number;
  /** maxmemory. */
  limitBytes: number;
  /** used_memory / maxmemory. */
  ratio: number;
}

/** The fields of INFO memory a MemoryTracker keeps. */
export function parseInfoMemory(info: string, at = Date.now()): TrackedReading {
  const field = (name: string): number =>
    Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1] ?? NaN);
  const usedBytes = field('used_memory');
  const limitBytes = field('maxmemory');
  return {
    at,
    usedBytes,
    clientBytes: field('mem_clients_normal'),
    peakBytes: field('used_memory_peak'),
    limitBytes,
    ratio: limitBytes > 0 ? usedBytes / limitBytes : 0,
  };
}

/**
 * Reads INFO memory every `everyMs` on a connection of its own, from
 * `start()` to `stop()`, and keeps every reading: the peak, and the timeline
 * a test checks 503s against.
 */
export class MemoryTracker {
  readonly readings: TrackedReading[] = [];
  private readonly hot: HotStore;
  private running = false;
  private loop: Promise<void> | undefined;

  constructor(
    redisUrl: string,
    private readonly everyMs = 50,
  ) {
    this.hot = HotStore.connect(redisUrl);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        this.readings.push(await this.read());
        await new Promise((r) => setTimeout(r, this.everyMs));
      }
    })();
  }

  /** One reading now (not kept). */
  async read(): Promise<TrackedReading> {
    return parseInfoMemory(await this.hot.redis.info('memory'));
  }

  /** The kept reading with the highest used/maxmemory. */
  get peak(): TrackedReading | undefined {
    let peak: TrackedReading | undefined;
    for (const r of this.readings) if (peak === undefined || r.ratio > peak.ratio) peak = r;
    return peak;
  }

  /** The last kept reading answered at or before `at`. */
  before(at: number): TrackedReading | undefined {
    return this.readings.findLast((r) => r.at <= at);
  }

  /** Stops polling; `read()` still works until `close()`. */
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  async close(): Promise<void> {
    await this.stop();
    await this.hot.close();
  }
}

/** The sum of a metric's series whose labels include `labels`, from Prometheus text. */
export function metricValue(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})? (\S+)$/.exec(line);
    if (m === null || m[1] !== name) continue;
    const set = m[2] ?? '';
    if (Object.entries(labels).every(([k, v]) => set.includes(`${k}="${v}"`))) sum += Number(m[3]);
  }
  return sum;
}

/** The t of every variable's sample `seq`. */
export function sampleTime(seq: number): number {
  return (seq - 1) * 0.25;
}

/** The value of variable number `i`'s sample `seq`: ordinary doubles, NaN and ±Infinity among them. */
export function sampleValue(i: number, seq: number): number {
  if (seq % 1009 === 0) return NaN;
  if (seq % 1013 === 0) return Infinity;
  if (seq % 1019 === 0) return -Infinity;
  return Math.sin(seq / 977 + i) * 1000 + i;
}

/**
 * A simulation model logging samples 1, 2, 3… of its variables through one
 * SDK producer, `samplesPerTick()` per variable every `tickMs`, until
 * `stop()` or `total`. It keeps pace with its producer: while the producer
 * holds `maxHeld` unacknowledged samples (the server refusing, S3 down…) it
 * waits, as a model that must not drop samples does.
 */
export class SteadyModel {
  private last = 0;
  private bytes = 0;
  private stopping = false;
  private readonly loop: Promise<void>;

  constructor(
    readonly producer: Producer,
    /** Variable names with the number `sampleValue` takes. */
    readonly variables: readonly { name: string; index: number }[],
    options: { samplesPerTick: () => number; tickMs: number; maxHeld: number; total?: number },
  ) {
    const total = options.total ?? Infinity;
    this.loop = (async () => {
      while (!this.stopping && this.last < total) {
        while (producer.stats.buffered > options.maxHeld && !this.stopping)
          await new Promise((r) => setTimeout(r, 5));
        const until = Math.min(total, this.last + options.samplesPerTick());
        for (const { name, index } of variables) {
          for (let seq = this.last + 1; seq <= until; seq++) {
            const t = sampleTime(seq);
            const v = sampleValue(index, seq);
            producer.log(name, t, v);
            // What Redis keeps of it: t and v as JSON text ({"$num":"NaN"}…) and separators.
            this.bytes += String(t).length + (Number.isFinite(v) ? String(v).length : 16) + 2;
          }
        }
        this.last = until;
        await new Promise((r) =>
          options.tickMs > 0 ? setTimeout(r, options.tickMs) : setImmediate(r),
        );
      }
    })();
  }

  /** Samples logged per variable so far (its last seq). */
  get logged(): number {
    return this.last;
  }

  /** Bytes of sample text logged so far, over every variable. */
  get dataBytes(): number {
    return this.bytes;
  }

  /** Resolves when the model has logged `total` (or was stopped). */
  finished(): Promise<void> {
    return this.loop;
  }

  /** Stops logging and waits until the producer has every logged sample acknowledged. */
  async stop(): Promise<void> {
    await this.halt();
    await this.producer.flush();
  }

  /** Stops logging, without waiting for the producer (a test that failed half-way). */
  async halt(): Promise<void> {
    this.stopping = true;
    await this.loop;
  }
}

/**
 * Reads a variable's whole history through the HTTP API (S3 and Redis
 * alike); undefined when it is exactly seqs 1..n, each with its own t and v
 * (NaN and ±Infinity included), else what is wrong.
 */
export async function historyProblem(
  client: RunstreamClient,
  run: string,
  variable: { name: string; index: number },
  n: number,
): Promise<string | undefined> {
  const seqs: number[] = [];
  for await (const chunk of client.history(run, variable.name, { pageSize: 100_000 })) {
    for (let j = 0; j < chunk.t.length; j++) {
      const seq = chunk.first + j;
      const v = chunk.v[j];
      if (chunk.t[j] !== sampleTime(seq) || !Object.is(v, sampleValue(variable.index, seq)))
        return `${variable.name} seq ${seq}: t=${chunk.t[j]} v=${String(v)}`;
      seqs.push(seq);
    }
  }
  return seqCoverageProblem(seqs, n);
}

/** Ingest's and the worker's memory limits in a pressured system. */
export interface PressureLimits {
  flushThreshold: number;
  hardLimit: number;
  /** Ingest's MEMORY_CHECK_MS. */
  memoryCheckMs: number;
}

/** The whole write path on a 16 MB Redis; see startPressuredSystem. */
export interface PressuredSystem {
  s3: RunningS3Server;
  cold: ColdStore;
  watch: MemoryWatch;
  ingest: IngestHarness;
  worker: InProcessWorker;
  tracker: MemoryTracker;
  /** The test's producers: halted and closed by `stop()`. */
  models: SteadyModel[];
  stop(): Promise<void>;
}

/**
 * s3rver; the real ingest app on a 16 MB redis-server with the recording
 * memory watch and history read across the tiers; a real worker (flush
 * queue, drain watchdog) with the same limits; a memory tracker polling
 * every 50 ms (not started).
 */
export async function startPressuredSystem(limits: PressureLimits): Promise<PressuredSystem> {
  const s3 = await startS3Server();
  const cold = new ColdStore(s3.connection);
  const watch = new MemoryWatch({
    flushThreshold: limits.flushThreshold,
    hardLimit: limits.hardLimit,
    minIntervalMs: limits.memoryCheckMs,
  });
  const ingest = await startIngest({
    maxmemory: '16mb',
    maxBodyBytes: 4 * 1024 * 1024,
    pressure: watch.pressure,
    history: (hot) => new TieredHistory(hot, cold),
  });
  const worker = await startWorker(ingest.redis.url, s3, {
    FLUSH_THRESHOLD: String(limits.flushThreshold),
    HARD_LIMIT: String(limits.hardLimit),
    DRAIN_CHECK_MS: '200',
  });
  const tracker = new MemoryTracker(ingest.redis.url, 50);
  const models: SteadyModel[] = [];
  return {
    s3,
    cold,
    watch,
    ingest,
    worker,
    tracker,
    models,
    stop: async () => {
      await Promise.all(models.map((m) => m.halt()));
      await Promise.all(models.map((m) => m.producer.close({ force: true })));
      await tracker.close();
      await worker.stop();
      await watch.close(); // before Redis stops: a queue closed after it waits for a dead socket
      await ingest.stop();
      cold.close();
      await s3.dispose();
    },
  };
}
