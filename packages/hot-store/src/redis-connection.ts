import calculateSlot from 'cluster-key-slot';
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';

/** A single Redis or a Redis Cluster: every command the apps use works on both. */
export type RedisClient = Redis | Cluster;

/**
 * Where the apps' Redis is: `REDIS_URL`, or, when `REDIS_CLUSTER_NODES` is
 * set, a Redis Cluster reached through those seed nodes (the URL is then not
 * used). One value serves the hot store, BullMQ and the dashboard.
 */
export interface RedisTarget {
  url: string;
  /** 'host:port,host:port' (any of the cluster's nodes; the rest are discovered). */
  clusterNodes?: string | undefined;
}

/** Parses `REDIS_CLUSTER_NODES`; throws on an entry that is not host:port. */
export function parseClusterNodes(setting: string): { host: string; port: number }[] {
  return setting
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((entry) => {
      const m = /^(.+):(\d{1,5})$/.exec(entry);
      const port = Number(m?.[2]);
      if (m?.[1] === undefined || !(port > 0 && port < 65536))
        throw new Error(`REDIS_CLUSTER_NODES: '${entry}' is not host:port`);
      return { host: m[1], port };
    });
}

/** True when the target names a cluster. */
export function isClusterTarget(target: RedisTarget): boolean {
  return target.clusterNodes !== undefined && target.clusterNodes.trim() !== '';
}

/**
 * Connects to the target with `options` (a single node's options; on a
 * cluster they apply to each node's connection). On a cluster, reads and
 * writes go to masters only (a replica may lag what was acknowledged), and
 * a command that meets a failover (CLUSTERDOWN, a master gone) is retried by
 * ioredis after a slots refresh, within `maxRetriesPerRequest`.
 */
export function connectRedis(target: RedisTarget, options: RedisOptions = {}): RedisClient {
  if (!isClusterTarget(target)) return new Redis(target.url, options);
  const { enableOfflineQueue, retryStrategy, ...redisOptions } = options;
  const clusterOptions: ClusterOptions = {
    redisOptions,
    scaleReads: 'master',
    // The cluster-level switch: with it off a command is refused while no slot map is known.
    ...(enableOfflineQueue !== undefined ? { enableOfflineQueue } : {}),
    // Reconnecting to the cluster as a whole, as the single node's retryStrategy does.
    ...(typeof retryStrategy === 'function'
      ? { clusterRetryStrategy: (times: number) => retryStrategy(times) ?? null }
      : {}),
  };
  return new Cluster(parseClusterNodes(target.clusterNodes ?? ''), clusterOptions);
}

/**
 * The client's master nodes: every master of a cluster (as its slot map has
 * them now), or the single node itself.
 */
export function mastersOf(client: RedisClient): Redis[] {
  return client instanceof Cluster ? client.nodes('master') : [client];
}

/**
 * True when the client can serve the apps' commands now: a single node
 * answers PING; on a cluster every master the slot map names answers and
 * reports cluster_state:ok. PING alone is not enough there: a node of a
 * cluster that lost a master (before its replica takes over) or that is
 * still forming answers PONG while refusing every keyed command with
 * CLUSTERDOWN, and ioredis asks one node for CLUSTER INFO only when it connects.
 */
export async function isServing(client: RedisClient): Promise<boolean> {
  if (!(client instanceof Cluster)) return (await client.ping()) === 'PONG';
  const masters = mastersOf(client);
  if (masters.length === 0) return false; // no slot map yet
  const infos = await Promise.all(masters.map((m) => m.cluster('INFO')));
  return infos.every((info) => /^cluster_state:ok\r?$/m.test(info));
}

/**
 * What BullMQ's `connection` option takes for the target: options it
 * connects with itself on a single node; on a cluster a Cluster client
 * (BullMQ builds only single-node clients from options), which the caller
 * owns and quits after closing its queues or workers. BullMQ's keys are
 * hash-tagged by the `{rs}:q` prefix, so every queue lives in one slot.
 */
export function queueConnection(
  target: RedisTarget,
  options: RedisOptions = {},
): QueueConnectionOptions | Cluster {
  if (isClusterTarget(target)) return connectRedis(target, options) as Cluster;
  // BullMQ's options type takes no `retryStrategy: null` (ioredis's does).
  const { retryStrategy, ...rest } = options;
  return {
    url: target.url,
    ...rest,
    ...(typeof retryStrategy === 'function' ? { retryStrategy } : {}),
  };
}

/** Single-node options as BullMQ's `connection` takes them. */
export type QueueConnectionOptions = Omit<RedisOptions, 'retryStrategy'> & {
  url: string;
  retryStrategy?: (times: number) => number | void | null;
};

/**
 * The node that serves `key` now: on a cluster the master of its slot, as
 * the client's slot map has it (undefined while a failover leaves the slot
 * unknown); on a single node that node.
 */
export function masterNodeFor(client: RedisClient, key: string): Redis | undefined {
  if (!(client instanceof Cluster)) return client;
  const name = client.slots[calculateSlot(key)]?.[0];
  return name === undefined
    ? undefined
    : client.nodes('master').find((n) => `${n.options.host}:${n.options.port}` === name);
}
