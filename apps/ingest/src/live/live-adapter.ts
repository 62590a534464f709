import { createShardedAdapter } from '@socket.io/redis-adapter';
import { createAdapter as createStreamsAdapter } from '@socket.io/redis-streams-adapter';
import {
  connectRedis,
  type HotKeys,
  type RedisClient,
  type RedisTarget,
} from '@runstream/hot-store';
import type { ServerOptions } from 'socket.io';

/** The values of LIVE_ADAPTER. */
export const LIVE_ADAPTERS = ['none', 'redis-streams', 'redis-sharded'] as const;
export type LiveAdapterKind = (typeof LIVE_ADAPTERS)[number];

/** A Socket.IO adapter that carries room broadcasts between ingest replicas, and its clients. */
export interface LiveAdapter {
  kind: Exclude<LiveAdapterKind, 'none'>;
  /** Socket.IO's `adapter` option. */
  adapter: NonNullable<ServerOptions['adapter']>;
  /** Closes the Redis connections it opened (after the Socket.IO server closed). */
  close(): void;
}

/**
 * Builds the adapter LIVE_ADAPTER names, on connections of its own: the
 * Streams adapter blocks one connection in XREAD and the sharded one holds a
 * subscriber connection, neither of which may share the hot store's. They
 * keep ioredis's offline queue: ingest writes nothing while Redis is away, so
 * what queues is only what was in flight, and it is sent when Redis is back
 * (the Streams adapter then reads on from the last entry it saw).
 */
export function createLiveAdapter(
  kind: LiveAdapterKind,
  target: RedisTarget,
  keys: HotKeys,
): LiveAdapter | undefined {
  if (kind === 'none') return undefined;
  // A single node or a cluster, as REDIS_CLUSTER_NODES says (both adapters take either).
  const connect = (): RedisClient =>
    connectRedis(target, { retryStrategy: (times) => Math.min(times * 50, 1000) });
  const pub = connect();
  if (kind === 'redis-streams') {
    return {
      kind,
      adapter: createStreamsAdapter(pub, { streamName: keys.liveStream() }),
      close: () => pub.disconnect(),
    };
  }
  const sub = connect();
  return {
    kind,
    adapter: createShardedAdapter(pub, sub, {
      channelPrefix: keys.liveChannelPrefix(),
      // A channel per room: a replica receives only the rooms it has subscribers in.
      subscriptionMode: 'dynamic',
    }),
    close: () => {
      pub.disconnect();
      sub.disconnect();
    },
  };
}
