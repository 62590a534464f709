import type { RedisOptions } from 'ioredis';

/**
 * How a server that answers clients talks to Redis: every command is
 * answered or refused within `commandTimeoutMs`, whatever state Redis is in.
 *
 * - `commandTimeout`: a frozen Redis (SIGSTOP, a long script elsewhere)
 *   rejects each command after this long instead of never.
 * - `enableOfflineQueue: false`: with no connection a command is refused at
 *   once rather than queued in memory until Redis returns (BullMQ's "failing
 *   fast when Redis is down"); the request that sent it gets 503 and its
 *   client retries.
 * - `maxRetriesPerRequest: 1`: a command in flight when the connection
 *   drops is given up after one reconnect attempt, not twenty.
 * - `socketTimeout`: a connection that returns nothing for four command
 *   timeouts while commands wait is dropped, which frees what was written to
 *   it; the reconnect then refuses at once until Redis answers again.
 * - `retryStrategy`: reconnect at most a second apart (BullMQ's own default
 *   backs off to 20 s), so the service is back within a second of Redis.
 */
export function redisClientOptions(
  commandTimeoutMs: number,
): RedisOptions & { retryStrategy: (times: number) => number } {
  return {
    commandTimeout: commandTimeoutMs,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    socketTimeout: 4 * commandTimeoutMs,
    retryStrategy: (times) => Math.min(times * 50, 1000),
  };
}
