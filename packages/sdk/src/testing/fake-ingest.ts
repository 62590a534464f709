import type { ServerResponse } from 'node:http';
import {
  BINARY_BODY_CONTENT_TYPE,
  RUN_ID_PATTERN,
  RunstreamError,
  parseBinaryBody,
  parseIngestBatch,
  type Run,
  type SamplesAck,
  type SeqRange,
  type WireValue,
} from '@runstream/domain';
import { sendError, sendJson, type RecordedRequest } from './scripted-http-server';

interface StoredVariable {
  t: number[];
  v: WireValue[];
}

/**
 * A tiny in-memory ingest that follows the server contract closely enough
 * to check the SDK: bearer auth, runs, columnar batches validated by the
 * domain's own parser, seqs per variable, and (producer, batch) dedup.
 */
export class FakeIngest {
  readonly runs = new Map<string, { run: Run; variables: Map<string, StoredVariable> }>();
  /** Acks by `producer/batch`: a repeat gets the same ack with duplicate: true. */
  readonly acks = new Map<string, SamplesAck>();
  /** Batches written (repeats excluded). */
  written = 0;
  /** Samples requests that reached the handler (repeats included). */
  received = 0;
  /** Answer POST /complete (false: the route does not exist yet, 404 not_found). */
  completeRoute = false;

  constructor(readonly token = 'secret') {}

  addRun(id: string, status: Run['status'] = 'running'): void {
    this.runs.set(id, {
      run: { id, status, createdAt: new Date(0).toISOString(), samples: 0, meta: {} },
      variables: new Map(),
    });
  }

  variable(run: string, name: string): StoredVariable | undefined {
    return this.runs.get(run)?.variables.get(name);
  }

  readonly handle = (req: RecordedRequest, res: ServerResponse): void => {
    if (req.headers.authorization !== `Bearer ${this.token}`) {
      sendError(res, 401, 'unauthorized', 'a bearer token is required');
      return;
    }
    const parts = req.path.split('/').slice(1);
    if (req.method === 'POST' && req.path === '/v1/runs') return this.createRun(req, res);
    if (parts[0] !== 'v1' || parts[1] !== 'runs' || parts[2] === undefined) {
      sendError(res, 404, 'not_found', `no route ${req.method} ${req.path}`);
      return;
    }
    const runId = parts[2];
    const entry = this.runs.get(runId);
    if (req.method === 'POST' && parts[3] === 'samples' && parts.length === 4) {
      if (entry === undefined)
        return sendError(res, 404, 'run_not_found', `run '${runId}' does not exist`);
      return this.samples(entry, req, res);
    }
    if (req.method === 'POST' && parts[3] === 'complete' && this.completeRoute) {
      if (entry === undefined)
        return sendError(res, 404, 'run_not_found', `run '${runId}' does not exist`);
      entry.run.status = 'completing';
      return sendJson(res, 202, { run: entry.run });
    }
    sendError(res, 404, 'not_found', `no route ${req.method} ${req.path}`);
  };

  private createRun(req: RecordedRequest, res: ServerResponse): void {
    const body = (req.json ?? {}) as { id?: string };
    const id = body.id ?? `run-${this.runs.size + 1}`;
    if (!RUN_ID_PATTERN.test(id)) return sendError(res, 400, 'invalid_request', 'bad id');
    const existed = this.runs.has(id);
    if (!existed) this.addRun(id);
    sendJson(res, existed ? 200 : 201, { run: this.runs.get(id)?.run });
  }

  private samples(
    entry: { run: Run; variables: Map<string, StoredVariable> },
    req: RecordedRequest,
    res: ServerResponse,
  ): void {
    this.received++;
    if (entry.run.status !== 'running') {
      return sendError(res, 409, 'run_not_running', `run '${entry.run.id}' is ${entry.run.status}`);
    }
    let batch;
    try {
      batch =
        req.headers['content-type'] === BINARY_BODY_CONTENT_TYPE
          ? parseBinaryBody(req.bytes)
          : parseIngestBatch(req.json);
    } catch (err) {
      if (err instanceof RunstreamError)
        return sendError(res, err.httpStatus, err.code, err.message);
      throw err;
    }
    const key = `${batch.producer}/${batch.batch}`;
    const seen = this.acks.get(key);
    if (seen !== undefined) return sendJson(res, 200, { ...seen, duplicate: true });
    const ranges: SeqRange[] = [];
    for (const series of batch.series) {
      let stored = entry.variables.get(series.name);
      if (stored === undefined) {
        stored = { t: [], v: [] };
        entry.variables.set(series.name, stored);
      }
      const first = stored.t.length + 1;
      // A loop, not push(...xs): spreading 100 000 arguments overflows the stack.
      for (let i = 0; i < series.t.length; i++) {
        stored.t.push(series.t[i] as number);
        stored.v.push(series.v[i] as WireValue);
      }
      ranges.push({ variable: series.name, first, last: stored.t.length });
    }
    this.written++;
    const ack: SamplesAck = {
      run: entry.run.id,
      producer: batch.producer,
      batch: batch.batch,
      duplicate: false,
      ranges,
    };
    this.acks.set(key, ack);
    sendJson(res, 200, ack);
  }
}
