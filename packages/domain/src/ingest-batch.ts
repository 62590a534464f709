import { z } from 'zod';
import { ValidationError, type FieldIssue } from './errors';
import type { Float64Columns } from './float64-columns';
import { producerIdSchema, variableNameSchema } from './name-schemas';
import { variableNameProblem } from './names';
import { normalizeWireValues, type BatchSummary, type WireValue } from './sample-value';
import { finiteNumberSchema, isWireValue, wireValueSchema } from './sample-value-schema';

export const MAX_VARIABLES_PER_BATCH = 4096;

/** The samples of one variable inside one batch, columnar: t[i] goes with v[i]. */
export interface VariableSeries {
  name: string;
  t: number[];
  v: WireValue[];
  /** The same samples as float64 columns, when a binary body held them so (every value a number). */
  columns?: Float64Columns;
  summary: BatchSummary;
  ends: SeriesEnds;
}

/** What the write script needs of a series besides its text: known without its arrays. */
export interface SeriesEnds {
  count: number;
  firstT: number;
  lastT: number;
  lastV: WireValue;
  /** t never goes back inside the batch (time seeks need it); NaN never compares. */
  tNonDecreasing: boolean;
}

/** The ends of a series held as arrays (`t` not empty). */
export function seriesEnds(t: readonly number[], v: readonly WireValue[]): SeriesEnds {
  let nonDecreasing = true;
  for (let i = 1; i < t.length; i++)
    if (!((t[i] as number) >= (t[i - 1] as number))) {
      nonDecreasing = false;
      break;
    }
  return {
    count: t.length,
    firstT: t[0] as number,
    lastT: t[t.length - 1] as number,
    lastV: v[v.length - 1] as WireValue,
    tNonDecreasing: nonDecreasing,
  };
}

/** A validated batch, whichever form it arrived in. */
export interface IngestBatch {
  /** With `batch`, makes a retried request idempotent. */
  producer?: string;
  batch?: number;
  series: VariableSeries[];
  sampleCount: number;
}

const batchIdentity = {
  producer: producerIdSchema.optional(),
  batch: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
};

const timeSchema = finiteNumberSchema('t must be a finite number: this one is out of double range');

const seriesSchema = z
  .strictObject({
    t: z.array(timeSchema).min(1, 'a variable needs at least one sample'),
    v: z.array(wireValueSchema),
  })
  .refine((s) => s.t.length === s.v.length, {
    message: 't and v must have the same length',
    path: ['v'],
  });

const isPlainObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

/** seriesSchema's test as plain loops, for the hot path; zod explains a failure. */
function isValidSeries(x: unknown): x is { t: number[]; v: WireValue[] } {
  if (!isPlainObject(x)) return false;
  let keys = 0;
  for (const k in x) {
    if (k !== 't' && k !== 'v') return false;
    keys++;
  }
  const { t, v } = x;
  if (keys !== 2 || !Array.isArray(t) || !Array.isArray(v)) return false;
  if (t.length === 0 || t.length !== v.length) return false;
  for (let i = 0; i < t.length; i++) if (!Number.isFinite(t[i])) return false;
  for (let i = 0; i < v.length; i++) if (!isWireValue(v[i])) return false;
  return true;
}

/**
 * Columnar form: `{ producer, batch, variables: { name: { t: [...], v: [...] } } }`.
 * `variables` is walked by hand, not with z.record: a record schema silently
 * drops a variable named `__proto__`, and every printable name must work.
 */
const columnarSchema = z.strictObject({
  ...batchIdentity,
  variables: z.custom<Record<string, unknown>>(isPlainObject, 'variables must be an object'),
});

/** Row form: `{ producer, batch, samples: [{ variable, t, v }] }`. */
const rowSchema = z.strictObject({
  ...batchIdentity,
  samples: z
    .array(z.strictObject({ variable: variableNameSchema, t: timeSchema, v: wireValueSchema }))
    .min(1, 'samples must not be empty'),
});

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(body)' : out;
}

export function issuesOf(error: z.ZodError, prefix: ReadonlyArray<PropertyKey> = []): FieldIssue[] {
  return error.issues.map((i) => ({
    path: formatPath([...prefix, ...i.path]),
    message: i.message,
  }));
}

