import { parseSegmentKey, SegmentFormatError, StaleIndexError } from '@runstream/cold-store';
import { StoredDataDamagedError, StoredFormatError, type Damage } from '@runstream/domain';

/** Called with each damage a reader found and did not throw (a run left out of a list). */
export type DamageReporter = (err: StoredDataDamagedError) => void;

/**
 * Whether `err` says stored bytes are not what their writer produces (bad
 * gzip, not JSON, not a chunk, an index that does not fit): damage, not an
 * outage. A stale index is not: the object moved, and the reader looks again.
 */
export function isFormatError(err: unknown): boolean {
  return (
    (err instanceof SegmentFormatError && !(err instanceof StaleIndexError)) ||
    err instanceof StoredFormatError
  );
}

/** The damage of a data object (a segment or merged object, or its index) of one variable. */
export function damagedObject(
  run: string,
  variable: string,
  key: string,
  cause: unknown,
): StoredDataDamagedError {
  const kind: Damage['kind'] = parseSegmentKey(key) === undefined ? 'merged' : 'segment';
  return new StoredDataDamagedError({ kind, run, variable, key }, { cause });
}
