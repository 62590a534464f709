/**
 * Named errors shared by every app. Each carries a stable `code` (what clients
 * branch on), the HTTP status it maps to, and optional `details` (e.g. the
 * fields a validation error names). The JSON shape on the wire is
 * `{ error: { code, message, details } }` — see `toErrorBody`.
 */
export class RunstreamError extends Error {
  constructor(
    readonly code: string,
    readonly httpStatus: number,
    message: string,
    readonly details?: unknown,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

export function toErrorBody(err: RunstreamError): ErrorBody {
  return {
    error: {
      code: err.code,
      message: err.message,
      ...(err.details === undefined ? {} : { details: err.details }),
    },
  };
}

/** One offending field of a request, with a dotted path such as `variables.x.t[3]`. */
export interface FieldIssue {
  path: string;
  message: string;
}

export class ValidationError extends RunstreamError {
  constructor(message: string, issues: FieldIssue[] = []) {
    super('invalid_request', 400, message, issues.length > 0 ? { issues } : undefined);
  }
}

export class MalformedJsonError extends RunstreamError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('malformed_json', 400, message, undefined, options);
  }
}

/** A binary body whose framing does not add up (docs/protocol.md, "Binary bodies"): nothing of it is read. */
export class MalformedBodyError extends RunstreamError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('malformed_body', 400, message, undefined, options);
  }
}

export class UnsupportedMediaTypeError extends RunstreamError {
  constructor(message: string) {
    super('unsupported_media_type', 415, message);
  }
}

export class UnauthorizedError extends RunstreamError {
  constructor(message = 'a bearer token is required') {
    super('unauthorized', 401, message);
  }
}

export class ForbiddenError extends RunstreamError {
  constructor(message: string) {
    super('forbidden', 403, message);
  }
}

export class NotFoundError extends RunstreamError {
  constructor(message: string, code = 'not_found') {
    super(code, 404, message);
  }
}

export class RunNotFoundError extends NotFoundError {
  constructor(readonly runId: string) {
    super(`run '${runId}' does not exist`, 'run_not_found');
  }
}

export class RunNotRunningError extends RunstreamError {
  constructor(
    readonly runId: string,
    readonly status: string,
  ) {
    super('run_not_running', 409, `run '${runId}' is ${status}: it takes no more samples`, {
      status,
    });
  }
}

/**
 * A run id another project holds. Run ids are one namespace for every
 * project, so a create can only say the id is taken: nothing of the run.
 */
export class RunIdTakenError extends RunstreamError {
  constructor(readonly runId: string) {
    super('run_id_taken', 409, `run id '${runId}' is taken: choose another`);
  }
}

export class PayloadTooLargeError extends RunstreamError {
  constructor(limitBytes: number) {
    super('payload_too_large', 413, `request body is larger than ${limitBytes} bytes`, {
      limitBytes,
    });
  }
}

/**
 * A sample batch over one of ingest's batch limits (variables or samples):
 * nothing of it was written. 413 like a body over the size limit, so a
 * producer splits it the same way.
 */
export class BatchTooLargeError extends RunstreamError {
  constructor(
    readonly what: 'variables' | 'samples',
    limit: number,
    actual: number,
    setting: string,
  ) {
    super(
      'batch_too_large',
      413,
      `a batch may hold at most ${limit} ${what} (${setting}); this one holds ${actual}: send it in smaller batches`,
      { [what === 'variables' ? 'maxVariables' : 'maxSamples']: limit, actual },
    );
  }
}

/** A read selected samples by t, but the variable's t went back at some point: seqs cannot be found by t. */
export class TimeNotOrderedError extends RunstreamError {
  constructor(run: string, variable: string) {
    super(
      't_not_ordered',
      400,
      `variable '${variable}' of run '${run}' has t values that decrease: select its samples by seq (fromSeq/toSeq), not by t`,
    );
  }
}

export class ServiceUnavailableError extends RunstreamError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    options?: { cause?: unknown },
  ) {
    super('unavailable', 503, message, { retryAfterSeconds }, options);
  }
}

/**
 * Stored data (a chunk text, a cell record of an object index) is not in the
 * form its writer produces: corruption or a bug, never the client's fault and
 * never transient. Deliberately not a RunstreamError: its message names
 * storage, which API clients are not told. A reader that knows whose data it
 * was reading turns it into a StoredDataDamagedError.
 */
export class StoredFormatError extends Error {
  constructor(
    /** What was being read, e.g. `chunk text` or `cell record`. */
    readonly format: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${format}: ${message}`, options);
    this.name = new.target.name;
  }
}

/**
 * What was found damaged: a run's manifest, one of a variable's data objects
 * (or its index), or a run's meta in Redis.
 */
export type DamagedKind = 'manifest' | 'segment' | 'merged' | 'meta' | 'other';

export interface Damage {
  kind: DamagedKind;
  /** The run whose data it is, when the reader knows. */
  run?: string;
  variable?: string;
  /** The object's key: for the logs, never sent to a client. */
  key?: string;
}

/**
 * Stored data a request needs cannot be read (a manifest that is not JSON
 * or not a manifest, a data object or index that is truncated or garbage):
 * 502 `stored_data_damaged` — the store behind the server gave bytes that are
 * not what was written, so neither 500 (a fault of the server itself) nor a
 * 4xx (the client did nothing wrong). Not transient — a retry reads the same
 * bytes — so no 503 and no Retry-After. The message
 * names the run and variable, never storage; the app logs the damage (with
 * `damage.key` and the cause) and counts it. Other runs and variables stay
 * readable: readers raise this only for what they could not read.
 */
export class StoredDataDamagedError extends RunstreamError {
  constructor(
    readonly damage: Damage,
    options?: { cause?: unknown },
  ) {
    const whose =
      damage.run === undefined
        ? 'stored data this request needs'
        : `the stored data of run '${damage.run}'${damage.variable === undefined ? '' : `, variable '${damage.variable}'`}`;
    super(
      'stored_data_damaged',
      502,
      `${whose} is damaged and cannot be read; retrying will not help (the server has logged it)`,
      {
        kind: damage.kind,
        ...(damage.run === undefined ? {} : { run: damage.run }),
        ...(damage.variable === undefined ? {} : { variable: damage.variable }),
      },
      options,
    );
  }
}
