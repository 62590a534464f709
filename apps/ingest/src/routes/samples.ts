import {
  BatchTooLargeError,
  RunNotFoundError,
  RunNotRunningError,
  ServiceUnavailableError,
  parseBinaryBody,
  parseIngestBatch,
  parseColumnarBody,
  ValidationError,
  type IngestBatch,
  type SamplesAck,
} from '@runstream/domain';
import type { RunCatalog, WriteAdmission } from '@runstream/tiering';
import { storedBytesBound, type HotStore } from '@runstream/hot-store';
import type { RequestHandler } from 'express';
import type { Authorizer } from '../auth';
import type { RunAccess } from '../run-access';
import type { LivePublisher } from '../live/live-publisher';
import type { IngestLimits } from '../ingest-limits';
import type { IngestMetrics } from '../metrics';
import { parseJsonText } from './json-body';
import { samplesBody } from './samples-body';
import { principalOf, requireScope } from './require-scope';
import type { Principal } from '../token-table';
import { runParam } from './validate';

/**
 * What a write adds to Redis memory, per byte its chunks store (bounded by
 * storedBytesBound): Redis's allocator rounds each string up to a size class
 * (at most 25 % over). An overestimate errs on the safe side: the
 * back-pressure refuses a little early rather than let memory pass HARD_LIMIT.
 */
const REDIS_BYTES_PER_STORED_BYTE = 1.25;

/**
 * How much longer the JSON of a binary body's non-number values can be than
 * their bytes in it: a control character in a string is 1 byte there and 6
 * (`\u0001`) in JSON; a double in an array 8 bytes and at most 24 characters.
 */
const JSON_BYTES_PER_BINARY_SIDECAR_BYTE = 6;

/** Where sample batches are posted. */
export const SAMPLES_PATH = '/v1/runs/:run/samples';

/** What a sample batch's write needs. */
export interface SamplesDeps {
  hotStore: HotStore;
  catalog: RunCatalog;
  access: RunAccess;
  live: LivePublisher;
  metrics: IngestMetrics;
  limits: Pick<IngestLimits, 'maxBatchVariables' | 'maxBatchSamples'>;
  /** Back-pressure: when the run's Redis master is at the hard limit, refuse before writing. */
  pressure?: WriteAdmission;
}

/**
 * Takes one posted body (JSON as text, binary as bytes) for the run named
 * `runText`, from a caller already let through as `principal`: validate, one
 * Redis round trip, one emit per variable, the acknowledgement. Nothing else
 * happens here. The body is checked by plain loops (parseColumnarBody); only
 * a body outside its common shape is validated the long way (zod), which also
 * words the error. A binary body (docs/protocol.md, "Binary bodies") is read
 * by parseBinaryBody into the same batch. Errors come in the same order every
 * way: a malformed body (JSON or framing), then the run id, then the batch.
 */
export type TakeSamples = (
  payload: string | Uint8Array,
  runText: unknown,
  principal: Principal,
) => Promise<SamplesAck>;

export function takeSamples(deps: SamplesDeps): TakeSamples {
  const { hotStore, live, metrics, pressure } = deps;
  return async (payload, runText, principal) => {
    let run: string;
    let batch: IngestBatch;
    let otherValuesBound: number; // what the JSON of the values that are not numbers may take
    if (payload instanceof Uint8Array) {
      batch = parseBinaryBatch(payload, () => runParam(runText));
      run = runParam(runText);
      // The t and v columns take 16 bytes a sample; what is left holds the rest.
      otherValuesBound =
        JSON_BYTES_PER_BINARY_SIDECAR_BYTE * Math.max(0, payload.length - 16 * batch.sampleCount);
    } else {
      const fast = parseColumnarBody(payload);
      const body = fast === undefined ? parseJsonText(payload) : undefined;
      run = runParam(runText);
      batch = fast ?? parseIngestBatch(body);
      otherValuesBound = payload.length;
    }
    await deps.access.check(principal, run);
    const tooLarge = batchLimitError(batch, deps.limits);
    if (tooLarge !== undefined) {
      metrics.batches.inc({ outcome: 'refused_too_large' });
      metrics.limitRefusals.inc({ limit: `batch_${tooLarge.what}` });
      throw tooLarge;
    }
    const bytes = REDIS_BYTES_PER_STORED_BYTE * storedBytesBound(batch, otherValuesBound);
    if (pressure !== undefined && !(await pressure.admitsWrite(bytes, run))) {
      metrics.batches.inc({ outcome: 'refused_full' });
      throw new ServiceUnavailableError(
        'Redis is nearly full while data moves to S3; retry shortly',
        1,
      );
    }
    const result = await hotStore.writer
      .write(run, batch)
      .catch(async (err: unknown) => {
        // Off the hot path: only a refused write asks S3 whether the run was completed.
        if (err instanceof RunNotFoundError) {
          const archived = await deps.catalog.manifest(run);
          if (archived !== undefined) throw new RunNotRunningError(run, archived.run.status);
        }
        throw err;
      })
      .finally(() => pressure?.writeEnded(bytes, run));
    if (result.duplicate) {
      metrics.batches.inc({ outcome: 'duplicate' });
    } else {
      metrics.batches.inc({ outcome: 'written' });
      metrics.samplesWritten.inc(batch.sampleCount);
      live.publish(run, batch.series, result.ranges);
    }
    return {
      run,
      ...(batch.producer !== undefined ? { producer: batch.producer, batch: batch.batch } : {}),
      duplicate: result.duplicate,
      ranges: result.ranges,
    };
  };
}

/**
 * POST /v1/runs/:run/samples on the Express app: the token's write scope
 * before the body is read, the body (samplesBody), then `take`. The common
 * request does not come this way (samples-direct serves it before Express
 * sees it); this route answers the rest (a compressed body, another charset,
 * a missing or unknown type) as it always has.
 */
export function samplesRoute(
  authorizer: Authorizer,
  maxBodyBytes: number,
  take: TakeSamples,
): RequestHandler[] {
  return [
    requireScope(authorizer, 'write'),
    samplesBody(maxBodyBytes),
    async (req, res) => {
      // samplesBody reads a binary body as bytes, a JSON one as text.
      const body: unknown = req.body;
      const payload = body instanceof Uint8Array || typeof body === 'string' ? body : '';
      res.json(await take(payload, req.params.run, principalOf(res)));
    },
  ];
}

/**
 * parseBinaryBody, with the run id checked between a malformed framing and a
 * refused batch: the order the JSON path reports them in.
 */
function parseBinaryBatch(body: Uint8Array, checkRun: () => void): IngestBatch {
  try {
    return parseBinaryBody(body);
  } catch (err) {
    if (err instanceof ValidationError) checkRun();
    throw err;
  }
}

/** The batch's first excess over the limits, if any: they bound one write script's Redis time. */
function batchLimitError(
  batch: IngestBatch,
  limits: Pick<IngestLimits, 'maxBatchVariables' | 'maxBatchSamples'>,
): BatchTooLargeError | undefined {
  const variables = batch.series.length;
  if (variables > limits.maxBatchVariables)
    return new BatchTooLargeError(
      'variables',
      limits.maxBatchVariables,
      variables,
      'INGEST_MAX_BATCH_VARIABLES',
    );
  if (batch.sampleCount > limits.maxBatchSamples)
    return new BatchTooLargeError(
      'samples',
      limits.maxBatchSamples,
      batch.sampleCount,
      'INGEST_MAX_BATCH_SAMPLES',
    );
  return undefined;
}
