/**
 * What the tier phases time: a pass of a subject over the same data (the
 * same samples, bytes and objects) as its baselines, so rates compare as
 * inverse times. Pure.
 */
/** Bytes per MB in every MB/s figure (decimal, as network and disk rates are quoted). */
export const MB = 1_000_000;

/** What one timed pass moved. The same in every round of a phase. */
export interface Volume {
  samples: number;
  /** Chunk text (uncompressed NDJSON lines / Redis list entries), in bytes. */
  textBytes: number;
  /** Bytes as stored: the gzip'd segment objects (plus, for reads, Redis text). */
  storedBytes: number;
  /** S3 objects written or read. */
  objects: number;
}

/** One timed pass of one subject. */
export interface Timing {
  seconds: number;
  /** Until the first piece came out (first chunk, first byte), in ms; reads only. */
  firstMs?: number;
  /** Share of one core per process during the pass, in percent. */
  cpuPercent: Record<string, number>;
}

/** `12.3 MB` (MB = 10^6 bytes). */
export const fmtMB = (bytes: number): string => `${(bytes / MB).toFixed(1)} MB`;

/** The first seq, count and last seq of chunks as they stream by; where they stop being 1, 2, 3… */
export class SeqTally {
  next: number;
  chunks = 0;
  samples = 0;
  problem: string | undefined;

  constructor(readonly from = 1) {
    this.next = from;
  }

  /** Adds a chunk of `length` samples whose first seq is `first`. */
  add(first: number, length: number): void {
    this.chunks++;
    this.samples += length;
    if (this.problem === undefined && first !== this.next)
      this.problem = `chunk ${this.chunks} starts at seq ${first}, seq ${this.next} was due`;
    this.next = first + length;
  }

  /** Undefined when exactly `from`..`last` came, each once, in order. */
  check(last: number): string | undefined {
    if (this.problem !== undefined) return this.problem;
    if (this.next !== last + 1 || this.samples !== last - this.from + 1)
      return `${this.samples} samples ending at seq ${this.next - 1}, expected ${this.from}..${last}`;
    return undefined;
  }
}
