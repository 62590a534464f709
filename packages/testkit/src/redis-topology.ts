import { startRedis, type RunningRedis } from './redis-server';
import { startRedisCluster, type RunningRedisCluster } from './redis-cluster';

/** The Redis a suite runs against: one node, or a 3-master cluster with a replica each. */
export type RedisTopology = 'single' | 'cluster';

/** Both: the suites whose exactness must hold on a cluster too run `describe.each` over these. */
export const REDIS_TOPOLOGIES: readonly RedisTopology[] = ['single', 'cluster'];

export interface RunningRedisTopology {
  topology: RedisTopology;
  /** REDIS_URL (a single node's; on a cluster one of its nodes, unused when clusterNodes is set). */
  url: string;
  /** REDIS_CLUSTER_NODES on a cluster. */
  clusterNodes?: string;
  /** The cluster, to kill or pause its nodes. */
  cluster?: RunningRedisCluster;
  /** The single node, to stop, restart or pause it. */
  single?: RunningRedis;
  /** The apps' environment for this Redis (REDIS_URL, and REDIS_CLUSTER_NODES on a cluster). */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/** Starts a single redis-server or a local cluster (per node: `maxmemory`). */
export async function startRedisTopology(
  topology: RedisTopology,
  options: { maxmemory?: string } = {},
): Promise<RunningRedisTopology> {
  if (topology === 'single') {
    const redis = await startRedis(options);
    return {
      topology,
      url: redis.url,
      single: redis,
      env: { REDIS_URL: redis.url },
      stop: () => redis.stop(),
    };
  }
  const cluster = await startRedisCluster(options);
  const url = `redis://${cluster.nodes[0]?.address ?? ''}`;
  return {
    topology,
    url,
    clusterNodes: cluster.nodesSetting,
    cluster,
    env: { REDIS_URL: url, REDIS_CLUSTER_NODES: cluster.nodesSetting },
    stop: () => cluster.stop(),
  };
}
