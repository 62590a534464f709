import {
  ObjectMissingError,
  SegmentFormatError,
  type ColdStore,
  type DataObject,
  type SegmentInfo,
} from '@runstream/cold-store';

/** The listed segment holding `seq` that reaches furthest, if any (sorted by first seq). */
export function coveringSegment(
  segments: readonly SegmentInfo[],
  seq: number,
): SegmentInfo | undefined {
  let best: SegmentInfo | undefined;
  for (const s of segments) {
    if (s.first > seq) break;
    if (s.last >= seq && (best === undefined || s.last > best.last)) best = s;
  }
  return best;
}

/**
 * A variable's merged object as a data object, or undefined when it has
 * none (yet). One written before its last seq went into its metadata is
 * read whole (its range is unknown until read).
 */
export async function mergedObject(
  cold: ColdStore,
  run: string,
  variable: string,
): Promise<DataObject | undefined> {
  const info = await cold.mergedInfo(run, variable);
  if (info === undefined) return undefined;
  return { key: info.key, size: info.size, first: 1, last: info.lastSeq ?? 1 };
}

/**
 * Whether a read of a listed object failed because the object is not (any
 * more) what the listing showed: merged or compacted away, rewritten (a
 * stale index), or listed while still being written (a filesystem-backed S3
 * server lists an object mid-upload, cut short). Readers look again; real
 * damage fails for good once their retries run out.
 */
export function isMovedError(err: unknown): boolean {
  // StaleIndexError is a SegmentFormatError.
  return err instanceof ObjectMissingError || err instanceof SegmentFormatError;
}
