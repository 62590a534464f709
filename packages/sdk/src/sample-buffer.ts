import type { WireValue } from '@runstream/domain';

/**
 * One variable's unsent samples, columnar, plus the counters `flush()`
 * needs. A column is FIFO and batches are acknowledged in order, so
 * `acked` is always a prefix count of `accepted`.
 */
export interface Column {
  readonly name: string;
  t: number[];
  v: WireValue[];
  /** Samples ever appended to this column. */
  accepted: number;
  /** Samples of this column the server acknowledged. */
  acked: number;
}

/** A slice of one column taken into a batch. */
export interface BatchPart {
  column: Column;
  t: number[];
  v: WireValue[];
}

/** What one `flush()` waits for: every column acknowledged up to `until`. */
export interface FlushTarget {
  column: Column;
  until: number;
}

/**
 * The producer's per-variable columnar buffer. `append` is O(1) amortised
 * (array push); `take` is O(variables taken + samples of a cut column).
 *
 * Batches serve variables round-robin: a column that is cut by the batch
 * limit goes to the back of the line, so one chatty variable cannot starve
 * the others.
 */
export class SampleBuffer {
  private readonly columns = new Map<string, Column>();
  /** Columns holding samples, in serving order; each at most once. */
  private ready: Column[] = [];
  /** Samples appended and not yet taken. */
  size = 0;

  get(name: string): Column | undefined {
    return this.columns.get(name);
  }

  /** Registers a (validated) variable name. */
  add(name: string): Column {
    const column: Column = { name, t: [], v: [], accepted: 0, acked: 0 };
    this.columns.set(name, column);
    return column;
  }

  append(column: Column, t: number, v: WireValue): void {
    if (column.t.length === 0) this.ready.push(column);
    column.t.push(t);
    column.v.push(v);
    column.accepted++;
    this.size++;
  }

  /** Removes up to `max` samples, oldest first within each variable. */
  take(max: number): BatchPart[] {
    const parts: BatchPart[] = [];
    let room = max;
    let served = 0;
    const cut: Column[] = [];
    for (const column of this.ready) {
      if (room === 0) break;
      served++;
      const n = column.t.length;
      if (n <= room) {
        // The whole column: hand its arrays over instead of copying them.
        parts.push({ column, t: column.t, v: column.v });
        column.t = [];
        column.v = [];
        room -= n;
      } else {
        parts.push({ column, t: column.t.slice(0, room), v: column.v.slice(0, room) });
        column.t = column.t.slice(room);
        column.v = column.v.slice(room);
        room = 0;
        cut.push(column);
      }
    }
    this.ready = this.ready.slice(served).concat(cut);
    this.size -= max - room;
    return parts;
  }

  /** Columns not yet acknowledged up to what they accepted so far. */
  flushTargets(): FlushTarget[] {
    const targets: FlushTarget[] = [];
    for (const column of this.columns.values()) {
      if (column.acked < column.accepted) targets.push({ column, until: column.accepted });
    }
    return targets;
  }

  /** Drops every unsent sample; returns how many. */
  clear(): number {
    const dropped = this.size;
    for (const column of this.ready) {
      column.t = [];
      column.v = [];
    }
    this.ready = [];
    this.size = 0;
    return dropped;
  }
}
