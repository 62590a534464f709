import type { SegmentInfo } from '@runstream/cold-store';
import type { JoinInput } from './object-join';

/**
 * Which of a variable's listed segments hold its seqs. A compaction writes
 * its output before it deletes its inputs, so a listing may show both (and a
 * compaction cut off leaves both until the next one or the merge): at each
 * seq, the segment that starts there and reaches furthest is the one to
 * take, and the others are passed over — never decoded, never trimmed. Only
 * a segment that starts inside another and ends after it (an overlap no
 * compaction makes, but a transfer's retry under another
 * FLUSH_SEGMENT_BYTES can) is cut.
 */

/** The inputs holding seqs from..(at most) to, in order; `next` is the first seq they do not hold. */
export interface CoveringInputs {
  inputs: JoinInput[];
  /** to + 1 when they hold every seq; else the first seq missing. */
  next: number;
  /** When seqs are missing: the first seq after them that a segment holds. */
  resumesAt?: number;
}

/**
 * The segments (sorted by first seq, as listed) that hold from..to: at each
 * seq the one starting there that reaches furthest, else (an overlap) the
 * one holding it that reaches furthest, cut to start there. Stops at the
 * first seq no segment holds. Segments ending after `to` are left out.
 */
export function coveringInputs(
  segments: readonly SegmentInfo[],
  from: number,
  to: number,
): CoveringInputs {
  const usable = segments.filter((s) => s.last <= to);
  const inputs: JoinInput[] = [];
  let next = from;
  while (next <= to) {
    let starting: SegmentInfo | undefined;
    let holding: SegmentInfo | undefined;
    for (const s of usable) {
      if (s.first > next || s.last < next) continue;
      if (s.first === next && (starting === undefined || s.last > starting.last)) starting = s;
      if (holding === undefined || s.last > holding.last) holding = s;
    }
    const taken = starting ?? holding;
    if (taken === undefined) {
      const after = usable.find((s) => s.first > next);
      return { inputs, next, ...(after !== undefined ? { resumesAt: after.first } : {}) };
    }
    inputs.push(starting !== undefined ? { object: taken } : { object: taken, from: next });
    next = taken.last + 1;
  }
  return { inputs, next };
}

/** A variable's segments as a compaction sees them. */
export interface SegmentChain {
  /**
   * Segments in seq order, none inside another: at each seq the one that
   * starts there and reaches furthest. Neighbours may leave gaps (seqs
   * still in Redis) or, rarely, overlap.
   */
  chain: SegmentInfo[];
  /** Segments wholly inside one of the chain (inputs of a compaction that has written its output). */
  covered: SegmentInfo[];
}

export function segmentChain(segments: readonly SegmentInfo[]): SegmentChain {
  const sorted = [...segments].sort((a, b) => a.first - b.first || b.last - a.last);
  const chain: SegmentInfo[] = [];
  const covered: SegmentInfo[] = [];
  for (const s of sorted) {
    const before = chain[chain.length - 1];
    // Sorted by first seq, and the chain's ends only grow: the last of the chain is the only one that can hold s.
    if (before !== undefined && s.last <= before.last) covered.push(s);
    else chain.push(s);
  }
  return { chain, covered };
}
