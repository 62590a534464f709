/**
 * The global grid of downsampled series (docs/read-path.md, "Downsampled
 * series"): cell `j` of level shift `s` holds the seqs `[j·2^s + 1, (j+1)·2^s]`.
 * The grid is the same for every tier and every object, so summaries of
 * neighbouring objects combine, and a series answer depends only on
 * (fromSeq, toSeq, points).
 *
 * Seqs go up to 2^53 - 1: arithmetic here is multiplication, division by
 * powers of two and Math.floor (exact on doubles), never `<<` / `>>`, which
 * would truncate to 32 bits.
 */

/** Finest level of an object's pyramid: cells of 256 samples. */
export const PYRAMID_BASE_SHIFT = 8;
/** Shift between pyramid levels: each level's cells hold 4 of the level below. */
export const PYRAMID_LEVEL_STEP = 2;
/** A shift beyond which one cell holds every safe seq (2^53 ≥ Number.MAX_SAFE_INTEGER). */
const MAX_SHIFT = 53;

/** The cell of level `shift` that holds `seq`. */
export function cellOf(seq: number, shift: number): number {
  return Math.floor((seq - 1) / 2 ** shift);
}

/** The first and last seq of cell `cell` of level `shift`. */
export function cellRange(cell: number, shift: number): [lo: number, hi: number] {
  const width = 2 ** shift;
  return [cell * width + 1, (cell + 1) * width];
}

function checkRange(fromSeq: number, toSeq: number): void {
  if (!Number.isSafeInteger(fromSeq) || !Number.isSafeInteger(toSeq) || fromSeq < 1)
    throw new RangeError(`seq range [${fromSeq}, ${toSeq}]: seqs are integers >= 1`);
  if (fromSeq > toSeq) throw new RangeError(`seq range [${fromSeq}, ${toSeq}] is empty`);
}

/**
 * The bucket width of a series answer, as a shift: the smallest `m >= 0` for
 * which at most `points` cells of width 2^m meet [fromSeq, toSeq].
 */
export function bucketShift(fromSeq: number, toSeq: number, points: number): number {
  checkRange(fromSeq, toSeq);
  if (!Number.isSafeInteger(points) || points < 1)
    throw new RangeError(`points must be an integer >= 1, not ${points}`);
  for (let m = 0; m < MAX_SHIFT; m++)
    if (cellOf(toSeq, m) - cellOf(fromSeq, m) + 1 <= points) return m;
  return MAX_SHIFT;
}

/**
 * The buckets of a series answer, in seq order: each is a cell of width
 * 2^bucketShift cut to [fromSeq, toSeq].
 */
export function seriesBuckets(
  fromSeq: number,
  toSeq: number,
  points: number,
): Array<[lo: number, hi: number]> {
  const shift = bucketShift(fromSeq, toSeq, points);
  const out: Array<[number, number]> = [];
  for (let cell = cellOf(fromSeq, shift); cell <= cellOf(toSeq, shift); cell++) {
    const [lo, hi] = cellRange(cell, shift);
    out.push([Math.max(lo, fromSeq), Math.min(hi, toSeq)]);
  }
  return out;
}

/**
 * The seq range a series query asks for, clipped to the variable's seqs
 * [1, count]; undefined when nothing of it exists. An absent end means the
 * variable's own (1 or count).
 */
export function clipSeqRange(
  fromSeq: number | undefined,
  toSeq: number | undefined,
  count: number,
): { fromSeq: number; toSeq: number } | undefined {
  const from = Math.max(1, fromSeq ?? 1);
  const to = Math.min(count, toSeq ?? count);
  return from <= to ? { fromSeq: from, toSeq: to } : undefined;
}

/**
 * The levels of an object's pyramid: shifts 8, 10, 12, … up to the first
 * level where [firstSeq, lastSeq] meets one cell.
 */
export function pyramidShifts(firstSeq: number, lastSeq: number): number[] {
  checkRange(firstSeq, lastSeq);
  const shifts = [PYRAMID_BASE_SHIFT];
  for (let s = PYRAMID_BASE_SHIFT; cellOf(firstSeq, s) !== cellOf(lastSeq, s);) {
    s += PYRAMID_LEVEL_STEP;
    shifts.push(s);
  }
  return shifts;
}

/** One piece of a decomposed seq range: a whole cell of a level, or raw samples. */
export type RangePart =
  { kind: 'cell'; shift: number; cell: number } | { kind: 'raw'; lo: number; hi: number };

/**
 * Covers [lo, hi] exactly, in seq order, with whole cells of the given
 * levels — at each position the largest cell that starts there and fits —
 * and raw parts for what no cell covers: at most one on each side, each
 * inside one cell of the finest level (so shorter than it; two when the
 * range meets no whole cell and crosses a boundary). With no levels, one
 * raw part.
 */
export function decomposeRange(lo: number, hi: number, levels: readonly number[]): RangePart[] {
  checkRange(lo, hi);
  const shifts = [...levels].sort((a, b) => b - a);
  for (const s of shifts)
    if (!Number.isInteger(s) || s < 0 || s > 64)
      throw new RangeError(`level shift must be an integer in [0, 64], not ${s}`);
  const finest = shifts[shifts.length - 1];
  const parts: RangePart[] = [];
  let p = lo;
  next: while (p <= hi) {
    for (const s of shifts) {
      const width = 2 ** s;
      if ((p - 1) % width === 0 && p - 1 + width <= hi) {
        parts.push({ kind: 'cell', shift: s, cell: (p - 1) / width });
        p += width;
        continue next;
      }
    }
    // No cell fits here: raw up to the next boundary of the finest level (or hi).
    const end = finest === undefined ? hi : Math.min(hi, cellRange(cellOf(p, finest), finest)[1]);
    parts.push({ kind: 'raw', lo: p, hi: end });
    p = end + 1;
  }
  return parts;
}
