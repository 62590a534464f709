import type { SeriesBucket, SeriesPoint } from '@runstream/domain';

/**
 * Buckets as lines: per numeric component, the bucket's first, min, max and
 * last points in seq order (M4: the line drawn through them covers every
 * pixel the samples would, so a one-sample spike stays visible). A bucket
 * whose component has no finite value is a gap (null), never a crash; NaN
 * and ±Infinity are also returned as marks, so they show where the line
 * goes on.
 */

export type MarkKind = 'nan' | '+inf' | '-inf';

export interface Mark {
  t: number;
  kind: MarkKind;
  /** How many such samples the bucket holds. */
  count: number;
}

/** One line: x (t) and y, y null where the line breaks. */
export interface Line {
  label: string;
  x: number[];
  y: Array<number | null>;
}

export interface ComponentLines {
  lines: Line[];
  marks: Mark[];
  /** Samples that are strings, booleans or null (not drawn as lines). */
  nonNumeric: number;
}

/** Label of component `i` of `variable`: the name alone for a scalar, `name[i]` for an array's. */
export function componentLabel(variable: string, index: number, width: number): string {
  return width <= 1 ? variable : `${variable}[${index}]`;
}

export function bucketLines(variable: string, buckets: readonly SeriesBucket[]): ComponentLines {
  let width = 0;
  let nonNumeric = 0;
  for (const b of buckets) {
    width = Math.max(width, b.components.length);
    nonNumeric += b.strings + b.booleans + b.nulls;
  }
  const lines: Line[] = [];
  const marks: Mark[] = [];
  for (let c = 0; c < width; c++) {
    const line: Line = { label: componentLabel(variable, c, width), x: [], y: [] };
    for (const b of buckets) {
      const stats = b.components[c];
      if (stats === undefined) continue;
      if (stats.nan > 0) marks.push({ t: b.tFirst, kind: 'nan', count: stats.nan });
      if (stats.posInf > 0) marks.push({ t: b.tFirst, kind: '+inf', count: stats.posInf });
      if (stats.negInf > 0) marks.push({ t: b.tFirst, kind: '-inf', count: stats.negInf });
      if (stats.count === 0 || stats.first === undefined) {
        // Nothing finite here: the line breaks.
        line.x.push(b.tFirst);
        line.y.push(null);
        continue;
      }
      for (const p of bucketPoints([stats.first, stats.min, stats.max, stats.last])) {
        line.x.push(p.t);
        line.y.push(p.v);
      }
    }
    lines.push(line);
  }
  return { lines, marks, nonNumeric };
}

/** The distinct points of one bucket, in seq order. */
function bucketPoints(points: ReadonlyArray<SeriesPoint | undefined>): SeriesPoint[] {
  const out: SeriesPoint[] = [];
  for (const p of points) {
    if (p !== undefined && !out.some((q) => q.seq === p.seq)) out.push(p);
  }
  return out.sort((a, b) => a.seq - b.seq);
}

/**
 * uPlot's data: one x column shared by every line, y columns aligned to it.
 * Lines have their own xs (components' extremes fall at different t), so
 * every point gets a row of its own; other lines have `undefined` there,
 * which uPlot draws across, while `null` (a gap) breaks the line.
 */
export type AlignedData = [number[], ...Array<Array<number | null | undefined>>];

export function alignLines(lines: readonly Line[]): AlignedData {
  const rows: Array<{ x: number; line: number; y: number | null }> = [];
  lines.forEach((line, index) => {
    for (let i = 0; i < line.x.length; i++)
      rows.push({ x: line.x[i] as number, line: index, y: line.y[i] as number | null });
  });
  // Stable: points of one line at equal t keep their seq order.
  rows.sort((a, b) => a.x - b.x);
  const xs = rows.map((r) => r.x);
  const ys = lines.map(() => new Array<number | null | undefined>(rows.length).fill(undefined));
  rows.forEach((r, i) => {
    (ys[r.line] as Array<number | null | undefined>)[i] = r.y;
  });
  return [xs, ...ys];
}
