import { ColdStore } from '@runstream/cold-store';
import { RunCatalog, SeriesReader, TieredHistory } from '@runstream/tiering';
import { startS3Server, type RunningS3Server } from '@runstream/testkit';
import { startWorker, workerEnv, type TestWorker } from '@runstream/worker/testing';
import { startIngest, type IngestHarness, type IngestOptions } from './ingest-harness';

export interface TieredIngestOptions extends IngestOptions {
  /** The runs catalog reads completed runs from S3 too (as main.ts builds it). */
  tieredCatalog?: boolean;
  /**
   * Settings of a worker started in this process on the same Redis and S3
   * (startWorker); no worker without them. It serves the flush queue only
   * unless WORKER_QUEUES says otherwise: where nobody completes the runs, no
   * observer may judge a back-pressured run idle.
   */
  worker?: Record<string, string>;
}

/** Both tiers behind the ingest app, and the worker that moves data between them. */
export interface TieredIngest extends IngestHarness {
  s3: RunningS3Server;
  /** The cold store a test inspects S3 with. */
  cold: ColdStore;
  worker: TestWorker | undefined;
}

/**
 * s3rver, the real ingest app on a real redis-server reading history across
 * both tiers, and (with `worker`) a real worker: the write path end to end.
 */
export async function startTieredIngest(options: TieredIngestOptions = {}): Promise<TieredIngest> {
  const { tieredCatalog = false, worker: workerSettings, ...ingestOptions } = options;
  const s3 = await startS3Server();
  const cold = new ColdStore(s3.connection);
  const ingest = await startIngest({
    history: (hot) => new TieredHistory(hot, cold),
    series: (_hot, history, catalog) => new SeriesReader(history, catalog, cold),
    ...(tieredCatalog
      ? { catalog: (hot, onDamage) => new RunCatalog(hot, cold, { onDamage }), objects: cold }
      : {}),
    ...ingestOptions,
  });
  const worker =
    workerSettings === undefined
      ? undefined
      : await startWorker(workerEnv(ingest.redis.url, s3.connection), {
          WORKER_QUEUES: 'flush',
          ...(ingest.cluster !== undefined
            ? { REDIS_CLUSTER_NODES: ingest.cluster.nodesSetting }
            : {}),
          ...workerSettings,
        });
  return {
    ...ingest,
    s3,
    cold,
    worker,
    stop: async () => {
      await worker?.app.close();
      await ingest.stop();
      cold.close();
      await s3.dispose();
    },
  };
}
