import { HotStore } from '@runstream/hot-store';
import { Queues } from '@runstream/queues';
import { RunCatalog, type MemoryPressure } from '@runstream/tiering';
import { startRedis, type RunningRedis } from '@runstream/testkit';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { createApp, type IngestApp } from '../app';
import type { HistorySource } from '../history-source';
import { Authorizer } from '../auth';
import { IngestMetrics } from '../metrics';

export const WRITE_TOKEN = 'test-write-token-0123456789';
export const READ_TOKEN = 'test-read-token-0123456789';

export interface IngestHarness {
  redis: RunningRedis;
  hotStore: HotStore;
  ingest: IngestApp;
  baseUrl: string;
  /** The queues the app adds observe and merge jobs to (served only if a test starts a worker). */
  queues: Queues;
  /** fetch against the running app with the write token unless `token` is given (null: none). */
  request(
    path: string,
    init?: RequestInit & { token?: string | null; json?: unknown },
  ): Promise<Response>;
  stop(): Promise<void>;
}

/** A real redis-server and a listening ingest app on free loopback ports. */
export async function startIngest(
  options: {
    maxBodyBytes?: number;
    snapshotChunkSamples?: number;
    /** Redis maxmemory, e.g. '16mb' (default: none). */
    maxmemory?: string;
    /** Builds the memory watch from the app's hot store (back-pressure tests). */
    pressure?: (hotStore: HotStore) => MemoryPressure;
    /** Builds the history source (default: the Redis buffer alone). */
    history?: (hotStore: HotStore) => HistorySource;
    /** Builds the runs catalog (default: Redis alone). */
    catalog?: (hotStore: HotStore) => RunCatalog;
  } = {},
): Promise<IngestHarness> {
  const redis = await startRedis(
    options.maxmemory !== undefined ? { maxmemory: options.maxmemory } : {},
  );
  const hotStore = HotStore.connect(redis.url);
  const queues = new Queues({ url: redis.url });
  const ingest = createApp({
    hotStore,
    catalog: options.catalog?.(hotStore) ?? new RunCatalog(hotStore),
    jobs: queues,
    authorizer: new Authorizer({
      writeTokens: [WRITE_TOKEN],
      readTokens: [READ_TOKEN],
      insecureNoAuth: false,
    }),
    metrics: new IngestMetrics({ defaultMetrics: false }),
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    ...(options.pressure ? { pressure: options.pressure(hotStore) } : {}),
    ...(options.history ? { history: options.history(hotStore) } : {}),
    config: {
      maxBodyBytes: options.maxBodyBytes ?? 1024 * 1024,
      snapshotChunkSamples: options.snapshotChunkSamples ?? 1000,
    },
  });
  await new Promise<void>((resolve) => ingest.server.listen(0, '127.0.0.1', resolve));
  const { port } = ingest.server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;

  return {
    redis,
    hotStore,
    ingest,
    baseUrl,
    queues,
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
      await ingest.close();
      await queues.close();
      await hotStore.close();
      await redis.stop();
    },
  };
}
