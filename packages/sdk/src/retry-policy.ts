/**
 * When to try a failed request again. Pure functions: time and randomness
 * are passed in, so the policy is unit-tested without clocks.
 *
 * Backoff is exponential with "full jitter" (a uniformly random delay in
 * [0, min(cap, base * 2^(attempt-1)))): many producers that failed together
 * do not retry together. A server's Retry-After is a floor, never shortened.
 */
export interface RetryOptions {
  /** Delay scale of the first retry, in ms. Default 250. */
  baseMs?: number;
  /** Upper bound of any backoff delay, in ms. Default 30 000. */
  capMs?: number;
}

export const DEFAULT_RETRY_BASE_MS = 250;
export const DEFAULT_RETRY_CAP_MS = 30_000;

/**
 * Backoff before retry number `attempt` (1 for the first retry), given
 * `random` in [0, 1). Full jitter: `random * min(cap, base * 2^(attempt-1))`.
 */
export function backoffDelayMs(
  attempt: number,
  random: number,
  options: RetryOptions = {},
): number {
  const base = options.baseMs ?? DEFAULT_RETRY_BASE_MS;
  const cap = options.capMs ?? DEFAULT_RETRY_CAP_MS;
  // 2^(attempt-1) overflows to Infinity for huge attempts; min() keeps it at cap.
  const ceiling = Math.min(cap, base * 2 ** Math.max(0, attempt - 1));
  const r = Math.min(Math.max(random, 0), 1);
  return Math.floor(r * ceiling);
}

/**
 * Delay before retry number `attempt`: the jittered backoff, but never less
 * than what the server asked for with Retry-After.
 */
export function retryDelayMs(
  attempt: number,
  random: number,
  retryAfterMs: number | undefined,
  options: RetryOptions = {},
): number {
  return Math.max(backoffDelayMs(attempt, random, options), retryAfterMs ?? 0);
}

/**
 * Parses a Retry-After header (RFC 9110 §10.2.3): either delay-seconds (a
 * non-negative integer) or an HTTP-date. Returns milliseconds from `nowMs`
 * (epoch ms), 0 for a date in the past, undefined when absent or unreadable.
 */
export function parseRetryAfterMs(
  header: string | null | undefined,
  nowMs: number,
): number | undefined {
  if (header === null || header === undefined) return undefined;
  const value = header.trim();
  if (value === '') return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  // Only a date-looking value goes to Date.parse: it accepts bare numbers such as "-5" or "1.5".
  if (!/[a-z]/i.test(value)) return undefined;
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/** What a producer does with an HTTP status. */
export type StatusVerdict = 'ok' | 'retry' | 'split' | 'fail';

/**
 * 2xx is done; 413 means the batch must be split; 408, 429 and every 5xx are
 * transient (the batch is kept and sent again); any other 4xx (400, 401,
 * 403, 404, 409, 422, ...) is something retrying cannot fix.
 */
export function statusVerdict(status: number): StatusVerdict {
  if (status >= 200 && status < 300) return 'ok';
  if (status === 413) return 'split';
  if (status === 408 || status === 429 || status >= 500) return 'retry';
  return 'fail';
}
