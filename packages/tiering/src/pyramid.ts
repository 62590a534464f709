import type { IndexLevelInput } from '@runstream/cold-store';
import {
  CellAggregator,
  cellOf,
  coarsenCells,
  combineBuckets,
  decodeCellRecord,
  encodeCellRecord,
  PYRAMID_BASE_SHIFT,
  pyramidShifts,
  StoredFormatError,
  type CellBucket,
  type SampleChunk,
} from '@runstream/domain';

/**
 * The bucket pyramid of one data object (docs/read-path.md, "The pyramid"):
 * for every level of pyramidShifts(first, last), the cell records of the
 * cells the object meets, in cell order. How a flush summarises a segment,
 * and how a compaction or a merge summarises an input that has no pyramid
 * of its own (small, or written before pyramids).
 */

/** Builds the pyramid of samples first..last from their chunks (contiguous, in seq order). */
export class PyramidBuilder {
  private readonly base: CellBucket[] = [];
  private readonly aggregator = new CellAggregator(PYRAMID_BASE_SHIFT, (cell) =>
    this.base.push(cell),
  );
  private next: number;

  constructor(
    private readonly first: number,
    private readonly last: number,
  ) {
    this.next = first;
  }

  /** Adds a chunk; the part before the next seq owed is left out (the caller may pass it whole). */
  add(chunk: SampleChunk): void {
    const end = chunk.first + chunk.t.length;
    if (end <= this.next) return;
    if (chunk.first > this.next)
      throw new RangeError(`pyramid: chunk at ${chunk.first} where seq ${this.next} was due`);
    const skip = this.next - chunk.first;
    const keep = Math.min(chunk.t.length, this.last - this.next + 1 + skip);
    const part =
      skip === 0 && keep === chunk.t.length
        ? chunk
        : { first: this.next, t: chunk.t.slice(skip, keep), v: chunk.v.slice(skip, keep) };
    if (part.t.length === 0) return;
    this.aggregator.addChunk(part);
    this.next = part.first + part.t.length;
  }

  /** The levels, once every seq first..last was added. */
  build(): IndexLevelInput[] {
    if (this.next !== this.last + 1)
      throw new RangeError(
        `pyramid of ${this.first}..${this.last}: samples end at ${this.next - 1}`,
      );
    this.aggregator.finish();
    return levelsFromBase(this.base, this.first, this.last);
  }
}

/** The pyramid of the samples first..last in `chunks` (see PyramidBuilder). */
export function buildPyramid(
  chunks: Iterable<SampleChunk>,
  first: number,
  last: number,
): IndexLevelInput[] {
  const builder = new PyramidBuilder(first, last);
  for (const chunk of chunks) builder.add(chunk);
  return builder.build();
}

/** Every level of first..last from its finest cells: each coarser one from the one below. */
function levelsFromBase(base: CellBucket[], first: number, last: number): IndexLevelInput[] {
  const levels: IndexLevelInput[] = [];
  let cells = base;
  let shift = PYRAMID_BASE_SHIFT;
  for (const s of pyramidShifts(first, last)) {
    if (s !== shift) {
      cells = coarsenCells(cells, shift, s);
      shift = s;
    }
    levels.push(levelOf(s, cells));
  }
  return levels;
}

function levelOf(shift: number, cells: readonly CellBucket[]): IndexLevelInput {
  return {
    shift,
    firstCell: cells[0]?.cell ?? 0,
    records: cells.map((c) => encodeCellRecord(c.cell, c.bucket)),
  };
}

/**
 * The records of level `toShift` above an object's top level `fromShift`
 * (whose records are given): the top cells combined into the coarser ones.
 * An object meets one cell at its top level, so this is one record.
 */
export function coarsenRecords(
  records: readonly unknown[],
  fromShift: number,
  toShift: number,
): unknown[] {
  const cells = records.map((r) => decodeCellRecord(r, fromShift));
  return coarsenCells(cells, fromShift, toShift).map((c) => encodeCellRecord(c.cell, c.bucket));
}

/**
 * The pyramid of objects joined in seq order (a compaction's output, a
 * merged object) from the pyramids of its parts, each covering its own
 * consecutive seqs: per level of the whole, each part's records as they are
 * (a part's level above its own top is its top record coarsened), the two
 * records of a cell two neighbouring parts share combined. Not a sample is
 * looked at; only the cells where two parts meet are decoded.
 */
export function joinPyramids(
  parts: ReadonlyArray<readonly IndexLevelInput[]>,
  first: number,
  last: number,
): IndexLevelInput[] {
  return pyramidShifts(first, last).map((shift) => {
    const records: unknown[] = [];
    const firstCell = cellOf(first, shift);
    for (const levels of parts) {
      for (const record of recordsAt(levels, shift)) {
        const cell = cellOfRecord(record);
        const at = cell - firstCell;
        if (records.length > 0 && at === records.length - 1)
          records[at] = combineRecords(records[at], record, shift);
        else if (at === records.length) records.push(record);
        else
          throw new StoredFormatError(
            'cell record',
            `level ${shift}: cell ${cell} where cell ${firstCell + records.length} was due`,
          );
      }
    }
    if (records.length !== cellOf(last, shift) - firstCell + 1)
      throw new StoredFormatError(
        'cell record',
        `level ${shift}: ${records.length} cells for seqs ${first}..${last}`,
      );
    return { shift, firstCell, records };
  });
}

/** A part's records of level `shift`: its own, or its top level's coarsened. */
function recordsAt(levels: readonly IndexLevelInput[], shift: number): readonly unknown[] {
  const own = levels.find((l) => l.shift === shift);
  if (own !== undefined) return own.records;
  const top = levels[levels.length - 1];
  if (top === undefined || top.shift > shift)
    throw new RangeError(`a part's pyramid has no level ${shift}`);
  return coarsenRecords(top.records, top.shift, shift);
}

/** The bucket of a's cell part followed by b's, as one record. */
function combineRecords(a: unknown, b: unknown, shift: number): unknown {
  const x = decodeCellRecord(a, shift);
  const y = decodeCellRecord(b, shift);
  return encodeCellRecord(x.cell, combineBuckets(x.bucket, y.bucket));
}

function cellOfRecord(record: unknown): number {
  const cell: unknown = Array.isArray(record) ? record[0] : undefined;
  if (typeof cell !== 'number' || !Number.isSafeInteger(cell) || cell < 0)
    throw new StoredFormatError('cell record', `not a cell record: ${JSON.stringify(record)}`);
  return cell;
}
