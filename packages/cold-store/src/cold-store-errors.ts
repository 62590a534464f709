/**
 * Named errors of the cold store. They are plain `Error`s, not the domain's
 * HTTP-mapped `RunstreamError`s: their messages name buckets, keys and
 * endpoints, which a caller may log but should not hand to API clients. An
 * app that serves history maps them itself (e.g. ColdStoreError → 503).
 */

/** An S3 operation failed (S3 unreachable, refused, timed out…). The SDK's error is the `cause`. */
export class ColdStoreError extends Error {
  constructor(
    message: string,
    /** The S3 operation, e.g. `PutObject`; lets logs and metrics group failures. */
    readonly operation: string,
    /** The object key concerned, when there is one. */
    readonly key?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * The object does not exist (any more). A segment that vanishes between LIST
 * and GET was merged and deleted: readers skip it, the merged object has it.
 */
export class ObjectMissingError extends ColdStoreError {
  constructor(operation: string, key: string, options?: { cause?: unknown }) {
    super(`${operation} ${key}: no such object`, operation, key, options);
  }
}

/** One key that DeleteObjects reported it could not delete. */
export interface FailedDelete {
  key: string;
  code: string;
  message: string;
}

/**
 * DeleteObjects answered, but refused some keys (it reports errors per key
 * inside a 200 response; nothing is thrown by the SDK for them).
 */
export class DeleteObjectsError extends ColdStoreError {
  constructor(readonly failures: FailedDelete[]) {
    const shown = failures
      .slice(0, 5)
      .map((f) => `${f.key} (${f.code}: ${f.message})`)
      .join(', ');
    const more = failures.length > 5 ? ` and ${failures.length - 5} more` : '';
    super(
      `DeleteObjects could not delete ${failures.length} object(s): ${shown}${more}`,
      'DeleteObjects',
      failures[0]?.key,
    );
  }
}

/**
 * An object's bytes are not a valid segment (bad gzip, a line that is not a
 * stored chunk, or chunks that do not match the seq range in the key). This
 * is corruption or a bug, never a transient failure: retrying will not help.
 */
export class SegmentFormatError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}
