import { z } from 'zod';

/**
 * The range of a read of one variable (history pages, series, export), as
 * query parameters: each end a seq or a t, not both; an absent end is the
 * variable's own. Parameters arrive as strings and are coerced; a blank one
 * (`fromT=`) is refused, not read as 0. A t range selects seqs only where
 * the variable's t never decreased (its stats' `tOrdered`); the route says
 * why otherwise (TimeNotOrderedError).
 */
const blankIsNaN = (x: unknown): unknown => (typeof x === 'string' && x.trim() === '' ? NaN : x);

/** A query parameter that must be a positive integer within `max`. */
export const intParam = (min: number, max: number) =>
  z.preprocess(blankIsNaN, z.coerce.number().int().min(min).max(max));

const seqParam = intParam(1, Number.MAX_SAFE_INTEGER);
const tParam = z.preprocess(blankIsNaN, z.coerce.number());

export const readRangeShape = {
  fromSeq: seqParam.optional(),
  toSeq: seqParam.optional(),
  /** The first sample with t at or after it. */
  fromT: tParam.optional(),
  /** The last sample with t at or before it. */
  toT: tParam.optional(),
};

export interface ReadRange {
  fromSeq?: number | undefined;
  toSeq?: number | undefined;
  fromT?: number | undefined;
  toT?: number | undefined;
}

/** The checks across a range's parameters, for a schema's superRefine. */
export function refineReadRange(q: ReadRange, ctx: z.RefinementCtx): void {
  if (q.fromSeq !== undefined && q.fromT !== undefined)
    ctx.addIssue({ code: 'custom', path: ['fromT'], message: 'give fromSeq or fromT, not both' });
  if (q.toSeq !== undefined && q.toT !== undefined)
    ctx.addIssue({ code: 'custom', path: ['toT'], message: 'give toSeq or toT, not both' });
  if (q.fromSeq !== undefined && q.toSeq !== undefined && q.fromSeq > q.toSeq)
    ctx.addIssue({ code: 'custom', path: ['toSeq'], message: 'toSeq must be >= fromSeq' });
  if (q.fromT !== undefined && q.toT !== undefined && q.fromT > q.toT)
    ctx.addIssue({ code: 'custom', path: ['toT'], message: 'toT must be >= fromT' });
}

/** Whether the range is given by t at either end. */
export function selectsByTime(q: ReadRange): boolean {
  return q.fromT !== undefined || q.toT !== undefined;
}

/** GET …/samples.csv: the range to export (the whole variable by default). */
export const exportQuerySchema = z.strictObject(readRangeShape).superRefine(refineReadRange);
export type ExportQuery = z.infer<typeof exportQuerySchema>;
