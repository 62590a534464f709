import { ServiceUnavailableError } from '@runstream/domain';

/** Redis refused a write because it is at maxmemory: the client should retry later. */
export class HotStoreFullError extends ServiceUnavailableError {
  constructor(options: { cause?: unknown }) {
    super('the hot store is full; retry shortly', 1, options);
  }
}

/** Why Redis could not answer: each a state it leaves by itself or by an operator's restart. */
export type RedisTrouble =
  | 'unreachable'
  | 'timeout'
  | 'loading'
  | 'busy'
  | 'read-only'
  /** Written, but fewer replicas than REDIS_WRITE_REPLICAS confirmed it within the timeout. */
  | 'unreplicated';

/** Redis is down, frozen, starting or busy: the request changed nothing it can tell, retry later. */
export class RedisUnavailableError extends ServiceUnavailableError {
  constructor(
    readonly trouble: RedisTrouble,
    options: { cause?: unknown },
  ) {
    super(`the hot store is unavailable (${trouble}); retry shortly`, 1, options);
  }
}

/**
 * Redis's own refusals (a reply error's first word). In a Lua script's error
 * the code may follow the script's `ERR ... :` prefix, hence the search.
 */
const REPLY_CODES: ReadonlyArray<[RegExp, RedisTrouble | 'full']> = [
  [/(^|: )OOM /, 'full'],
  [/(^|: )LOADING /, 'loading'],
  // CLUSTERDOWN, MOVED, ASK: a cluster failing over (ioredis follows redirections, up to a limit).
  [/(^|: )(BUSY|TRYAGAIN|MASTERDOWN|CLUSTERDOWN|MOVED|ASK) /, 'busy'],
  [/(^|: )READONLY /, 'read-only'],
];

/** What ioredis rejects a command with when it has no connection to send it on, or lost it. */
const CLIENT_MESSAGES: ReadonlyArray<[RegExp, RedisTrouble]> = [
  [/^Command timed out/, 'timeout'],
  [/^Socket timeout/, 'timeout'],
  [/^Stream isn't writeable/, 'unreachable'],
  [/^Connection is closed/, 'unreachable'],
  [/^Reached the max retries per request limit/, 'unreachable'],
  [/^Ready check failed/, 'unreachable'],
  // A cluster failing over: redirections past ioredis's limit, or no node answering for the slots.
  [/^Too many Cluster redirections/, 'unreachable'],
  [/^Failed to refresh slots cache/, 'unreachable'],
  [/^None of startup nodes is available/, 'unreachable'],
  // A cluster client before its slot map is known (starting, or reconnecting after a failover).
  [/^Cluster isn't ready/, 'unreachable'],
  [/^Cluster is disconnect(ed|ing)/, 'unreachable'],
  [/^Node is disconnected/, 'unreachable'],
];

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH']);

/**
 * The one place where what ioredis and Redis throw becomes a 503: OOM
 * (maxmemory) is `HotStoreFullError`, a lost or never-made connection, a
 * command timeout (Redis frozen), LOADING (a restart reading its AOF) or
 * BUSY is `RedisUnavailableError`. Anything else (a script's own error, a
 * bug) is undefined: it stays a 500.
 */
export function asRedisUnavailable(err: unknown): ServiceUnavailableError | undefined {
  if (err instanceof ServiceUnavailableError) return err;
  if (!(err instanceof Error)) return undefined;
  if (err.name === 'ReplyError') {
    for (const [pattern, trouble] of REPLY_CODES) {
      if (!pattern.test(err.message)) continue;
      return trouble === 'full'
        ? new HotStoreFullError({ cause: err })
        : new RedisUnavailableError(trouble, { cause: err });
    }
    return undefined;
  }
  if (err.name === 'MaxRetriesPerRequestError')
    return new RedisUnavailableError('unreachable', { cause: err });
  for (const [pattern, trouble] of CLIENT_MESSAGES)
    if (pattern.test(err.message)) return new RedisUnavailableError(trouble, { cause: err });
  const code = (err as NodeJS.ErrnoException).code;
  if (code !== undefined && NETWORK_CODES.has(code))
    return new RedisUnavailableError('unreachable', { cause: err });
  return undefined;
}
