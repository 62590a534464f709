import type { ColdStore, DataObject, IndexLevelInput } from '@runstream/cold-store';
import {
  cellOf,
  cellRange,
  decodeCellRecord,
  encodeCellRecord,
  pyramidShifts,
  type SampleChunk,
} from '@runstream/domain';
import { bruteForceBucket } from '@runstream/domain/testing';
import { storedLevels } from '../object-join';

/**
 * Undefined when `levels` is exactly the pyramid of seqs first..last of
 * `data` — every level of pyramidShifts, every cell the range meets, each
 * record the brute-force bucket of cell ∩ range — else what differs first.
 * Records are compared as wire text, so -0 and 0 differ.
 */
export function pyramidProblem(
  levels: readonly IndexLevelInput[],
  data: SampleChunk,
  first: number,
  last: number,
): string | undefined {
  const shifts = pyramidShifts(first, last);
  const got = levels.map((l) => l.shift);
  if (JSON.stringify(got) !== JSON.stringify(shifts))
    return `levels ${JSON.stringify(got)}, expected ${JSON.stringify(shifts)}`;
  for (const level of levels) {
    const firstCell = cellOf(first, level.shift);
    const cells = cellOf(last, level.shift) - firstCell + 1;
    if (level.firstCell !== firstCell || level.records.length !== cells)
      return `level ${level.shift}: cells ${level.firstCell} +${level.records.length}, expected ${firstCell} +${cells}`;
    for (const [i, record] of level.records.entries()) {
      const cell = firstCell + i;
      const [lo, hi] = cellRange(cell, level.shift);
      const { bucket } = decodeCellRecord(record, level.shift);
      const expected = JSON.stringify(
        encodeCellRecord(cell, bruteForceBucket(data, Math.max(lo, first), Math.min(hi, last))),
      );
      const actual = JSON.stringify(encodeCellRecord(cell, bucket));
      if (actual !== expected)
        return `level ${level.shift} cell ${cell}:\n  got      ${actual}\n  expected ${expected}`;
    }
  }
  return undefined;
}

/** The pyramid in a data object's index, every block read; undefined when it has no index. */
export async function storedPyramid(
  cold: ColdStore,
  object: DataObject,
): Promise<IndexLevelInput[] | undefined> {
  const index = await cold.objects.index(object);
  return index === undefined ? undefined : storedLevels(cold, object, index);
}
