import type { RedisOptions } from 'ioredis';
import { BatchWriter, type WriteReplication } from './batch-writer';
import { BufferReader } from './buffer-reader';
import { HotKeys } from './keys';
import { withRunstreamCommands, type RunstreamRedis } from './redis-commands';
import { nodeName } from './memory-gauge';
import { connectRedis, isServing, masterNodeFor, type RedisTarget } from './redis-connection';
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
    /** Acknowledge a batch only once this many replicas have it (REDIS_WRITE_REPLICAS). */
    replication: WriteReplication = { replicas: 0, timeoutMs: 0 },
  ) {
    this.runs = new RunStore(redis, keys);
    this.writer = new BatchWriter(redis, keys, replication);
    this.reader = new BufferReader(redis, keys);
    this.transfers = new TransferStore(redis, keys);
  }

  /** A URL for a single Redis, or a target that may name a cluster (REDIS_CLUSTER_NODES). */
  static connect(
    target: string | RedisTarget,
    options: RedisOptions = {},
    replication?: WriteReplication,
  ): HotStore {
    const redis = connectRedis(typeof target === 'string' ? { url: target } : target, {
      maxRetriesPerRequest: 3,
      ...options,
    });
    return new HotStore(withRunstreamCommands(redis), new HotKeys(), replication);
  }

  /**
   * The node ('host:port') that holds `run`'s keys now: on a cluster the
   * master of the run's slot (every key of a run shares its hash tag), as
   * the client's slot map has it; on a single node that node. Undefined while
   * the cluster's slot map does not know the slot (during a failover).
   */
  masterOf(run: string): string | undefined {
    const node = masterNodeFor(this.redis, this.keys.run(run));
    return node === undefined ? undefined : nodeName(node);
  }

  /**
   * True when Redis serves within `timeoutMs` (readiness): a single node
   * answers PING; a cluster's every master answers with cluster_state:ok.
   */
  async ping(timeoutMs = 1000): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      return await Promise.race([isServing(this.redis), timeout]);
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
