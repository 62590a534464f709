import type { RedisClient } from './redis-connection';
import type { HotKeys } from './keys';
import { asRedisUnavailable } from './redis-unavailable';

/** A variable of a run, as live subscribers name it. */
export interface LiveVariable {
  run: string;
  variable: string;
}

/**
 * Which ingest replicas have live subscribers of which variables, kept in
 * Redis so that the replica a producer writes to can skip a variable nobody
 * watches, wherever its subscribers are connected. One ZSET per variable
 * (`HotKeys.liveListeners`): replica id → the time (ms) its entry lapses.
 * Each replica adds itself when a room gets its first local subscriber,
 * refreshes its rooms every `ttlMs / 3` and removes itself when the last one
 * leaves; a replica that dies without doing so lapses after `ttlMs`, and the
 * key itself expires with its last entry. A lapsed or stale entry costs only
 * emits no one receives, never a missed sample: `add` is awaited before the
 * subscriber's history is read, and `listened` is asked after the write.
 */
export class LiveListeners {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: HotKeys,
    private readonly options: { replicaId: string; ttlMs: number },
  ) {}

  /** This replica listens to these variables (added, or refreshed). */
  async add(variables: readonly LiveVariable[]): Promise<void> {
    if (variables.length === 0) return;
    const until = Date.now() + this.options.ttlMs;
    const pipeline = this.redis.pipeline();
    for (const { run, variable } of variables) {
      const key = this.keys.liveListeners(run, variable);
      pipeline.zadd(key, until, this.options.replicaId);
      // Entries that lapsed (a replica gone without leaving) go when anyone refreshes.
      pipeline.zremrangebyscore(key, '-inf', `(${Date.now()}`);
      pipeline.pexpire(key, this.options.ttlMs);
    }
    await execOrThrow(pipeline);
  }

  /** This replica no longer listens to the variable. */
  async remove({ run, variable }: LiveVariable): Promise<void> {
    await this.redis.zrem(this.keys.liveListeners(run, variable), this.options.replicaId);
  }

  /** For each variable of `run`, whether any replica listens to it now. One round trip. */
  async listened(run: string, variables: readonly string[]): Promise<boolean[]> {
    const now = Date.now();
    const pipeline = this.redis.pipeline();
    for (const variable of variables)
      pipeline.zcount(this.keys.liveListeners(run, variable), now, '+inf');
    const counts = await execOrThrow(pipeline);
    return counts.map((n) => typeof n === 'number' && n > 0);
  }
}

/** A pipeline's replies, or its first error (Redis's troubles as 503s: a subscribe is answered `unavailable`). */
async function execOrThrow(pipeline: ReturnType<RedisClient['pipeline']>): Promise<unknown[]> {
  try {
    const results = (await pipeline.exec()) ?? [];
    return results.map(([err, reply]) => {
      if (err !== null) throw err;
      return reply;
    });
  } catch (err) {
    throw asRedisUnavailable(err) ?? err;
  }
}
