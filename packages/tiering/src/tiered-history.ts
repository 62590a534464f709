import type { ColdStore } from '@runstream/cold-store';
import { ObjectMissingError } from '@runstream/cold-store';
import { lastSeqOf, trimChunk, type SampleChunk } from '@runstream/domain';
import type { HotStore } from '@runstream/hot-store';

/**
 * One variable's history across the tiers, in seq order, each seq once:
 * Redis buffer (1), transfer keys (2), segment objects (3). The merged
 * object (4) joins with the run-completion issue.
 *
 * Data only moves down (1 → 2 → 3), and seqs grow with time. So it asks Redis
 * first what it still holds (the lowest seq there is the "Redis floor"):
 * everything below the floor is in S3 at that moment and stays there. It
 * streams [next, floor) from the segments, then asks Redis again; once next
 * reaches the floor it reads the transfer keys and the buffer. Whenever a
 * piece is not where it was a moment ago (a buffer renamed mid-read, a
 * transfer deleted after its upload, a segment listed but gone), it starts
 * over from the next seq it owes: the piece has moved down, to a tier it
 * asks again. Chunks are streamed as they are read; nothing is held whole.
 */
export class TieredHistory {
  constructor(
    private readonly hot: HotStore,
    private readonly cold: ColdStore,
  ) {}

  async *chunks(run: string, variable: string, fromSeq = 1): AsyncGenerator<SampleChunk> {
    let next = fromSeq;
    for (let attempt = 0; ; attempt++) {
      const transfers = await this.hot.transfers.transfers(run, variable);
      const head = await this.hot.reader.headSeq(run, variable);
      const floor = Math.min(transfers[0]?.first ?? Infinity, head ?? Infinity);

      if (next < floor) {
        const before = next;
        for await (const chunk of this.fromSegments(run, variable, next, floor)) {
          yield chunk;
          next = lastSeqOf(chunk) + 1;
        }
        if (next === before && floor === Infinity) return; // nothing anywhere from `next` on
        if (next === before && attempt > 50) {
          throw new Error(`history of ${run}/${variable} is missing seq ${next} in every tier`);
        }
        continue;
      }

      let moved = false;
      for (const transfer of transfers) {
        for await (const raw of this.hot.transfers.chunks(transfer.key, next)) {
          const chunk = trimChunk(raw, next);
          if (chunk === undefined) continue;
          if (chunk.first !== next) {
            moved = true;
            break;
          }
          yield chunk;
          next = lastSeqOf(chunk) + 1;
        }
        if (moved) break;
      }
      if (moved) continue;
      for await (const raw of this.hot.reader.chunks(run, variable, next)) {
        const chunk = trimChunk(raw, next);
        if (chunk === undefined) continue;
        if (chunk.first !== next) {
          moved = true;
          break;
        }
        yield chunk;
        next = lastSeqOf(chunk) + 1;
      }
      if (moved) continue;
      // The buffer was read to its end in one piece: the history is complete up to now,
      // unless what we expected in Redis had moved before we read it (then ask again).
      if ((head === undefined || next > head) && next >= floor) return;
      if (attempt > 50)
        throw new Error(`history of ${run}/${variable} did not settle at seq ${next}`);
    }
  }

  /** Segments covering [next, below), in order; stops at a gap or a vanished segment. */
  private async *fromSegments(
    run: string,
    variable: string,
    next: number,
    below: number,
  ): AsyncGenerator<SampleChunk> {
    for (const segment of await this.cold.listSegments(run, variable)) {
      if (segment.last < next) continue;
      if (segment.first > next || next >= below) return;
      try {
        for await (const raw of this.cold.readSegment(segment.key)) {
          const chunk = trimChunk(raw, next);
          if (chunk === undefined) continue;
          if (chunk.first !== next) return;
          yield chunk;
          next = lastSeqOf(chunk) + 1;
        }
      } catch (err) {
        if (err instanceof ObjectMissingError) return; // merged away meanwhile: ask again
        throw err;
      }
    }
  }
}
