import type { ColdStore } from '@runstream/cold-store';
import { ObjectMissingError } from '@runstream/cold-store';
import { lastSeqOf, trimChunk, type SampleChunk } from '@runstream/domain';
import type { HotStore, Transfer } from '@runstream/hot-store';
import { RunCatalog } from './run-catalog';

/**
 * One variable's history across the tiers, in seq order, each seq once:
 * Redis buffer (1), transfer keys (2), segment objects (3), merged object (4).
 *
 * Data only moves down (1 → 2 → 3), and seqs grow with time. It reads the
 * variable's count first: every seq up to it exists somewhere, and the read
 * ends past it. Then it asks Redis, newest tier first, what it still holds
 * (the lowest seq there is the "Redis floor"): everything below the floor is
 * in S3 at that moment and stays there. It streams [next, floor) from the
 * segments, then asks Redis again; once next reaches the floor it reads the
 * transfer keys and the buffer. Whenever a piece is not where it was a moment
 * ago (a buffer renamed mid-read, a transfer deleted after its upload, a
 * segment listed but gone), it looks again from the next seq it owes: the
 * piece has moved down, to a tier it asks again. Below the floor it lists the
 * segments before it opens the merged object, so a segment merged away after
 * the listing is in the merged object it reads next. Chunks are streamed as
 * they are read; nothing is held whole.
 *
 * The count comes from the catalog: Redis, or the manifest of a completed run
 * Redis no longer knows.
 */
export class TieredHistory {
  constructor(
    private readonly hot: HotStore,
    private readonly cold: ColdStore,
    private readonly catalog = new RunCatalog(hot, cold),
  ) {}

  async *chunks(run: string, variable: string, fromSeq = 1): AsyncGenerator<SampleChunk> {
    // Every seq up to `target` exists in some tier now; the read ends past it.
    const target = await this.catalog.count(run, variable);
    let next = fromSeq;
    for (let stalls = 0; next <= target;) {
      // Newest tier first: a buffer renamed after this look is in the transfers looked at next.
      const head = await this.hot.reader.headSeq(run, variable);
      const transfers = await this.hot.transfers.transfers(run, variable);
      const floor = Math.min(transfers[0]?.first ?? Infinity, head ?? Infinity);
      const before = next;

      if (next < floor) {
        for await (const chunk of this.fromS3(run, variable, next, floor)) {
          yield chunk;
          next = lastSeqOf(chunk) + 1;
        }
      } else {
        next = yield* this.fromRedis(run, variable, transfers, next);
      }

      if (next === before) {
        // Nothing where it was a moment ago: it is moving down. Look again, not forever.
        if (++stalls > 100) {
          throw new Error(`history of ${run}/${variable} is missing seq ${next} in every tier`);
        }
        await new Promise((resolve) => setTimeout(resolve, Math.min(50, stalls * 2)));
      } else {
        stalls = 0;
      }
    }
  }

  /** Transfer keys, then the buffer, from `next`; returns the next seq owed. */
  private async *fromRedis(
    run: string,
    variable: string,
    transfers: Transfer[],
    next: number,
  ): AsyncGenerator<SampleChunk, number> {
    const sources = [
      ...transfers.map((t) => this.hot.transfers.chunks(t.key, next)),
      this.hot.reader.chunks(run, variable, next),
    ];
    for (const source of sources) {
      for await (const raw of source) {
        const chunk = trimChunk(raw, next);
        if (chunk === undefined) continue;
        if (chunk.first !== next) return next; // a piece moved down meanwhile
        yield chunk;
        next = lastSeqOf(chunk) + 1;
      }
    }
    return next;
  }

  /**
   * [next, below) from S3: each seq from the listed segment that holds it, or
   * else from the merged object. Stops at a gap or a vanished object (the
   * caller looks again).
   */
  private async *fromS3(
    run: string,
    variable: string,
    next: number,
    below: number,
  ): AsyncGenerator<SampleChunk> {
    const segments = await this.cold.listSegments(run, variable);
    while (next < below) {
      const segment = segments.find((s) => s.last >= next);
      const source =
        segment !== undefined && segment.first <= next
          ? this.cold.readSegment(segment.key)
          : this.cold.readObject(this.cold.keys.merged(run, variable));
      const before = next;
      try {
        for await (const raw of source) {
          const chunk = trimChunk(raw, next);
          if (chunk === undefined) continue;
          if (chunk.first !== next || next >= below) break;
          yield chunk;
          next = lastSeqOf(chunk) + 1;
        }
      } catch (err) {
        if (err instanceof ObjectMissingError) return; // moved down meanwhile: ask again
        throw err;
      }
      if (next === before) return;
    }
  }
}
