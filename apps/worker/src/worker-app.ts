import { ColdStore, coldStoreConfigFromEnv } from '@runstream/cold-store';
import { HotStore, queueConnection, readMemory } from '@runstream/hot-store';
import {
  QUEUE_PREFIX,
  Queues,
  backoffStrategy,
  queueCatalog,
  type QueueName,
} from '@runstream/queues';
import { createHealthServer } from '@runstream/process-lifecycle';
import { CompactionTrigger, Compactor, Flusher, Merger } from '@runstream/tiering';
import { UnrecoverableError, Worker } from 'bullmq';
import { writeSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { ageFlushOlderThanMs, type WorkerConfig } from './config';
import { compactProcessor } from './compact-processor';
import { crashProbe } from './crash-probe';
import { DrainWatchdog } from './drain-watchdog';
import { flushProcessor } from './flush-processor';
import { mergeProcessor } from './merge-processor';
import { observeProcessor } from './observe-processor';
import { FlushRunner } from './flush-runner';
import { LogThrottle } from './log-throttle';
import { WorkerMetrics } from './metrics';
import { ProcessorRegistry } from './processors';
import { RunSweeper } from './run-sweeper';

/** At most one 'worker error' line per queue this often; the rest are counted. */
const ERROR_LOG_INTERVAL_MS = 5_000;

export interface WorkerAppDeps {
  config: WorkerConfig;
  logger: Logger;
  /** Defaults to a fresh registry with Node's default metrics. */
  metrics?: WorkerMetrics;
}

export interface WorkerApp {
  readonly hotStore: HotStore;
  readonly coldStore: ColdStore;
  readonly queues: Queues;
  readonly flushRunner: FlushRunner;
  /** One BullMQ worker per queue this process serves. */
  readonly workers: ReadonlyMap<QueueName, Worker>;
  /** Only in a process that serves the flush queue. */
  readonly watchdog: DrainWatchdog | undefined;
  /** Only in a process that serves the observe or merge queue. */
  readonly sweeper: RunSweeper | undefined;
  readonly server: Server;
  readonly metrics: WorkerMetrics;
  /**
   * Listens on PORT/HOST, runs the watchdog's first check (draining a full
   * Redis before anything else), then starts the workers.
   */
  start(): Promise<void>;
  /** Where /healthz, /readyz and /metrics answer, once started. */
  address(): AddressInfo;
  /**
   * Stops the watchdog (waiting for its flush), closes every worker (waiting
   * for its active jobs), then the stores and the HTTP server. Idempotent.
   */
  close(): Promise<void>;
}

/**
 * Builds the worker from its config without starting anything: the stores,
 * the flusher, one BullMQ worker per chosen queue (not yet fetching jobs),
 * the drain watchdog (not yet checking) and the health server (not yet
 * listening). Refuses a chosen queue that has no processor.
 */
export function createWorkerApp(deps: WorkerAppDeps): WorkerApp {
  const { config, logger } = deps;
  const metrics = deps.metrics ?? new WorkerMetrics();

  // A frozen Redis fails the job (BullMQ retries it) rather than hang it; the
  // offline queue stays: a job waits out a reconnect rather than fail on it.
  const commandTimeout = config.REDIS_COMMAND_TIMEOUT_MS;
  const redisTarget = { url: config.REDIS_URL, clusterNodes: config.REDIS_CLUSTER_NODES };
  const hotStore = HotStore.connect(redisTarget, { commandTimeout });
  const coldStore = new ColdStore(coldStoreConfigFromEnv(config));
  const queues = new Queues(queueConnection(redisTarget, { commandTimeout }));
  // Notes the variables flushes write segments of; a flush job then asks
  // for the compactions they made due.
  const compactionTrigger = new CompactionTrigger(coldStore, config.COMPACT_SEGMENTS);
  // An adapter, not the cold store itself: tiering's SegmentSink.putSegment
  // returns Promise<void> and ColdStore's returns Promise<SegmentInfo>, which
  // TypeScript does not accept in its place.
  const flusher = new Flusher(
    hotStore,
    {
      putSegment: async (run, variable, chunkTexts, firstSeq, lastSeq, levels) => {
        await coldStore.putSegment(run, variable, chunkTexts, firstSeq, lastSeq, levels);
        compactionTrigger.noteSegment(run, variable);
      },
    },
    { segmentBytes: config.FLUSH_SEGMENT_BYTES },
  );

  const crashAt = config.RUNSTREAM_TEST_CRASH_AT;
  const probe =
    crashAt === undefined
      ? undefined
      : crashProbe(
          crashAt,
          (where) => {
            // Synchronous: pino writes asynchronously and SIGKILL comes next.
            writeSync(2, `RUNSTREAM_TEST_CRASH_AT=${crashAt}: SIGKILL at ${crashAt} of ${where}\n`);
          },
          undefined,
          config.RUNSTREAM_TEST_CRASH_HIT,
        );
  const flushRunner = new FlushRunner(
    flusher,
    {
      lowWater: config.FLUSH_LOW_WATER,
      budgetBytes: config.REDIS_MEMORY_BUDGET_BYTES,
      ageOlderThanMs: ageFlushOlderThanMs(config),
      ...(probe !== undefined
        ? { probe: (point, transfer) => probe(point, `transfer ${transfer.key}`) }
        : {}),
    },
    logger,
    metrics,
  );
  // The merge flushes its run through the runner: logged and counted with reason `completion`.
  const merger = new Merger(hotStore, coldStore, flushRunner);

  const compactor = new Compactor(hotStore, coldStore);

  const processors = new ProcessorRegistry()
    .register('flush', flushProcessor(flushRunner, logger, { trigger: compactionTrigger, queues }))
    .register(
      'merge',
      mergeProcessor(
        merger,
        queues,
        {
          quiescenceMs: config.MERGE_QUIESCENCE_MS,
          concurrency: config.MERGE_VARIABLE_CONCURRENCY,
          ...(probe !== undefined
            ? { probe: (point, variable) => probe(`merge-${point}`, `variable ${variable}`) }
            : {}),
        },
        logger,
        metrics,
      ),
    )
    .register(
      'compact',
      compactProcessor(
        compactor,
        {
          fanIn: config.COMPACT_FANIN,
          maxSegments: config.COMPACT_SEGMENTS,
          ...(probe !== undefined
            ? { probe: (point, variable) => probe(`compact-${point}`, `variable ${variable}`) }
            : {}),
        },
        logger,
        metrics,
      ),
    )
    .register(
      'observe',
      observeProcessor(
        hotStore,
        queues,
        {
          intervalMs: config.OBSERVER_INTERVAL_MS,
          repeats: config.OBSERVER_REPEATS,
          strategy: config.OBSERVER_DELAY_STRATEGY,
          writesRefused: async () =>
            (await readMemory(hotStore.redis, config.REDIS_MEMORY_BUDGET_BYTES)).ratio >=
            config.HARD_LIMIT,
        },
        logger,
        metrics,
      ),
    );
  try {
    processors.assertProcessors(config.WORKER_QUEUES);
  } catch (err) {
    hotStore.redis.disconnect();
    coldStore.close();
    throw err;
  }

  // A Record over every queue name: a queue added to the catalog does not
  // compile here until it has a concurrency setting.
  const concurrency: Record<QueueName, number> = {
    flush: config.FLUSH_CONCURRENCY,
    merge: config.MERGE_CONCURRENCY,
    observe: config.OBSERVE_CONCURRENCY,
    compact: config.COMPACT_CONCURRENCY,
  };
  const workers = new Map<QueueName, Worker>();
  // Cluster clients given to the workers: BullMQ does not close a client it was given.
  const workerClients: { quit(): Promise<unknown>; disconnect(): void }[] = [];
  for (const queue of config.WORKER_QUEUES) {
    // null: a blocking fetch must wait out a Redis outage rather than fail (BullMQ's rule).
    const connection = queueConnection(redisTarget, { maxRetriesPerRequest: null });
    if (!('url' in connection)) workerClients.push(connection);
    const worker = new Worker(queueCatalog[queue].name, processors.get(queue), {
      connection,
      prefix: QUEUE_PREFIX,
      concurrency: concurrency[queue],
      autorun: false,
      lockDuration: config.JOB_LOCK_MS,
      stalledInterval: config.JOB_STALLED_CHECK_MS,
      settings: { backoffStrategy },
    });
    worker.on('completed', () => metrics.jobs.inc({ queue, outcome: 'completed' }));
    worker.on('failed', (job, err) => {
      metrics.jobs.inc({ queue, outcome: 'failed' });
      const attempts = job?.opts.attempts ?? 1;
      const retried =
        !(err instanceof UnrecoverableError) && (job?.attemptsMade ?? attempts) < attempts;
      logger.warn(
        { queue, jobId: job?.id, attemptsMade: job?.attemptsMade, attempts, err },
        retried ? 'job failed; will retry' : 'job failed',
      );
    });
    // Without a listener an 'error' event would crash the process. These are
    // errors BullMQ retries by itself (OOM refusals, READONLY after a
    // failover…), some in a tight loop: counted each, logged a few at a time.
    const errorLog = new LogThrottle(ERROR_LOG_INTERVAL_MS);
    worker.on('error', (err) => {
      metrics.queueErrors.inc({ queue });
      const held = errorLog.admit();
      if (held !== undefined) logger.error({ queue, err, suppressed: held }, 'worker error');
    });
    workers.set(queue, worker);
  }

  const watchdog = workers.has('flush')
    ? new DrainWatchdog(
        {
          readMemory: () => readMemory(hotStore.redis, config.REDIS_MEMORY_BUDGET_BYTES),
          drain: () => flushRunner.run('drain'),
          requestFlush: () => queues.add('flush', { reason: 'pressure', requestedAt: Date.now() }),
          // Only fetching stops: jobs already running go on (pause(true) does not
          // wait for them). A worker paused before its first run() is started by
          // resume() (BullMQ runs a paused worker that is not running on resume).
          pauseQueues: async () => {
            await Promise.all([...workers.values()].map((w) => w.pause(true)));
          },
          resumeQueues: async () => {
            await Promise.all([...workers.values()].map((w) => w.resume()));
          },
          logger,
          metrics,
        },
        {
          intervalMs: config.DRAIN_CHECK_MS,
          flushThreshold: config.FLUSH_THRESHOLD,
          hardLimit: config.HARD_LIMIT,
        },
      )
    : undefined;

  const sweeps = { observers: workers.has('observe'), merges: workers.has('merge') };
  const sweeper =
    sweeps.observers || sweeps.merges
      ? new RunSweeper(
          {
            runs: async () => hotStore.runs.states(await hotStore.runs.ids()),
            queues,
            ...sweeps,
            logger,
            metrics,
          },
          config.SWEEP_INTERVAL_MS,
        )
      : undefined;

  const server = createHealthServer({
    // Redis's ping gives up after its own 1 s; S3's HeadBucket may take up to 2 s.
    checks: { redis: () => hotStore.ping(1000), s3: () => coldStore.ping().then(() => true) },
    timeoutMs: 2000,
    metrics,
  });

  const loops: Promise<void>[] = [];
  let started = false;
  let closing: Promise<void> | undefined;

  const start = async (): Promise<void> => {
    if (started) return;
    started = true;
    // Health first: a long drain at boot must not look like a dead process.
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.PORT, config.HOST, () => {
        server.off('error', reject);
        resolve();
      });
    });
    await warnWithoutMemoryLimit();
    if (workers.has('flush')) await scheduleAgeFlush();
    // The watchdog's first check comes before the workers: a Redis that is
    // full now is drained before they fetch (every fetch would be refused).
    await watchdog?.start();
    if (closing !== undefined) return; // stopped while draining: start nothing more
    for (const [queue, worker] of workers) {
      // Held by the watchdog (still at the hard limit): its resume starts them.
      if (watchdog?.pausedQueues === true) continue;
      loops.push(
        worker.run().catch((err: unknown) => logger.error({ queue, err }, 'worker stopped')),
      );
    }
    sweeper?.start();
  };

  /** With no limit the memory ratio is 0: no flush would ever move anything. */
  const warnWithoutMemoryLimit = async (): Promise<void> => {
    try {
      const memory = await readMemory(hotStore.redis, config.REDIS_MEMORY_BUDGET_BYTES);
      if (memory.limitBytes === 0)
        logger.warn(
          'Redis has no maxmemory and REDIS_MEMORY_BUDGET_BYTES is 0: flushes will move nothing; set one of them',
        );
    } catch (err) {
      logger.warn({ err }, 'cannot read Redis memory at start');
    }
  };

  /** Not fatal: the schedule lives in Redis, and the next start (of any flush worker) sets it again. */
  const scheduleAgeFlush = async (): Promise<void> => {
    try {
      await queues.scheduleAgeFlush(
        config.FLUSH_MAX_AGE_S === 0 ? undefined : config.FLUSH_AGE_CHECK_MS,
      );
    } catch (err) {
      logger.warn({ err }, 'cannot schedule the age flush');
    }
  };

  const close = (): Promise<void> => {
    closing ??= (async () => {
      await watchdog?.stop();
      await sweeper?.stop();
      // Worker.close() waits for the jobs it is running to finish.
      await Promise.all([...workers.values()].map((w) => w.close()));
      await Promise.all(loops);
      await Promise.all(workerClients.map((c) => c.quit().catch(() => c.disconnect())));
      await queues.close();
      await hotStore.close();
      coldStore.close();
      if (server.listening) {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        });
      }
    })();
    return closing;
  };

  return {
    hotStore,
    coldStore,
    queues,
    flushRunner,
    workers,
    watchdog,
    sweeper,
    server,
    metrics,
    start,
    close,
    address: () => {
      const address = server.address();
      if (address === null || typeof address === 'string')
        throw new Error('the worker app is not listening');
      return address;
    },
  };
}
