import { encodeName } from '@runstream/domain';

/**
 * Every Redis key Runstream uses is built here, and only here.
 *
 *   rs:runs                        ZSET   run id → created-at (ms); the runs index
 *   rs:{<run>}:run                 HASH   id, status, createdAt, completedAt, reason, samples, meta (JSON), project,
 *                                         dirtySince (ms: the oldest buffered sample is no older),
 *                                         completionClaimedAt (the time its merges complete it at)
 *   rs:{<run>}:vars                SET    the run's variable names, as given
 *   rs:{<run>}:acks                HASH   "<producer>#<batch mod 64>" → "<batch>|<ranges>|<names JSON>"
 *   rs:{<run>}:dirty               ZSET   variable name → bytes buffered since the last flush
 *   rs:{<run>}:pending             SET    variable names that have transfer keys not yet uploaded
 *   rs:{<run>}:v:<name>:buf        LIST   chunks, packed (docs/chunk-format.md)
 *   rs:{<run>}:v:<name>:stats      HASH   count (= last seq), min, max, lastT, lastV
 *   rs:{<run>}:v:<name>:xfers      ZSET   transfer key → first seq it holds
 *   rs:{<run>}:v:<name>:xfer:<id>  LIST   a buffer renamed by a flush (tier 2), same chunks
 *   rs:live:{<run>}:v:<name>       ZSET   ingest replica id → until (ms): replicas with live subscribers of
 *                                         the variable (LIVE_ADAPTER on), refreshed by each, expiring with it
 *   rs:{live}:stream               STREAM the Socket.IO Redis Streams adapter's stream (LIVE_ADAPTER=redis-streams)
 *   rs:live#…                             the Redis adapter's sharded pub/sub channels (LIVE_ADAPTER=redis-sharded)
 *
 * `<name>` is `encodeName(variable)`: it cannot hold `:`, `{`, `}` or `/`, so a
 * name can neither collide with another key nor move a key to another slot.
 *
 * Hash tag: every key of one run shares `{<run>}`, so the batch write touches
 * all of a run's variables in one atomic script and a flush can RENAME a
 * buffer to its transfer key inside one Redis Cluster slot. Runs spread over
 * the cluster; one run lives in one slot. A run's listener keys share its tag
 * (one pipeline asks about every variable of a batch) but not its `rs:{<run>}:`
 * prefix: they belong to the live layer, not to the run's data, which the
 * merge forgets while subscribers may still be connected.
 */
export class HotKeys {
  /** encodeName per variable is on the write path; names repeat batch after batch. */
  private readonly encoded = new Map<string, string>();

  constructor(readonly prefix = 'rs') {}

  private encode(variable: string): string {
    let e = this.encoded.get(variable);
    if (e === undefined) {
      if (this.encoded.size >= 10_000) this.encoded.clear();
      e = encodeName(variable);
      this.encoded.set(variable, e);
    }
    return e;
  }

  runsIndex(): string {
    return `${this.prefix}:runs`;
  }

  /** What every key of one run starts with, its hash tag included. */
  private runPrefix(run: string): string {
    return `${this.prefix}:{${run}}`;
  }

  /** What every key of one variable of a run starts with. */
  private variablePrefix(run: string, variable: string): string {
    return `${this.runPrefix(run)}:v:${this.encode(variable)}`;
  }

  run(run: string): string {
    return `${this.runPrefix(run)}:run`;
  }

  variables(run: string): string {
    return `${this.runPrefix(run)}:vars`;
  }

  acks(run: string): string {
    return `${this.runPrefix(run)}:acks`;
  }

  dirty(run: string): string {
    return `${this.runPrefix(run)}:dirty`;
  }

  buffer(run: string, variable: string): string {
    return `${this.variablePrefix(run, variable)}:buf`;
  }

  stats(run: string, variable: string): string {
    return `${this.variablePrefix(run, variable)}:stats`;
  }

  pending(run: string): string {
    return `${this.runPrefix(run)}:pending`;
  }

  transfers(run: string, variable: string): string {
    return `${this.variablePrefix(run, variable)}:xfers`;
  }

  /** The ingest replicas that have live subscribers of a variable (LiveListeners). */
  liveListeners(run: string, variable: string): string {
    return `${this.prefix}:live:{${run}}:v:${this.encode(variable)}`;
  }

  /** The Redis Streams adapter's one stream (a single key: its tag only names its slot). */
  liveStream(): string {
    return `${this.prefix}:{live}:stream`;
  }

  /**
   * The sharded Redis adapter's channel prefix: it appends `#<namespace>#<room>#`.
   * No hash tag, so each room's channel hashes to a slot of its own.
   */
  liveChannelPrefix(): string {
    return `${this.prefix}:live`;
  }

  /** `id` must be unique per flush attempt: RENAME would silently overwrite an existing key. */
  transfer(run: string, variable: string, id: string): string {
    return `${this.variablePrefix(run, variable)}:xfer:${id}`;
  }
}

/** How many recent batches per producer are remembered for idempotency. */
export const ACK_WINDOW = 64;

export function ackField(producer: string, batch: number): string {
  return `${producer}#${batch % ACK_WINDOW}`;
}
