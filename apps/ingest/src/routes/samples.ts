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

/**
 * POST /v1/runs/:run/samples — the hot path: validate, one Redis round trip,
 * one emit per variable, respond. Nothing else happens here. The body is
 * checked by plain loops (parseColumnarBody); only a body outside its common
 * shape is validated the long way (zod), which also words the error. A binary
 * body (docs/protocol.md, "Binary bodies") is read by parseBinaryBody into
 * the same batch. Errors come in the same order every way: a malformed body
 * (JSON or framing), then the run id, then the batch. The app mounts these
 * handlers on its own router (app.post): no nested router to pass through.
 */
export function samplesRoute(deps: {
  hotStore: HotStore;
  catalog: RunCatalog;
  authorizer: Authorizer;
  access: RunAccess;
  live: LivePublisher;
  metrics: IngestMetrics;
  maxBodyBytes: number;
  limits: Pick<IngestLimits, 'maxBatchVariables' | 'maxBatchSamples'>;
  /** Back-pressure: when the run's Redis master is at the hard limit, refuse before writing. */
  pressure?: WriteAdmission;
}): RequestHandler[] {
  const { hotStore, authorizer, live, metrics, pressure } = deps;
  return [
    requireScope(authorizer, 'write'),
    samplesBody(deps.maxBodyBytes),
    async (req, res) => {
      const payload: unknown = req.body;
      let run: string;
      let batch: IngestBatch;
      let otherValuesBound: number; // what the JSON of the values that are not numbers may take
      if (payload instanceof Uint8Array) {
        // samplesBody reads a binary body as bytes, a JSON one as text.
        batch = parseBinaryBatch(payload, () => runParam(req.params.run));
        run = runParam(req.params.run);
        // The t and v columns take 16 bytes a sample; what is left holds the rest.
        otherValuesBound =
          JSON_BYTES_PER_BINARY_SIDECAR_BYTE * Math.max(0, payload.length - 16 * batch.sampleCount);
      } else {
        const raw = typeof payload === 'string' ? payload : undefined;
        const fast = raw === undefined ? undefined : parseColumnarBody(raw);
        const body = fast !== undefined || raw === undefined ? payload : parseJsonText(raw);
        run = runParam(req.params.run);
        batch = fast ?? parseIngestBatch(body);
        otherValuesBound = raw?.length ?? 0;
      }
      await deps.access.check(principalOf(res), run);
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
      const ack: SamplesAck = {
        run,
        ...(batch.producer !== undefined ? { producer: batch.producer, batch: batch.batch } : {}),
        duplicate: result.duplicate,
        ranges: result.ranges,
      };
      res.json(ack);
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
