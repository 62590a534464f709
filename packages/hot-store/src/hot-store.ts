import { Redis, type RedisOptions } from 'ioredis';
import { BatchWriter } from './batch-writer';
import { BufferReader } from './buffer-reader';
import { HotKeys } from './keys';
import { withRunstreamCommands, type RunstreamRedis } from './redis-commands';
import { RunStore } from './run-store';
import { TransferStore } from './transfer-store';

/** All of Runstream's Redis access, behind one connection. */
export class HotStore {
  readonly runs: RunStore;
  readonly writer: BatchWriter;
  readonly reader: BufferReader;
  readonly transfers: TransferStore;

  constructor(
    readonly redis: RunstreamRedis,
    readonly keys = new HotKeys(),
  ) {
    this.runs = new RunStore(redis, keys);
    this.writer = new BatchWriter(redis, keys);
    this.reader = new BufferReader(redis, keys);
    this.transfers = new TransferStore(redis, keys);
  }

  static connect(url: string, options: RedisOptions = {}): HotStore {
    const redis = new Redis(url, { maxRetriesPerRequest: 3, ...options });
    return new HotStore(withRunstreamCommands(redis));
  }

  /** True when Redis answers PING within `timeoutMs` (readiness). */
  async ping(timeoutMs = 1000): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      return await Promise.race([this.redis.ping().then((r) => r === 'PONG'), timeout]);
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    try {
      await this.redis.quit();
    } catch {
      this.redis.disconnect();
    }
  }
}
