import { ColdStore } from '@runstream/cold-store';
import { HotStore } from '@runstream/hot-store';
import {
  startRedis,
  startS3Server,
  type RedisServerOptions,
  type RunningRedis,
  type RunningS3Server,
} from '@runstream/testkit';
import { TieredHistory } from '../tiered-history';

/** Both tiers for a test file: the servers, the stores on them, history read across them. */
export interface TieredStores {
  redis: RunningRedis;
  s3: RunningS3Server;
  hot: HotStore;
  cold: ColdStore;
  history: TieredHistory;
  stop(): Promise<void>;
}

/** A real redis-server and a real S3-protocol server (s3rver) on free ports, and the stores on them. */
export async function startTieredStores(redis: RedisServerOptions = {}): Promise<TieredStores> {
  const [redisServer, s3] = await Promise.all([startRedis(redis), startS3Server()]);
  const hot = HotStore.connect(redisServer.url);
  const cold = new ColdStore(s3.connection);
  return {
    redis: redisServer,
    s3,
    hot,
    cold,
    history: new TieredHistory(hot, cold),
    stop: async () => {
      cold.close();
      await hot.close();
      await Promise.all([redisServer.stop(), s3.dispose()]);
    },
  };
}
