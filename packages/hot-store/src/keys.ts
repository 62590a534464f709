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
 *   rs:{<run>}:v:<name>:buf        LIST   chunks '{"s":<first seq>,"t":[...],"v":[...]}'
 *   rs:{<run>}:v:<name>:stats      HASH   count (= last seq), min, max, lastT, lastV
 *   rs:{<run>}:v:<name>:xfers      ZSET   transfer key → first seq it holds
 *   rs:{<run>}:v:<name>:xfer:<id>  LIST   a buffer renamed by a flush (tier 2), same chunks
 *
 * `<name>` is `encodeName(variable)`: it cannot hold `:`, `{`, `}` or `/`, so a
 * name can neither collide with another key nor move a key to another slot.
 *
 * Hash tag: every key of one run shares `{<run>}`, so the batch write touches
 * all of a run's variables in one atomic script and a flush can RENAME a
 * buffer to its transfer key inside one Redis Cluster slot. Runs spread over
 * the cluster; one run lives in one slot.
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
