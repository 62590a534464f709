import { parseIngestBatch, type SampleChunk, type WireValue } from '@runstream/domain';
import { randomChunks, randomSamples, type Random } from '@runstream/domain/testing';
import type { HotStore } from '@runstream/hot-store';
import type { TieredHistory } from '../tiered-history';

/**
 * One variable written through the real write path with seeded random
 * samples (spikes, NaN, ±Infinity, -0, arrays, strings, booleans, null),
 * every sample also kept here: what the tiers hold is checked against it,
 * and brute-force summaries are computed from it.
 */
export class RecordedVariable {
  readonly data: SampleChunk = { first: 1, t: [], v: [] };

  constructor(
    private readonly hot: HotStore,
    readonly run: string,
    readonly name: string,
    private readonly rand: Random,
  ) {}

  /** Samples written so far: the variable holds seqs 1..count. */
  get count(): number {
    return this.data.t.length;
  }

  /** Writes `samples` more, in batches of 1..maxBatch samples. */
  async write(samples: number, maxBatch = 1000): Promise<void> {
    const more = randomSamples(this.rand, this.count + 1, samples, 'mixed');
    for (const batch of randomChunks(this.rand, more, maxBatch)) {
      await this.hot.writer.write(
        this.run,
        parseIngestBatch({ variables: { [this.name]: { t: batch.t, v: batch.v } } }),
      );
    }
    this.data.t.push(...more.t);
    this.data.v.push(...more.v);
  }

  /**
   * Undefined when `history` reads exactly seqs 1..count from `fromSeq`
   * (default 1), each with its own t and v; else the first difference.
   */
  async historyProblem(history: TieredHistory, fromSeq = 1): Promise<string | undefined> {
    let next = fromSeq;
    for await (const chunk of history.chunks(this.run, this.name, fromSeq)) {
      if (chunk.first !== next) return `a chunk at seq ${chunk.first}, expected ${next}`;
      for (const [i, t] of chunk.t.entries()) {
        const at = next + i - 1;
        if (t !== this.data.t[at] || !sameValue(chunk.v[i], this.data.v[at]))
          return `seq ${next + i}: t=${t} v=${JSON.stringify(chunk.v[i])}, expected t=${this.data.t[at]} v=${JSON.stringify(this.data.v[at])}`;
      }
      next += chunk.t.length;
    }
    return next === this.count + 1 ? undefined : `history ends at ${next - 1}, not ${this.count}`;
  }
}

function sameValue(a: WireValue | undefined, b: WireValue | undefined): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
