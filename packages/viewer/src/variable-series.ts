import {
  BucketBuilder,
  cellOf,
  coarsenCells,
  combineBuckets,
  decodeSeriesResponse,
  type SampleChunk,
  type SeriesBucket,
  type SeriesResponse,
} from '@runstream/domain';

/**
 * One variable's plot of its whole range: the downsampled history the
 * series API answered, then the live tail aggregated here on the same global
 * grid (cells of 2^shift seqs, docs/read-path.md), so live samples extend the
 * plot without the history being fetched again. When the buckets pass
 * `maxBuckets`, neighbouring cells are combined (the grid doubles), so the
 * page's memory and drawing stay bounded however long the run goes on.
 */
export class VariableSeries {
  private buckets: SeriesBucket[];
  private shiftBits: number;
  private readonly builder = new BucketBuilder();

  constructor(
    history: SeriesResponse,
    private readonly maxBuckets: number,
  ) {
    this.buckets = decodeSeriesResponse(history);
    this.shiftBits = Math.round(Math.log2(history.bucketSeqs));
    this.coarsenWhileTooMany();
  }

  /** Width of a bucket in seqs (a power of two). */
  get bucketSeqs(): number {
    return 2 ** this.shiftBits;
  }

  /** True while every bucket is one sample. */
  get raw(): boolean {
    return this.shiftBits === 0;
  }

  /** Last seq held (0 when empty): live samples are wanted from the one after. */
  get lastSeq(): number {
    return this.buckets.at(-1)?.lastSeq ?? 0;
  }

  get all(): readonly SeriesBucket[] {
    return this.buckets;
  }

  /**
   * Appends live samples (wire-encoded). Seqs at or below `lastSeq` are
   * dropped (already held); a chunk that starts past `lastSeq + 1` is a
   * caller's bug (the SDK's Subscriber delivers every seq once, in order).
   */
  append(chunk: SampleChunk): void {
    const skip = this.lastSeq + 1 - chunk.first;
    if (skip < 0)
      throw new RangeError(`chunk at ${chunk.first} leaves a gap after ${this.lastSeq}`);
    let i = Math.max(0, skip);
    const count = chunk.t.length;
    while (i < count) {
      const seq = chunk.first + i;
      const cell = cellOf(seq, this.shiftBits);
      // The rest of this cell in one bucket, combined with the cell's part already held.
      const end = Math.min(count, i + ((cell + 1) * this.bucketSeqs - seq + 1));
      this.builder.addChunk(chunk, i, end);
      const part = this.builder.build();
      const last = this.buckets.at(-1);
      if (last !== undefined && cellOf(last.lastSeq, this.shiftBits) === cell)
        this.buckets[this.buckets.length - 1] = combineBuckets(last, part);
      else this.buckets.push(part);
      i = end;
    }
    this.coarsenWhileTooMany();
  }

  private coarsenWhileTooMany(): void {
    while (this.buckets.length > this.maxBuckets) {
      const cells = this.buckets.map((bucket) => ({
        cell: cellOf(bucket.firstSeq, this.shiftBits),
        bucket,
      }));
      this.buckets = coarsenCells(cells, this.shiftBits, this.shiftBits + 1).map((c) => c.bucket);
      this.shiftBits += 1;
    }
  }
}
