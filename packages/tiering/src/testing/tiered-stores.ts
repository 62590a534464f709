import { ColdStore } from '@runstream/cold-store';
import { HotStore } from '@runstream/hot-store';
import {
  startRedisTopology,
  startS3Server,
  type RedisTopology,
  type RunningRedisTopology,
  type RunningS3Server,
} from '@runstream/testkit';
import { TieredHistory } from '../tiered-history';

/** Both tiers for a test file: the servers, the stores on them, history read across them. */
export interface TieredStores {
  /** A single redis-server or a cluster (its `env` is what an app needs to reach it). */
  redis: RunningRedisTopology;
  s3: RunningS3Server;
  hot: HotStore;
  cold: ColdStore;
  history: TieredHistory;
  stop(): Promise<void>;
}

export interface TieredStoresOptions {
  /** Redis maxmemory, e.g. '16mb' (default: none); per node on a cluster. */
  maxmemory?: string;
  /** A single redis-server (default) or a local 3-master cluster with a replica each. */
  topology?: RedisTopology;
}

/** A real Redis (one node or a cluster) and a real S3-protocol server (s3rver) on free ports, and the stores on them. */
export async function startTieredStores(options: TieredStoresOptions = {}): Promise<TieredStores> {
  const [redis, s3] = await Promise.all([
    startRedisTopology(
      options.topology ?? 'single',
      options.maxmemory !== undefined ? { maxmemory: options.maxmemory } : {},
    ),
    startS3Server(),
  ]);
  const hot = HotStore.connect({ url: redis.url, clusterNodes: redis.clusterNodes });
  const cold = new ColdStore(s3.connection);
  return {
    redis,
    s3,
    hot,
    cold,
    history: new TieredHistory(hot, cold),
    stop: async () => {
      cold.close();
      await hot.close();
      await Promise.all([redis.stop(), s3.dispose()]);
    },
  };
}
