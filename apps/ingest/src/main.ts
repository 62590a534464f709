import { ColdStore, coldStoreConfigFromEnv } from '@runstream/cold-store';
import { HotStore, readMemory, redisClientOptions } from '@runstream/hot-store';
import { Queues } from '@runstream/queues';
import { MemoryPressure, RunCatalog, SeriesReader, TieredHistory } from '@runstream/tiering';
import { onShutdownSignals, runMain } from '@runstream/process-lifecycle';
import { pino } from 'pino';
import { createApp } from './app';
import { Authorizer } from './auth';
import { loadConfig } from './config';
import { IngestMetrics } from './metrics';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = pino({ name: 'ingest', level: config.LOG_LEVEL });
  if (config.RUNSTREAM_INSECURE_NO_AUTH) {
    logger.warn(
      '!!! RUNSTREAM_INSECURE_NO_AUTH is set: anyone who can reach this port can read and write every run. Development only. !!!',
    );
  }

  // Every Redis command answered or refused within the timeout: requests get 503, never hang.
  const redisOptions = redisClientOptions(config.REDIS_COMMAND_TIMEOUT_MS);
  const hotStore = HotStore.connect(config.REDIS_URL, redisOptions);
  const coldStore = new ColdStore({
    ...coldStoreConfigFromEnv(config),
    readCacheBytes: config.READ_CACHE_BYTES,
  });
  const queues = new Queues(
    { url: config.REDIS_URL, ...redisOptions },
    { readyTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS },
  );
  const pressure = new MemoryPressure(
    () => readMemory(hotStore.redis, config.REDIS_MEMORY_BUDGET_BYTES),
    {
      flushThreshold: config.FLUSH_THRESHOLD,
      hardLimit: config.HARD_LIMIT,
      minIntervalMs: config.MEMORY_CHECK_MS,
    },
    (ratio) =>
      queues.add('flush', { reason: 'pressure', requestedAt: Date.now() }).then(() => {
        logger.debug({ reason: 'pressure', ratio }, 'flush requested');
      }),
    // At maxmemory Redis refuses BullMQ's writes too; the worker's drain watchdog covers that.
    (err) => logger.warn({ err }, 'memory check or flush request failed'),
  );
  const catalog = new RunCatalog(hotStore, coldStore);
  const history = new TieredHistory(hotStore, coldStore, catalog);
  const ingest = createApp({
    hotStore,
    catalog,
    jobs: queues,
    history,
    series: new SeriesReader(history, catalog, { hot: hotStore, cold: coldStore }),
    pressure,
    readiness: { s3: () => coldStore.ping().then(() => true) },
    authorizer: new Authorizer({
      writeTokens: config.RUNSTREAM_WRITE_TOKENS,
      readTokens: config.RUNSTREAM_READ_TOKENS,
      insecureNoAuth: config.RUNSTREAM_INSECURE_NO_AUTH,
    }),
    metrics: new IngestMetrics(),
    logger,
    config: {
      maxBodyBytes: config.INGEST_MAX_BODY_BYTES,
      snapshotChunkSamples: config.SNAPSHOT_CHUNK_SAMPLES,
    },
  });

  await new Promise<void>((resolve) => ingest.server.listen(config.PORT, config.HOST, resolve));
  logger.info(
    { port: config.PORT, host: config.HOST, redis: config.REDIS_URL },
    'ingest listening',
  );

  onShutdownSignals({
    logger,
    timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    close: async () => {
      await ingest.close();
      await queues.close();
      await hotStore.close();
      coldStore.close();
    },
  });
}

runMain(main);
