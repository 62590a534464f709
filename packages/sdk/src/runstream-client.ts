import {
  BINARY_BODY_CONTENT_TYPE,
  encodeBinaryBody,
  type CreateRunBody,
  type HistoryPage,
  type Run,
  type RunStatus,
  type SamplesAck,
  type VariableStats,
} from '@runstream/domain';
import { checkRunId, checkVariable, positiveOption } from './argument-checks';
import { decodeChunk, type DecodedChunk } from './decoded-chunk';
import { resolveServerConnection, type RunstreamEnv } from './env-config';
import { HttpTransport, type RequestOptions } from './http-transport';
import { Producer, type ProducerOptions } from './producer';
import type { PostSamplesControl, ProducerClient, RequestControl } from './producer-client';
import type { SamplesRequestBody } from './samples-request';

export interface RunstreamClientOptions {
  /** Ingest base URL. Default: RUNSTREAM_URL. */
  url?: string;
  /** Bearer token. Default: RUNSTREAM_TOKEN. */
  token?: string;
  /** Per-attempt request timeout in ms. Default 10 000. */
  requestTimeoutMs?: number;
  /** Environment to read defaults from. Default: `process.env`. */
  env?: NodeJS.ProcessEnv;
}

export interface CreateRunResult {
  run: Run;
  /** False when a run with the requested id already existed (the server answered 200). */
  created: boolean;
}

export interface ListRunsOptions {
  status?: RunStatus;
  limit?: number;
}

export interface ReadHistoryOptions {
  /** First seq to read. Default 1. */
  fromSeq?: number;
  /** At most this many samples (server default 10 000, max 100 000). */
  limit?: number;
}

export interface HistoryOptions {
  fromSeq?: number;
  /** Samples per page request. */
  pageSize?: number;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

/**
 * HTTP client of the Runstream ingest API (`/v1`). Every method is one
 * request (no retries: the Producer has its own retry loop); failures throw
 * RunstreamHttpError (the server answered non-2xx) or RunstreamNetworkError.
 *
 * ```ts
 * const client = new RunstreamClient(); // RUNSTREAM_URL, RUNSTREAM_TOKEN
 * const { run } = await client.createRun({ meta: { model: 'pump' } });
 * const producer = client.producer(run.id);
 * ```
 */
export class RunstreamClient implements ProducerClient {
  /** Base URL the client talks to (no trailing slash). */
  readonly url: string;
  /** Token used for HTTP and, by `subscriber()`, for the socket handshake. */
  readonly token: string;
  /** The environment defaults this client was built with (producers use them too). */
  readonly env: Readonly<RunstreamEnv>;
  private readonly transport: HttpTransport;

  constructor(options: RunstreamClientOptions = {}) {
    const { url, token, env } = resolveServerConnection(options);
    this.env = env;
    this.url = url;
    this.token = token;
    const timeoutMs = positiveOption(options, 'requestTimeoutMs', DEFAULT_REQUEST_TIMEOUT_MS);
    this.transport = new HttpTransport({ baseUrl: this.url, token, timeoutMs });
  }

  /**
   * Creates a run, or returns the existing one when `body.id` is taken
   * (`created: false`), so a restarted model can call it again safely.
   */
  async createRun(body: CreateRunBody = {}): Promise<CreateRunResult> {
    if (body.id !== undefined) checkRunId(body.id);
    const answer = await this.transport.request<{ run: Run }>('POST', '/v1/runs', { body });
    return { run: answer.body.run, created: answer.status === 201 };
  }

  async getRun(run: string): Promise<Run> {
    return (await this.body<{ run: Run }>('GET', runPath(run))).run;
  }

  async listRuns(options: ListRunsOptions = {}): Promise<Run[]> {
    const query = { status: options.status, limit: options.limit };
    return (await this.body<{ runs: Run[] }>('GET', '/v1/runs', { query })).runs;
  }

  /** Every variable of a run with its sample count (= last seq) and min/max/last value. */
  async listVariables(run: string): Promise<VariableStats[]> {
    type Answer = { run: string; variables: VariableStats[] };
    return (await this.body<Answer>('GET', `${runPath(run)}/variables`)).variables;
  }

  /** One page of a variable's history, values still wire-encoded. */
  async readHistory(
    run: string,
    variable: string,
    options: ReadHistoryOptions = {},
  ): Promise<HistoryPage> {
    // The query form of the history route reaches every name, `.` and `..` included,
    // which URL parsers fold away when they stand in a path.
    return this.body<HistoryPage>('GET', `${runPath(run)}/samples`, {
      query: { variable: checkVariable(variable), fromSeq: options.fromSeq, limit: options.limit },
    });
  }

  /**
   * A variable's whole history from `fromSeq`, page by page, values decoded.
   * Each yielded chunk is contiguous; chunks follow each other in seq order.
   */
  async *history(
    run: string,
    variable: string,
    options: HistoryOptions = {},
  ): AsyncGenerator<DecodedChunk> {
    let fromSeq = options.fromSeq ?? 1;
    for (;;) {
      const page = await this.readHistory(run, variable, { fromSeq, limit: options.pageSize });
      if (page.t.length > 0) yield decodeChunk(page);
      if (!page.more) return;
      // A server bug that does not advance would otherwise loop forever.
      if (page.nextSeq <= fromSeq) {
        throw new Error(
          `history of '${variable}' in run '${run}' did not advance past seq ${fromSeq}`,
        );
      }
      fromSeq = page.nextSeq;
    }
  }

  /**
   * Sends one columnar batch. Low level: most callers want `producer()`,
   * which batches, paces and retries. Resending the same body (same producer
   * and batch) is acknowledged again without writing twice.
   */
  async postSamples(
    run: string,
    body: SamplesRequestBody,
    options: PostSamplesControl = {},
  ): Promise<SamplesAck> {
    const payload: RequestOptions =
      options.format === 'binary'
        ? { bytes: { contentType: BINARY_BODY_CONTENT_TYPE, data: encodeBinaryBody(body) } }
        : { body };
    return this.body<SamplesAck>('POST', `${runPath(run)}/samples`, {
      ...payload,
      ...runControl(run, options),
    });
  }

  /**
   * Asks the server to complete a run: no more samples; its history is merged
   * into one object per variable. Idempotent. The run comes back `completing`
   * (merge to come) or `completed`.
   */
  async completeRun(run: string, options: RequestControl = {}): Promise<Run> {
    const path = `${runPath(run)}/complete`;
    return (await this.body<{ run: Run }>('POST', path, runControl(run, options))).run;
  }

  /** A Producer that batches `log()` calls into this run. See `ProducerOptions`. */
  producer(run: string, options: ProducerOptions = {}): Producer {
    return new Producer(this, run, options);
  }

  /** The body of one request's answer. */
  private async body<T>(method: string, path: string, options?: RequestOptions): Promise<T> {
    return (await this.transport.request<T>(method, path, options)).body;
  }
}

/** A run's requests' timeout and abort signal, and the run named in their errors. */
function runControl(run: string, options: RequestControl): RequestOptions {
  return { timeoutMs: options.timeoutMs, signal: options.signal, context: `run '${run}'` };
}

function runPath(run: string): string {
  checkRunId(run);
  return `/v1/runs/${run}`;
}
