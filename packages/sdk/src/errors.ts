import { RunstreamError } from '@runstream/domain';

/**
 * The server answered with a non-2xx status. `code`, `message` and `details`
 * come from the server's error body (`{ error: { code, message, details } }`);
 * `retryAfterMs` from its `Retry-After` header (503 and 429 carry one).
 */
export class RunstreamHttpError extends RunstreamError {
  constructor(
    /** HTTP status of the answer. */
    readonly status: number,
    code: string,
    message: string,
    details: unknown,
    /** What `Retry-After` asked for, in milliseconds, when the server sent one. */
    readonly retryAfterMs: number | undefined,
    /** `METHOD /path` of the request, for messages and logs. */
    readonly request: string,
  ) {
    super(code, status, message, details);
  }
}

/**
 * The request never got an HTTP answer: connection refused or reset, DNS,
 * the per-attempt timeout, or a 2xx whose body could not be read. Always
 * worth retrying for an idempotent request (batches are, by producer+batch).
 */
export class RunstreamNetworkError extends Error {
  constructor(
    message: string,
    /** True when the per-attempt timeout fired. */
    readonly timedOut: boolean,
    /** `METHOD /path` of the request. */
    readonly request: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A `RUNSTREAM_*` environment variable or a client option is unusable. */
export class RunstreamConfigError extends Error {
  constructor(
    /** The environment variable or option at fault. */
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = new.target.name;
  }
}

/** `log()` under `onFull: 'throw'` when the producer already holds `maxBufferedSamples`. */
export class BufferFullError extends Error {
  constructor(
    readonly maxBufferedSamples: number,
    readonly variable: string,
  ) {
    super(
      `producer buffer is full (${maxBufferedSamples} unacknowledged samples): ` +
        `sample of '${variable}' not logged`,
    );
    this.name = new.target.name;
  }
}

/** `log()`/`flush()` on a producer after `close()` or `complete()`. */
export class ProducerClosedError extends Error {
  constructor(readonly run: string) {
    super(`producer for run '${run}' is closed`);
    this.name = new.target.name;
  }
}

/** The server refused a subscription (`{ ok: false, error }` in the subscribe ack). */
export class SubscribeError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly run: string,
    readonly variable: string,
  ) {
    super(`subscribe to run '${run}' variable '${variable}' refused (${code}): ${message}`);
    this.name = new.target.name;
  }
}
