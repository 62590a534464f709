import { lastSeqOf, trimChunk, type SampleChunk } from '@runstream/domain';

/**
 * Turns chunks that arrive in any order, overlapping or repeated (snapshot
 * and live events of a subscription) into one gap-free, duplicate-free
 * stream: `push` returns what may be delivered now, in seq order, each seq
 * exactly once over the sequencer's life. Chunks beyond a gap are held until
 * the gap is filled. Pure: no timers, no I/O.
 */
export class ChunkSequencer {
  private delivered: number;
  /** Held chunks past a gap, sorted by `first`. */
  private readonly held: SampleChunk[] = [];
  private heldSamples = 0;

  /** @param fromSeq the first seq to deliver. */
  constructor(fromSeq: number) {
    this.delivered = fromSeq - 1;
  }

  /** Highest seq delivered so far (fromSeq - 1 before the first). */
  get lastSeq(): number {
    return this.delivered;
  }

  /** True when chunks are held behind a gap. */
  get hasGap(): boolean {
    return this.held.length > 0;
  }

  /** Samples held behind a gap. */
  get heldCount(): number {
    return this.heldSamples;
  }

  /** Forgets the chunks held behind a gap (the caller will get them again from `lastSeq + 1`). */
  releaseHeld(): void {
    this.held.length = 0;
    this.heldSamples = 0;
  }

  /** Accepts a chunk; returns the chunks that are now deliverable, in order. */
  push(chunk: SampleChunk): SampleChunk[] {
    const out: SampleChunk[] = [];
    const fresh = trimChunk(chunk, this.delivered + 1);
    if (fresh === undefined) return out;
    if (fresh.first === this.delivered + 1) {
      out.push(fresh);
      this.delivered = lastSeqOf(fresh);
      this.drain(out);
    } else {
      this.hold(fresh);
    }
    return out;
  }

  private hold(chunk: SampleChunk): void {
    let i = this.held.length;
    while (i > 0 && (this.held[i - 1] as SampleChunk).first > chunk.first) i--;
    this.held.splice(i, 0, chunk);
    this.heldSamples += chunk.t.length;
  }

  private drain(out: SampleChunk[]): void {
    while (this.held.length > 0) {
      const head = this.held[0] as SampleChunk;
      const fresh = trimChunk(head, this.delivered + 1);
      if (fresh !== undefined && fresh.first !== this.delivered + 1) return;
      this.held.shift();
      this.heldSamples -= head.t.length;
      if (fresh === undefined) continue;
      out.push(fresh);
      this.delivered = lastSeqOf(fresh);
    }
  }
}
