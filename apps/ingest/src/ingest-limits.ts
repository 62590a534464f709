/**
 * What one client may cost this process: the bounds ingest enforces, with
 * their defaults. config.ts reads each from the environment (the README's
 * table says why each default is what it is); tests build apps with small
 * ones.
 */
export interface IngestLimits {
  /** Variables in one sample batch (413 `batch_too_large` above it). */
  maxBatchVariables: number;
  /** Samples in one sample batch (413 `batch_too_large` above it). */
  maxBatchSamples: number;
  /** Live subscriptions one socket may hold (subscribe ack `too_many_subscriptions`). */
  maxSubscriptionsPerSocket: number;
  /** Open TCP connections (HTTP and Socket.IO); past it new ones are closed at once. */
  maxConnections: number;
  /** Time a client has to send a request's headers. */
  headersTimeoutMs: number;
  /** Time a client has to send a whole request, body included (408 after it). */
  requestTimeoutMs: number;
  /**
   * Bytes queued for one socket (Socket.IO's write buffer and the socket's
   * own) past which live events are not queued for it: it leaves the room and
   * is told to `resync` from the first seq it missed.
   */
  liveMaxBufferedBytes: number;
}

/**
 * Batch bounds measured with apps/bench's write-script-cost (README,
 * "Limits"): a batch at both bounds keeps the write script, which blocks Redis
 * for every client while it runs, to a few ms.
 */
export const DEFAULT_LIMITS: IngestLimits = {
  maxBatchVariables: 256,
  maxBatchSamples: 10_000,
  maxSubscriptionsPerSocket: 1000,
  maxConnections: 10_000,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  liveMaxBufferedBytes: 8 * 1024 * 1024,
};