function fail(issues: FieldIssue[]): never {
  const first = issues[0];
  throw new ValidationError(
    first ? `${first.path}: ${first.message}` : 'invalid request body',
    issues.slice(0, 20),
  );
}

/**
 * Validates a parsed request body in either form and returns it columnar,
 * with -0 tagged and per-variable min/max computed. Throws ValidationError
 * naming the offending field(s).
 */
export function parseIngestBatch(body: unknown): IngestBatch {
  return parseBatch(body, isValidSeries);
}

/**
 * The same validation with zod alone: every series through seriesSchema, no
 * raw text. The reference parseIngestBatch's plain loops must agree with on
 * every body (ingest-batch.property.test.ts); not used to serve requests.
 */
export function parseIngestBatchWithSchema(body: unknown): IngestBatch {
  return parseBatch(body, (_x): _x is never => false);
}

function parseBatch(
  body: unknown,
  fastCheck: (x: unknown) => x is { t: number[]; v: WireValue[] },
): IngestBatch {
  if (!isPlainObject(body)) fail([{ path: '(body)', message: 'body must be a JSON object' }]);
  if ('samples' in body && 'variables' in body)
    fail([
      { path: '(body)', message: 'send either variables (columnar) or samples (rows), not both' },
    ]);
  if ('producer' in body !== 'batch' in body)
    fail([{ path: '(body)', message: 'producer and batch go together: send both or neither' }]);
  if ('samples' in body) return parseRows(body);
  if (!('variables' in body))
    fail([{ path: '(body)', message: 'body needs variables (columnar) or samples (rows)' }]);

  const envelope = columnarSchema.safeParse(body);
  if (!envelope.success) fail(issuesOf(envelope.error));
  const entries = Object.entries(envelope.data.variables);
  if (entries.length === 0) fail([{ path: 'variables', message: 'variables must not be empty' }]);
  if (entries.length > MAX_VARIABLES_PER_BATCH)
    fail([
      { path: 'variables', message: `at most ${MAX_VARIABLES_PER_BATCH} variables per batch` },
    ]);

  const series: VariableSeries[] = [];
  let sampleCount = 0;
  for (const [name, candidate] of entries) {
    const problem = variableNameProblem(name);
    if (problem !== undefined) fail([{ path: `variables.${name}`, message: problem }]);
    let data: { t: number[]; v: WireValue[] };
    if (fastCheck(candidate)) {
      data = candidate;
    } else {
      const parsed = seriesSchema.safeParse(candidate);
      if (!parsed.success) fail(issuesOf(parsed.error, ['variables', name]));
      data = parsed.data;
    }
    normalizeTimes(data.t);
    const summary = normalizeWireValues(data.v);
    series.push({
      name,
      t: data.t,
      v: data.v,
      summary,
      ends: seriesEnds(data.t, data.v),
    });
    sampleCount += data.t.length;
  }
  return { producer: envelope.data.producer, batch: envelope.data.batch, series, sampleCount };
}

/**
 * A time of -0 is the instant 0: it is stored as 0, in place, so that every
 * path stores the same time (JSON.stringify prints -0 as 0).
 */
function normalizeTimes(t: number[]): void {
  for (let i = 0; i < t.length; i++) if (t[i] === 0 && Object.is(t[i], -0)) t[i] = 0;
}

function parseRows(body: Record<string, unknown>): IngestBatch {
  const parsed = rowSchema.safeParse(body);
  if (!parsed.success) fail(issuesOf(parsed.error));
  const byName = new Map<string, { t: number[]; v: WireValue[] }>();
  for (const row of parsed.data.samples) {
    let s = byName.get(row.variable);
    if (s === undefined) {
      s = { t: [], v: [] };
      byName.set(row.variable, s);
    }
    s.t.push(row.t === 0 ? 0 : row.t); // -0 is the instant 0, as in the columnar form
    s.v.push(row.v);
  }
  if (byName.size > MAX_VARIABLES_PER_BATCH)
    fail([{ path: 'samples', message: `at most ${MAX_VARIABLES_PER_BATCH} variables per batch` }]);
  const series = [...byName].map(([name, s]) => ({
    name,
    ...s,
    summary: normalizeWireValues(s.v),
    ends: seriesEnds(s.t, s.v),
  }));
  return {
    producer: parsed.data.producer,
    batch: parsed.data.batch,
    series,
    sampleCount: parsed.data.samples.length,
  };
}
