import {
  ownerOf,
  parseStoredMeta,
  type CompletionReason,
  type CreateRunBody,
  type Run,
  type RunStatus,
} from '@runstream/domain';
import { randomUUID } from 'node:crypto';
import type { HotKeys } from './keys';
import type { RunstreamRedis } from './redis-commands';

/** What the worker's sweeps need to know of a run. */
export interface RunState {
  id: string;
  status: RunStatus;
  reason?: CompletionReason;
  /**
   * When the oldest sample of the run still in a buffer (not yet renamed to
   * a transfer) was written, by Redis's clock (ms); absent when none is.
   */
  dirtySinceMs?: number;
}

/** Runs: their record (status, times, meta) and the index that lists them. */
export class RunStore {
  constructor(
    private readonly redis: RunstreamRedis,
    private readonly keys: HotKeys,
  ) {}

  /**
   * Creates a run owned by `project` (none: the default project); with an id
   * that exists already, returns it unchanged (`created: false`) — its owner
   * too, which the caller compares.
   */
  async create(
    body: CreateRunBody,
    options: { project?: string; now?: Date } = {},
  ): Promise<{ run: Run; created: boolean }> {
    const id = body.id ?? randomUUID();
    const now = options.now ?? new Date();
    const args = [
      this.keys.run(id),
      id,
      now.toISOString(),
      JSON.stringify(body.meta ?? {}),
    ] as const;
    const created =
      (options.project === undefined
        ? await this.redis.rsCreateRun(...args)
        : await this.redis.rsCreateRun(...args, options.project)) === 1;
    const run = await this.get(id);
    if (run === undefined) throw new Error(`run '${id}' vanished right after it was created`);
    // The index lives in another cluster slot, so it is written after the record;
    // NX keeps the first creation time when a create is retried.
    await this.redis.zadd(this.keys.runsIndex(), 'NX', Date.parse(run.createdAt), id);
    return { run, created };
  }

  async get(id: string): Promise<Run | undefined> {
    const h = await this.redis.hgetall(this.keys.run(id));
    return h.id === undefined ? undefined : toRun(h);
  }

  /**
   * Starts completing a run (idempotent): `completing` from `running`, any
   * later status unchanged. Undefined when Redis does not know the run.
   */
  async beginCompletion(id: string, reason: CompletionReason): Promise<RunStatus | undefined> {
    const status = await this.redis.rsBeginCompletion(this.keys.run(id), reason);
    return status === null ? undefined : (status as RunStatus);
  }

  /**
   * The time the run is completed at: `now` for the first merge to ask, the
   * same for every merge after it (undefined when Redis does not know the run).
   */
  async claimCompletionTime(id: string, now: Date): Promise<Date | undefined> {
    const claimed = await this.redis.rsClaimCompletionTime(this.keys.run(id), now.toISOString());
    return claimed === null ? undefined : new Date(claimed);
  }

  /** Marks a completing run completed (idempotent; never creates the record). */
  async endCompletion(id: string, now = new Date()): Promise<RunStatus | undefined> {
    const status = await this.redis.rsEndCompletion(this.keys.run(id), now.toISOString());
    return status === null ? undefined : (status as RunStatus);
  }

  /**
   * Deletes every key of a completed run whose samples have all left Redis,
   * and drops it from the runs index. True when it was forgotten (or was
   * already), false when it is not completed yet or still holds samples.
   */
  async forget(id: string): Promise<boolean> {
    const names = await this.redis.smembers(this.keys.variables(id));
    const keys = [
      this.keys.run(id),
      this.keys.pending(id),
      this.keys.dirty(id),
      this.keys.variables(id),
      this.keys.acks(id),
      ...names.flatMap((n) => [
        this.keys.buffer(id, n),
        this.keys.stats(id, n),
        this.keys.transfers(id, n),
      ]),
    ];
    const forgotten = await this.redis.rsForgetRun(keys.length, keys);
    if (forgotten === 0) return false;
    // The index lives in another slot: removed after the record (a run listed
    // without its record is skipped by list()).
    await this.redis.zrem(this.keys.runsIndex(), id);
    return true;
  }

  /** Samples written to the run so far (0 for a run Redis does not know). */
  async sampleCount(id: string): Promise<number> {
    return Number((await this.redis.hget(this.keys.run(id), 'samples')) ?? 0);
  }

  /** Every run id, oldest first (the flush walks them). */
  async ids(): Promise<string[]> {
    return this.redis.zrange(this.keys.runsIndex(), '0', '-1');
  }

  /**
   * Each listed run's status and completion reason (and when its oldest
   * sample not yet moved to a transfer was written, Redis clock, ms), read in
   * pages of concurrent commands: the worker's sweeps walk every run with this. Runs
   * whose record is gone (forgotten meanwhile) are left out.
   */
  async states(ids: readonly string[], pageSize = 500): Promise<RunState[]> {
    const out: RunState[] = [];
    for (let start = 0; start < ids.length; start += pageSize) {
      const page = ids.slice(start, start + pageSize);
      // Sent together, not as one pipeline: on a cluster the runs live on different masters.
      const results = await Promise.all(
        page.map((id) => this.redis.hmget(this.keys.run(id), 'status', 'reason', 'dirtySince')),
      );
      results.forEach(([status, reason, dirtySince], i) => {
        if (status === null || status === undefined) return;
        out.push({
          id: page[i] ?? '',
          status: status as RunStatus,
          ...(reason ? { reason: reason as CompletionReason } : {}),
          ...(dirtySince ? { dirtySinceMs: Number(dirtySince) } : {}),
        });
      });
    }
    return out;
  }

  /** Redis's clock (ms): the one the write script stamps `dirtySince` with. */
  async nowMs(): Promise<number> {
    const [seconds, micros] = await this.redis.time();
    return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  }

  /** Newest first; with `project`, only the runs it owns (ownerOf). */
  async list(options: { status?: RunStatus; project?: string; limit: number }): Promise<Run[]> {
    const runs: Run[] = [];
    const page = Math.max(options.limit, 100);
    for (let start = 0; runs.length < options.limit; start += page) {
      const ids = await this.redis.zrevrange(this.keys.runsIndex(), start, start + page - 1);
      if (ids.length === 0) break;
      // Sent together, not as one pipeline: on a cluster the runs live on different masters.
      const results = await Promise.all(ids.map((id) => this.redis.hgetall(this.keys.run(id))));
      for (const record of results) {
        if (record.id === undefined) continue;
        const run = toRun(record);
        if (
          (options.status === undefined || run.status === options.status) &&
          (options.project === undefined || ownerOf(run) === options.project)
        )
          runs.push(run);
        if (runs.length === options.limit) break;
      }
    }
    return runs;
  }
}

function toRun(h: Record<string, string>): Run {
  // A meta that does not read damages that field alone: the run is still served.
  const meta = h.meta ? parseStoredMeta(h.meta) : {};
  return {
    id: h.id ?? '',
    status: (h.status ?? 'running') as RunStatus,
    createdAt: h.createdAt ?? '',
    ...(h.completedAt ? { completedAt: h.completedAt } : {}),
    ...(h.reason ? { reason: h.reason as Run['reason'] } : {}),
    samples: Number(h.samples ?? 0),
    meta: meta ?? {},
    ...(meta === undefined ? { metaDamaged: true as const } : {}),
    ...(h.project ? { project: h.project } : {}),
  };
}
