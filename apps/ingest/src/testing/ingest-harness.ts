import { HotStore, queueConnection, type WriteReplication } from '@runstream/hot-store';
import {
  RunstreamClient,
  Subscriber,
  type Producer,
  type ProducerOptions,
  type SubscriberOptions,
} from '@runstream/sdk';
import { Queues } from '@runstream/queues';
import {
  RedisHistory,
  RunCatalog,
  SeriesReader,
  type ChunkTextSource,
  type DamageReporter,
  type MemoryPressure,
} from '@runstream/tiering';
import {
  startRedisTopology,
  type RedisTopology,
  type RunningRedis,
  type RunningRedisCluster,
} from '@runstream/testkit';
import type { AddressInfo } from 'node:net';
import { pino, type Logger } from 'pino';
import { createApp, type IngestApp, type IngestDeps } from '../app';
import { Authorizer } from '../auth';
import { damageReporter } from '../damage-report';
import type { IngestLimits } from '../ingest-limits';
import { IngestMetrics } from '../metrics';

export const WRITE_TOKEN = 'test-write-token-0123456789';
export const READ_TOKEN = 'test-read-token-0123456789';

export interface IngestHarness {
  /** On a cluster: one of its nodes (url, port, process); stop() stops the whole cluster. */
  redis: RunningRedis;
  /** The cluster, when the harness runs on one (topology 'cluster'). */
  cluster?: RunningRedisCluster;
  hotStore: HotStore;
  ingest: IngestApp;
  baseUrl: string;
  /**
   * The queues the app adds its jobs to: observe, merge, and the memory watch's
   * flushes (served only if a test starts a worker).
   */
  queues: Queues;
  /** SDK clients of the app, with the write token and with the read token. */
  writer: RunstreamClient;
  reader: RunstreamClient;
  /** An SDK producer of `writer`; closed by `stop()` (force: whatever it holds is dropped). */
  producer(run: string, options?: ProducerOptions): Producer;
  /** An SDK subscriber of the app with the read token; closed by `stop()`. */
  subscriber(options?: Omit<SubscriberOptions, 'url' | 'token'>): Subscriber;
  /** fetch against the running app with the write token unless `token` is given (null: none). */
  request(
    path: string,
    init?: RequestInit & { token?: string | null; json?: unknown },
  ): Promise<Response>;
  stop(): Promise<void>;
}

export interface IngestOptions {
  maxBodyBytes?: number;
  /** The app's logger (default: silent, or TEST_LOG_LEVEL). */
  logger?: Logger;
  /** The app's limits; each unset one is its default. */
  limits?: Partial<IngestLimits>;
  snapshotChunkSamples?: number;
  /** Redis maxmemory, e.g. '16mb' (default: none); per node on a cluster. */
  maxmemory?: string;
  /** A single redis-server (default) or a local 3-master cluster with a replica each. */
  topology?: RedisTopology;
  /** REDIS_WRITE_REPLICAS and its timeout (default: none waited for). */
  replication?: WriteReplication;
  /** Builds the memory watch from the app's hot store and queues (back-pressure tests). */
  pressure?: (hotStore: HotStore, queues: Queues) => MemoryPressure;
  /** Builds the history source (default: the Redis buffer alone). */
  history?: (hotStore: HotStore) => ChunkTextSource;
  /** Builds the runs catalog (default: Redis alone); `onDamage` reports to the app's log and metrics. */
  catalog?: (hotStore: HotStore, onDamage: DamageReporter) => RunCatalog;
  /** Who may do what (default: WRITE_TOKEN and READ_TOKEN, of the default project). */
  authorizer?: Authorizer;
  /** The S3 objects completed runs' Parquet files are served from (default: none). */
  objects?: IngestDeps['objects'];
  /** Builds the series reader (default: every sample read from the history source). */
  series?: (hotStore: HotStore, history: ChunkTextSource, catalog: RunCatalog) => SeriesReader;
}

/**
 * A Redis that fills within seconds and bodies large enough to fill it:
 * the options of the back-pressure tests.
 */
