import { StoredFormatError } from './errors';
import { decodeNumber, encodeNumber, type WireNumber } from './sample-value';
import {
  SERIES_MAX_COMPONENTS,
  type CellBucket,
  type ComponentStats,
  type SeriesBucket,
  type SeriesPoint,
} from './series-buckets';
import { cellRange } from './series-grid';

/**
 * One cell's bucket as an object index block holds it (docs/read-path.md,
 * "Cell record"): a JSON array
 *
 *   [cell, n, firstSeq, tFirst, tLast, strings, booleans, nulls, components]
 *
 * each component `[count, nan, posInf, negInf]` when count is 0, else
 * `[count, nan, posInf, negInf, fSeq, fT, fV, lSeq, lT, lV, minSeq, minT,
 * minV, maxSeq, maxT, maxV]`, values as wire numbers (`-0` tagged).
 */
export type CellRecord = [
  cell: number,
  n: number,
  firstSeq: number,
  tFirst: number,
  tLast: number,
  strings: number,
  booleans: number,
  nulls: number,
  components: WireNumber[][],
];

const pointFields = (p: SeriesPoint | undefined): WireNumber[] =>
  p === undefined ? [] : [p.seq, p.t, encodeNumber(p.v)];

export function encodeCellRecord(cell: number, bucket: SeriesBucket): CellRecord {
  return [
    cell,
    bucket.lastSeq - bucket.firstSeq + 1,
    bucket.firstSeq,
    bucket.tFirst,
    bucket.tLast,
    bucket.strings,
    bucket.booleans,
    bucket.nulls,
    bucket.components.map((c) =>
      c.count === 0
        ? [c.count, c.nan, c.posInf, c.negInf]
        : [
            c.count,
            c.nan,
            c.posInf,
            c.negInf,
            ...pointFields(c.first),
            ...pointFields(c.last),
            ...pointFields(c.min),
            ...pointFields(c.max),
          ],
    ),
  ];
}

/** Reads values out of one record, naming the field that is wrong. */
class RecordReader {
  constructor(private readonly where: string) {}

  fail(message: string): never {
    throw new StoredFormatError('cell record', `${this.where}: ${message}`);
  }

  int(x: unknown, name: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
    if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < min || x > max)
      this.fail(`${name} must be an integer in [${min}, ${max}], not ${JSON.stringify(x)}`);
    return x;
  }

  t(x: unknown, name: string): number {
    if (typeof x !== 'number' || !Number.isFinite(x))
      this.fail(`${name} must be a finite number, not ${JSON.stringify(x)}`);
    return x;
  }

  /** A point's value: a finite wire number (-0 is the only tag allowed). */
  v(x: unknown, name: string): number {
    if (typeof x === 'number' && Number.isFinite(x)) return x;
    if (
      typeof x === 'object' &&
      x !== null &&
      Object.keys(x).length === 1 &&
      (x as { $num?: unknown }).$num === '-0'
    )
      return decodeNumber(x as WireNumber);
    return this.fail(`${name} must be a finite wire number, not ${JSON.stringify(x)}`);
  }
}

function decodeComponent(
  r: RecordReader,
  raw: unknown,
  i: number,
  lo: number,
  hi: number,
): ComponentStats {
  const name = `component ${i}`;
  if (!Array.isArray(raw)) r.fail(`${name} is not an array`);
  const fields = raw as unknown[];
  const n = hi - lo + 1;
  const c: ComponentStats = {
    count: r.int(fields[0], `${name} count`, 0, n),
    nan: r.int(fields[1], `${name} nan`, 0, n),
    posInf: r.int(fields[2], `${name} posInf`, 0, n),
    negInf: r.int(fields[3], `${name} negInf`, 0, n),
  };
  if (c.count + c.nan + c.posInf + c.negInf > n) r.fail(`${name} counts more than ${n} samples`);
  if (c.count + c.nan + c.posInf + c.negInf === 0) r.fail(`${name} counts nothing`);
  if (fields.length !== (c.count === 0 ? 4 : 16))
    r.fail(`${name} has ${fields.length} fields with count ${c.count}`);
  if (c.count === 0) return c;
  const point = (at: number, which: string): SeriesPoint => ({
    seq: r.int(fields[at], `${name} ${which} seq`, lo, hi),
    t: r.t(fields[at + 1], `${name} ${which} t`),
    v: r.v(fields[at + 2], `${name} ${which} v`),
  });
  const first = point(4, 'first');
  const last = point(7, 'last');
  const min = point(10, 'min');
  const max = point(13, 'max');
  if (
    first.seq > last.seq ||
    min.seq < first.seq ||
    min.seq > last.seq ||
    max.seq < first.seq ||
    max.seq > last.seq ||
    min.v > max.v ||
    (c.count === 1 && first.seq !== last.seq)
  )
    r.fail(`${name} points are inconsistent`);
  return { ...c, first, last, min, max };
}

/**
 * The cell and bucket of a record, checked: a damaged record throws
 * StoredFormatError naming what is wrong, never yields a wrong bucket
 * silently. With `shift`, the bucket must also lie inside its cell.
 */
export function decodeCellRecord(record: unknown, shift?: number): CellBucket {
  const r = new RecordReader(
    Array.isArray(record) ? `cell ${JSON.stringify(record[0])}` : 'record',
  );
  if (!Array.isArray(record) || record.length !== 9) r.fail('not an array of 9 fields');
  const fields = record as unknown[];
  const cell = r.int(fields[0], 'cell', 0);
  const n = r.int(fields[1], 'n', 1);
  const firstSeq = r.int(fields[2], 'firstSeq', 1);
  const lastSeq = r.int(firstSeq + n - 1, 'lastSeq (firstSeq + n - 1)', 1);
  if (shift !== undefined) {
    const [lo, hi] = cellRange(cell, shift);
    if (firstSeq < lo || lastSeq > hi)
      r.fail(`seqs [${firstSeq}, ${lastSeq}] are outside the cell [${lo}, ${hi}]`);
  }
  const strings = r.int(fields[5], 'strings', 0, n);
  const booleans = r.int(fields[6], 'booleans', 0, n);
  const nulls = r.int(fields[7], 'nulls', 0, n);
  if (strings + booleans + nulls > n) r.fail(`strings, booleans and nulls exceed n = ${n}`);
  const rawComponents = fields[8];
  if (!Array.isArray(rawComponents) || rawComponents.length > SERIES_MAX_COMPONENTS)
    r.fail(`components must be an array of at most ${SERIES_MAX_COMPONENTS}`);
  const bucket: SeriesBucket = {
    firstSeq,
    lastSeq,
    tFirst: r.t(fields[3], 'tFirst'),
    tLast: r.t(fields[4], 'tLast'),
    strings,
    booleans,
    nulls,
    components: (rawComponents as unknown[]).map((c, i) =>
      decodeComponent(r, c, i, firstSeq, lastSeq),
    ),
  };
  return { cell, bucket };
}
