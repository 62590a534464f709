import { S3Client } from '@aws-sdk/client-s3';
import { ColdStore, s3ClientOptions, type ColdStoreConfig } from '@runstream/cold-store';
import { HotStore } from '@runstream/hot-store';
import {
  startRedis,
  startS3Server,
  type RunningRedis,
  type RunningS3Server,
} from '@runstream/testkit';
import { findChildPid } from './cpu-usage';

/**
 * Time spent in S3 requests, by command name (PutObject, GetObject…), from
 * the moment a command is sent until its response (headers) is back: the
 * SDK's own retries and signing included, a streamed body's reading not.
 */
export class S3Timer {
  private readonly ms = new Map<string, number>();
  private readonly counts = new Map<string, number>();

  record(commandName: string, ms: number): void {
    // The SDK names commands by class (PutObjectCommand); keep S3's operation name.
    const command = commandName.replace(/Command$/, '');
    this.ms.set(command, (this.ms.get(command) ?? 0) + ms);
    this.counts.set(command, (this.counts.get(command) ?? 0) + 1);
  }

  /** Seconds spent in `command` since the last reset. */
  seconds(command: string): number {
    return (this.ms.get(command) ?? 0) / 1000;
  }

  count(command: string): number {
    return this.counts.get(command) ?? 0;
  }

  reset(): void {
    this.ms.clear();
    this.counts.clear();
  }
}

/**
 * A real `redis-server` and a real s3rver (testkit), and the stores on them
 * as the worker and ingest build them: one `HotStore`, one `ColdStore`. The
 * cold store is given the bench's `S3Client` (built with the cold store's own
 * `s3ClientOptions`), which the raw baselines use too: same client, same
 * connection pool, same options. Each phase gets its own servers, so one
 * phase's leftovers never change what the next one measures.
 */
export class TieringStores {
  readonly timer = new S3Timer();
  private stopped = false;

  private constructor(
    readonly redis: RunningRedis,
    readonly s3: RunningS3Server,
    readonly hot: HotStore,
    readonly cold: ColdStore,
    /** The client under `cold`: for the raw PutObject/GetObject baselines. */
    readonly s3Client: S3Client,
    readonly bucket: string,
  ) {}

  static async start(): Promise<TieringStores> {
    const [redis, s3] = await Promise.all([startRedis(), startS3Server({ bucket: 'rs-bench' })]);
    const config: ColdStoreConfig = s3.connection;
    const client = new S3Client(s3ClientOptions(config));
    const stores = new TieringStores(
      redis,
      s3,
      HotStore.connect(redis.url),
      new ColdStore(config, client),
      client,
      s3.bucket,
    );
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const started = performance.now();
        try {
          return await next(args);
        } finally {
          stores.timer.record(context.commandName ?? 'unknown', performance.now() - started);
        }
      },
      { step: 'initialize', name: 'benchS3Timer' },
    );
    return stores;
  }

  /** Process ids for CpuMeter: this process (the flusher or reader), redis-server, s3rver. */
  pids(): Record<string, number> {
    const pids: Record<string, number> = { bench: process.pid };
    if (this.redis.process.pid !== undefined) pids.redis = this.redis.process.pid;
    const s3rver = findChildPid(process.pid, (args) =>
      args.some((a, i) => a === '--port' && args[i + 1] === String(this.s3.port)),
    );
    if (s3rver !== undefined) pids.s3rver = s3rver;
    return pids;
  }

  /** Stops both servers and closes the clients; again is a no-op. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.cold.close();
    this.s3Client.destroy();
    await this.hot.close();
    await Promise.all([this.redis.stop(), this.s3.dispose()]);
  }
}