export const SMALL_REDIS = {
  maxmemory: '16mb',
  maxBodyBytes: 4 * 1024 * 1024,
  // Batches as large as those bodies: these tests fill Redis, not time its scripts.
  limits: { maxBatchSamples: 100_000 },
} as const;

/** A real redis-server and a listening ingest app on free loopback ports. */
export async function startIngest(options: IngestOptions = {}): Promise<IngestHarness> {
  const started = await startRedisTopology(
    options.topology ?? 'single',
    options.maxmemory !== undefined ? { maxmemory: options.maxmemory } : {},
  );
  const redis = started.single ?? clusterAsRedis(started.cluster);
  const target = { url: started.url, clusterNodes: started.clusterNodes };
  const hotStore = HotStore.connect(target, {}, options.replication);
  const queues = new Queues(queueConnection(target));
  const metrics = new IngestMetrics({ defaultMetrics: false });
  const logger = options.logger ?? pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const catalog =
    options.catalog?.(hotStore, damageReporter(logger, metrics)) ?? new RunCatalog(hotStore);
  const history = options.history?.(hotStore) ?? new RedisHistory(hotStore);
  const ingest = createApp({
    hotStore,
    catalog,
    history,
    series: options.series?.(hotStore, history, catalog) ?? new SeriesReader(history, catalog),
    jobs: queues,
    ...(options.objects !== undefined ? { objects: options.objects } : {}),
    authorizer:
      options.authorizer ??
      new Authorizer({
        writeTokens: [WRITE_TOKEN],
        readTokens: [READ_TOKEN],
        insecureNoAuth: false,
      }),
    metrics,
    logger,
    ...(options.pressure ? { pressure: options.pressure(hotStore, queues) } : {}),
    config: {
      maxBodyBytes: options.maxBodyBytes ?? 1024 * 1024,
      snapshotChunkSamples: options.snapshotChunkSamples ?? 1000,
      ...(options.limits !== undefined ? { limits: options.limits } : {}),
    },
  });
  await new Promise<void>((resolve) => ingest.server.listen(0, '127.0.0.1', resolve));
  const { port } = ingest.server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;
  const writer = new RunstreamClient({ url: baseUrl, token: WRITE_TOKEN });
  const producers: Producer[] = [];
  const subscribers: Subscriber[] = [];

  return {
    redis,
    ...(started.cluster !== undefined ? { cluster: started.cluster } : {}),
    hotStore,
    ingest,
    baseUrl,
    queues,
    writer,
    reader: new RunstreamClient({ url: baseUrl, token: READ_TOKEN }),
    producer: (run, producerOptions) => {
      const producer = writer.producer(run, producerOptions);
      producers.push(producer);
      return producer;
    },
    subscriber: (subscriberOptions = {}) => {
      const subscriber = new Subscriber({ ...subscriberOptions, url: baseUrl, token: READ_TOKEN });
      subscribers.push(subscriber);
      return subscriber;
    },
    request: (path, init = {}) => {
      const { token = WRITE_TOKEN, json, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (token !== null) headers.set('authorization', `Bearer ${token}`);
      if (json !== undefined) headers.set('content-type', 'application/json');
      return fetch(`${baseUrl}${path}`, {
        ...rest,
        headers,
        ...(json !== undefined
          ? { body: JSON.stringify(json), method: rest.method ?? 'POST' }
          : {}),
      });
    },
    stop: async () => {
      for (const s of subscribers) s.close();
      await Promise.all(producers.map((p) => p.close({ force: true })));
      await ingest.close();
      await queues.close();
      await hotStore.close();
      await redis.stop();
    },
  };
}

/** A cluster standing in for a RunningRedis: its first node; stop() stops them all. */
function clusterAsRedis(cluster: RunningRedisCluster | undefined): RunningRedis {
  const first = cluster?.nodes[0];
  if (cluster === undefined || first === undefined) throw new Error('no Redis was started');
  return {
    url: `redis://${first.address}`,
    port: first.port,
    process: first.process,
    stop: () => cluster.stop(),
    restart: () => Promise.reject(new Error('a cluster node is not restarted in place')),
  };
}
