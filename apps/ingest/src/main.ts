import { ColdStore, coldStoreConfigFromEnv } from '@runstream/cold-store';
import {
  HotStore,
  LiveListeners,
  queueConnection,
  readMasterMemory,
  redisClientOptions,
} from '@runstream/hot-store';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Queues } from '@runstream/queues';
import { MasterPressure, RunCatalog, SeriesReader, TieredHistory } from '@runstream/tiering';
import { onShutdownSignals, runMain } from '@runstream/process-lifecycle';
import { pino } from 'pino';
import { createApp } from './app';
import { Authorizer } from './auth';
import { loadConfig } from './config';
import { createLiveAdapter } from './live/live-adapter';
import { LISTENER_TTL_MS } from './live/live-audience';
import { damageReporter } from './damage-report';
import { IngestMetrics } from './metrics';
import { TokenFileWatcher } from './token-file-watcher';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = pino({ name: 'ingest', level: config.LOG_LEVEL });
  if (config.RUNSTREAM_INSECURE_NO_AUTH) {
    logger.warn(
      '!!! RUNSTREAM_INSECURE_NO_AUTH is set: anyone who can reach this port can read and write every run of the default project. Development only. !!!',
    );
  }

  const metrics = new IngestMetrics();
  // Before any connection: a bad tokens file stops the app at once.
  const authorizer = new Authorizer({
    writeTokens: config.RUNSTREAM_WRITE_TOKENS,
    readTokens: config.RUNSTREAM_READ_TOKENS,
    insecureNoAuth: config.RUNSTREAM_INSECURE_NO_AUTH,
  });
  const tokenFile =
    config.RUNSTREAM_TOKENS_FILE === undefined
      ? undefined
      : new TokenFileWatcher({
          path: config.RUNSTREAM_TOKENS_FILE,
          intervalMs: config.RUNSTREAM_TOKENS_RELOAD_MS,
          logger,
          onLoad: (grants) => authorizer.useTokenFile(grants),
          onReloadFailure: (reason) => metrics.tokenFileReloadFailures.inc({ reason }),
        });
  tokenFile?.start();

  // Every Redis command answered or refused within the timeout: requests get 503, never hang.
  const redisOptions = redisClientOptions(config.REDIS_COMMAND_TIMEOUT_MS);
  const redisTarget = { url: config.REDIS_URL, clusterNodes: config.REDIS_CLUSTER_NODES };
  const hotStore = HotStore.connect(redisTarget, redisOptions, {
    replicas: config.REDIS_WRITE_REPLICAS,
    timeoutMs: config.REDIS_WRITE_REPLICAS_TIMEOUT_MS,
  });
  const coldStore = new ColdStore({
    ...coldStoreConfigFromEnv(config),
    readCacheBytes: config.READ_CACHE_BYTES,
  });
  const queues = new Queues(queueConnection(redisTarget, redisOptions), {
    readyTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS,
  });
  // Judged per master: a run's writes are refused only when the master holding it is full.
  const pressure = new MasterPressure(
    (run) => hotStore.masterOf(run),
    (node) => readMasterMemory(hotStore.redis, node, config.REDIS_MEMORY_BUDGET_BYTES),
    {
      flushThreshold: config.FLUSH_THRESHOLD,
      hardLimit: config.HARD_LIMIT,
      minIntervalMs: config.MEMORY_CHECK_MS,
    },
    (ratio, node) =>
      queues.add('flush', { reason: 'pressure', requestedAt: Date.now() }).then(() => {
        logger.debug({ reason: 'pressure', ratio, node }, 'flush requested');
      }),
    // At maxmemory Redis refuses BullMQ's writes too; the worker's drain watchdog covers that.
    (err, node) => logger.warn({ err, node }, 'memory check or flush request failed'),
  );
  const catalog = new RunCatalog(hotStore, coldStore, {
    onDamage: damageReporter(logger, metrics),
    missingRunTtlMs: config.INGEST_MISSING_RUN_CACHE_MS,
  });
  const history = new TieredHistory(hotStore, coldStore, catalog);
  const adapter = createLiveAdapter(config.LIVE_ADAPTER, redisTarget, hotStore.keys);
  const replicas =
    adapter === undefined
      ? undefined
      : {
          adapter,
          listeners: new LiveListeners(hotStore.redis, hotStore.keys, {
            replicaId: `${hostname()}-${process.pid}-${randomUUID()}`,
            ttlMs: LISTENER_TTL_MS,
          }),
        };
  const ingest = createApp({
    ...(replicas !== undefined ? { replicas } : {}),
    hotStore,
    catalog,
    jobs: queues,
    history,
    series: new SeriesReader(history, catalog, coldStore),
    objects: coldStore,
    pressure,
    readiness: { s3: () => coldStore.ping().then(() => true) },
    authorizer,
    metrics,
    logger,
    config: {
      maxBodyBytes: config.INGEST_MAX_BODY_BYTES,
      snapshotChunkSamples: config.SNAPSHOT_CHUNK_SAMPLES,
      limits: {
        maxBatchVariables: config.INGEST_MAX_BATCH_VARIABLES,
        maxBatchSamples: config.INGEST_MAX_BATCH_SAMPLES,
        maxSubscriptionsPerSocket: config.INGEST_MAX_SUBSCRIPTIONS_PER_SOCKET,
        maxConnections: config.INGEST_MAX_CONNECTIONS,
        headersTimeoutMs: config.INGEST_HEADERS_TIMEOUT_MS,
        requestTimeoutMs: config.INGEST_REQUEST_TIMEOUT_MS,
        liveMaxBufferedBytes: config.INGEST_LIVE_MAX_BUFFERED_BYTES,
      },
    },
  });

  await new Promise<void>((resolve) => ingest.server.listen(config.PORT, config.HOST, resolve));
  logger.info(
    {
      port: config.PORT,
      host: config.HOST,
      // '' (compose's unset variable) names no cluster.
      redis: config.REDIS_CLUSTER_NODES || config.REDIS_URL,
      live: config.LIVE_ADAPTER,
    },
    'ingest listening',
  );

  onShutdownSignals({
    logger,
    timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    close: async () => {
      tokenFile?.close();
      await ingest.close();
      adapter?.close();
      await queues.close();
      await hotStore.close();
      coldStore.close();
    },
  });
}

runMain(main);
