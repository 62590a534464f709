import { RunstreamHttpError, type ProducerOptions } from '@runstream/sdk';
import type { MemoryPressureOptions } from '@runstream/tiering';
import type { TestWorker } from '@runstream/worker/testing';
import { SMALL_REDIS } from './ingest-harness';
import { MemoryTracker } from './memory-tracker';
import { MemoryWatch } from './memory-watch';
import { SteadyModel, type ModelVariable, type SteadyModelOptions } from './steady-model';
import { startTieredIngest, type TieredIngest } from './tiered-ingest';

/** A request a producer will send again: when it was refused, and why (`status message`). */
export interface Rejection {
  at: number;
  message: string;
}

/** The whole write path on a 16 MB Redis; see startPressuredSystem. */
export interface PressuredSystem {
  ingest: TieredIngest;
  watch: MemoryWatch;
  worker: TestWorker;
  /** Polls Redis memory every 50 ms once started. */
  tracker: MemoryTracker;
  /** The models started so far: halted and their producers closed by `stop()`. */
  models: SteadyModel[];
  /** Every retry any of their producers made, in order. */
  rejections: Rejection[];
  /**
   * Starts one SteadyModel per `perProducer` of `variables`, each with a
   * producer of its own on `run`: 10 ms between batches, throwing on a sample
   * it cannot hold (it never drops one), noting every retry in `rejections`;
   * `producer` adds to or overrides those options.
   */
  startModels(
    run: string,
    variables: readonly ModelVariable[],
    perProducer: number,
    options: { producer: ProducerOptions; model: SteadyModelOptions },
  ): SteadyModel[];
  stop(): Promise<void>;
}

/**
 * s3rver; the real ingest app on a 16 MB redis-server with the recording
 * memory watch (`limits` over the production settings) and history read
 * across the tiers; a real worker (flush queue, drain watchdog) with the same
 * limits; a memory tracker (not started).
 */
export async function startPressuredSystem(
  limits: Partial<MemoryPressureOptions> = {},
): Promise<PressuredSystem> {
  const watch = new MemoryWatch(limits);
  const ingest = await startTieredIngest({
    ...SMALL_REDIS,
    pressure: watch.pressure,
    worker: {
      FLUSH_THRESHOLD: String(watch.options.flushThreshold),
      HARD_LIMIT: String(watch.options.hardLimit),
      DRAIN_CHECK_MS: '200',
    },
  });
  const tracker = new MemoryTracker(ingest.redis.url, 50);
  const models: SteadyModel[] = [];
  const rejections: Rejection[] = [];
  return {
    ingest,
    watch,
    worker: ingest.worker!,
    tracker,
    models,
    rejections,
    startModels: (run, variables, perProducer, options) => {
      const started: SteadyModel[] = [];
      for (let first = 0; first < variables.length; first += perProducer) {
        const producer = ingest.writer.producer(run, {
          minIntervalMs: 10,
          onFull: 'throw',
          onRetry: (err) =>
            rejections.push({
              at: Date.now(),
              message:
                err instanceof RunstreamHttpError ? `${err.status} ${err.message}` : String(err),
            }),
          ...options.producer,
        });
        started.push(
          new SteadyModel(producer, variables.slice(first, first + perProducer), options.model),
        );
      }
      models.push(...started);
      return started;
    },
    stop: async () => {
      await Promise.all(models.map((m) => m.halt()));
      await Promise.all(models.map((m) => m.producer.close({ force: true })));
      await tracker.close();
      await ingest.stop();
    },
  };
}
