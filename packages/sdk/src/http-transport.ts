import type { ErrorBody } from '@runstream/domain';
import { RunstreamHttpError, RunstreamNetworkError } from './errors';
import { parseRetryAfterMs } from './retry-policy';

export interface HttpTransportOptions {
  /** Base URL without a trailing slash (see `parseBaseUrl`). */
  baseUrl: string;
  token: string;
  /** Default per-attempt timeout in ms. */
  timeoutMs: number;
}

export interface RequestOptions {
  query?: Record<string, string | number | undefined>;
  /** A JSON-serialisable body; serialised here, once per attempt. */
  body?: unknown;
  /** A body sent as it is, instead of `body`. */
  bytes?: { contentType: string; data: Uint8Array };
  timeoutMs?: number;
  /** Aborts the attempt early (e.g. a producer closed with `force`). */
  signal?: AbortSignal;
  /** Prefix for error messages, e.g. `run 'r1'`. */
  context?: string;
}

/** The answer of a 2xx request. */
export interface HttpAnswer<T> {
  status: number;
  body: T;
}

/**
 * One HTTP attempt against the ingest API with Node's global fetch: bearer
 * auth, JSON in and out, a per-attempt timeout, and every failure turned into
 * RunstreamHttpError (an answer) or RunstreamNetworkError (no answer). It
 * never retries: retrying is the caller's policy.
 */
export class HttpTransport {
  constructor(private readonly options: HttpTransportOptions) {}

  async request<T>(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<HttpAnswer<T>> {
    const label = `${method} ${path}`;
    const prefix = options.context === undefined ? '' : `${options.context}: `;
    const url = this.options.baseUrl + path + queryString(options.query);
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.options.token}`,
      accept: 'application/json',
    };
    let payload: string | Uint8Array | undefined;
    if (options.bytes !== undefined) {
      headers['content-type'] = options.bytes.contentType;
      payload = options.bytes.data;
    } else if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(options.body);
    }
    const timeoutMs = options.timeoutMs ?? this.options.timeoutMs;

    let response: Response;
    let text: string;
    try {
      // The timeout covers the body too: a server that stalls mid-body must not hang a producer.
      response = await fetch(url, {
        method,
        headers,
        body: payload,
        signal:
          options.signal === undefined
            ? AbortSignal.timeout(timeoutMs)
            : AbortSignal.any([AbortSignal.timeout(timeoutMs), options.signal]),
      });
      text = await response.text();
    } catch (err) {
      // Duck-typed: fetch's errors may come from another realm (vm contexts, jest).
      const timedOut = errorField(err, 'name') === 'TimeoutError';
      const why = timedOut ? `no answer within ${timeoutMs} ms` : describeCause(err);
      throw new RunstreamNetworkError(`${prefix}${label} failed: ${why}`, timedOut, label, {
        cause: err,
      });
    }

    if (!response.ok) throw errorFromResponse(response, text, label, prefix);
    if (text === '') return { status: response.status, body: undefined as T };
    try {
      return { status: response.status, body: JSON.parse(text) as T };
    } catch (err) {
      // A 2xx with a broken body is most likely a cut connection: retryable.
      throw new RunstreamNetworkError(
        `${prefix}${label} answered ${response.status} with a body that is not JSON`,
        false,
        label,
        { cause: err },
      );
    }
  }
}

function queryString(query: RequestOptions['query']): string {
  if (query === undefined) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) params.set(key, String(value));
  }
  const s = params.toString();
  return s === '' ? '' : `?${s}`;
}

function errorField(err: unknown, field: 'name' | 'message' | 'code' | 'cause'): unknown {
  return typeof err === 'object' && err !== null
    ? (err as Record<string, unknown>)[field]
    : undefined;
}

/** fetch wraps the real reason (ECONNREFUSED, "other side closed") in `cause`. */
function describeCause(err: unknown): string {
  const message = errorField(err, 'message');
  if (typeof message !== 'string') return String(err);
  const cause = errorField(err, 'cause');
  const causeMessage = errorField(cause, 'message');
  if (typeof causeMessage !== 'string') return message;
  const code = errorField(cause, 'code');
  return `${message} (${typeof code === 'string' ? `${code}: ` : ''}${causeMessage})`;
}

function isErrorBody(x: unknown): x is ErrorBody {
  if (typeof x !== 'object' || x === null) return false;
  const e = (x as { error?: unknown }).error;
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof (e as { code?: unknown }).code === 'string' &&
    typeof (e as { message?: unknown }).message === 'string'
  );
}

function errorFromResponse(
  response: Response,
  text: string,
  label: string,
  prefix: string,
): RunstreamHttpError {
  const retryAfterMs = parseRetryAfterMs(response.headers.get('retry-after'), Date.now());
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  // A proxy in front of the server may answer with HTML or nothing: keep what it said.
  const { code, message, details } = isErrorBody(parsed)
    ? parsed.error
    : {
        code: `http_${response.status}`,
        message: text.slice(0, 200) || response.statusText || 'no error body',
        details: undefined,
      };
  return new RunstreamHttpError(
    response.status,
    code,
    `${prefix}${label} answered ${response.status} ${code}: ${message}`,
    details,
    retryAfterMs,
    label,
  );
}
