/**
 * @runstream/sdk — send samples from a running model (Producer), read runs
 * and history over HTTP (RunstreamClient), and follow variables live
 * (Subscriber). Defaults come from RUNSTREAM_URL, RUNSTREAM_TOKEN and
 * RUNSTREAM_MIN_INTERVAL_MS and RUNSTREAM_BODY_FORMAT.
 */
export {
  RunstreamClient,
  DEFAULT_REQUEST_TIMEOUT_MS,
  type RunstreamClientOptions,
  type CreateRunResult,
  type ListRunsOptions,
  type ReadHistoryOptions,
  type HistoryOptions,
} from './runstream-client';
export {
  Producer,
  DEFAULT_MIN_INTERVAL_MS,
  DEFAULT_MAX_BATCH_SAMPLES,
  DEFAULT_MAX_BUFFERED_SAMPLES,
  type ProducerOptions,
  type ProducerStats,
  type BufferFullPolicy,
  type CompleteResult,
} from './producer';
export {
  Subscriber,
  DEFAULT_GAP_TIMEOUT_MS,
  DEFAULT_ACK_TIMEOUT_MS,
  type SubscriberOptions,
  type SubscribeOptions,
  type Subscription,
  type SamplesHandler,
} from './subscriber';
export {
  RunstreamHttpError,
  RunstreamNetworkError,
  RunstreamConfigError,
  BufferFullError,
  ProducerClosedError,
  SubscribeError,
} from './errors';
export { readRunstreamEnv, type RunstreamEnv, type BodyFormat } from './env-config';
export {
  backoffDelayMs,
  retryDelayMs,
  parseRetryAfterMs,
  statusVerdict,
  DEFAULT_RETRY_BASE_MS,
  DEFAULT_RETRY_CAP_MS,
  type RetryOptions,
  type StatusVerdict,
} from './retry-policy';
export { ChunkSequencer } from './chunk-sequencer';
export { decodeChunk, type DecodedChunk } from './decoded-chunk';
export type { SamplesRequestBody, ColumnarSeries } from './samples-request';
