import type { ErrorBody, Run, SampleChunk, SeriesResponse, VariableStats } from '@runstream/domain';
import { parseRetryAfterMs, retryDelayMs } from '@runstream/sdk/retry-policy';

/** Tries of one request while the server is busy (503, Retry-After) or away (a restart). */
const MAX_TRIES = 6;
const RETRY = { baseMs: 250, capMs: 5000 };
/** Transient answers; 502 stored_data_damaged is not (the same bytes answer again). */
const TRANSIENT = new Set([408, 429, 503, 504]);

/** An answer other than 2xx, with the server's error code when it sent one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }

  /** The token is missing, unknown or may not read. */
  get refusedToken(): boolean {
    return this.status === 401 || this.status === 403;
  }
}

export interface SeriesRange {
  fromT?: number;
  toT?: number;
  fromSeq?: number;
  points: number;
}

/** The HTTP API as the page uses it, every request with the user's token. */
export class ApiClient {
  constructor(private readonly token: string) {}

  async runs(): Promise<Run[]> {
    return (await this.get<{ runs: Run[] }>('/v1/runs?limit=500')).runs;
  }

  async run(id: string): Promise<Run> {
    return (await this.get<{ run: Run }>(`/v1/runs/${encodeURIComponent(id)}`)).run;
  }

  async variables(run: string): Promise<VariableStats[]> {
    const path = `/v1/runs/${encodeURIComponent(run)}/variables`;
    return (await this.get<{ variables: VariableStats[] }>(path)).variables;
  }

  series(run: string, variable: string, range: SeriesRange): Promise<SeriesResponse> {
    const q = new URLSearchParams({ variable, points: String(range.points) });
    if (range.fromT !== undefined) q.set('fromT', String(range.fromT));
    if (range.toT !== undefined) q.set('toT', String(range.toT));
    if (range.fromSeq !== undefined) q.set('fromSeq', String(range.fromSeq));
    return this.get<SeriesResponse>(`/v1/runs/${encodeURIComponent(run)}/series?${q}`);
  }

  /** Raw samples from `fromSeq` (an event table's history). */
  samples(run: string, variable: string, fromSeq: number, limit: number): Promise<SampleChunk> {
    const q = new URLSearchParams({ variable, fromSeq: String(fromSeq), limit: String(limit) });
    return this.get<SampleChunk>(`/v1/runs/${encodeURIComponent(run)}/samples?${q}`);
  }

  private async get<T>(path: string): Promise<T> {
    const res = await this.fetchRetrying(path);
    const body: unknown = await res.json().catch(() => undefined);
    if (!res.ok) {
      const error = (body as Partial<ErrorBody> | undefined)?.error;
      throw new ApiError(res.status, error?.code ?? 'http_error', error?.message ?? res.statusText);
    }
    return body as T;
  }

  private async fetchRetrying(path: string): Promise<Response> {
    for (let attempt = 1; ; attempt++) {
      let retryAfterMs: number | undefined;
      try {
        const res = await fetch(path, { headers: { authorization: `Bearer ${this.token}` } });
        if (!TRANSIENT.has(res.status) || attempt >= MAX_TRIES) return res;
        retryAfterMs = parseRetryAfterMs(res.headers.get('retry-after'), Date.now());
      } catch (err) {
        // fetch rejects only when no answer came (server away): try again, as for a 503.
        if (attempt >= MAX_TRIES) throw err;
      }
      const delay = retryDelayMs(attempt, Math.random(), retryAfterMs, RETRY);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
