import type { Run, SamplesAck } from '@runstream/domain';
import type { BodyFormat, RunstreamEnv } from './env-config';
import type { SamplesRequestBody } from './samples-request';

/** Per-call overrides of the low-level write calls. */
export interface RequestControl {
  /** Timeout of this attempt in ms (default: the client's). */
  timeoutMs?: number;
  /** Aborts the request; it then fails with RunstreamNetworkError. */
  signal?: AbortSignal;
}

/** RequestControl of a samples post. */
export interface PostSamplesControl extends RequestControl {
  /** The body's form on the wire (default `json`). */
  format?: BodyFormat;
}

/**
 * What a Producer needs of its client: the two write calls, each one
 * request without retries, and the environment defaults. RunstreamClient is
 * one (and builds its producers with itself); the producer depends on this
 * much only.
 */
export interface ProducerClient {
  readonly env: Readonly<Pick<RunstreamEnv, 'minIntervalMs' | 'bodyFormat'>>;
  postSamples(
    run: string,
    body: SamplesRequestBody,
    options?: PostSamplesControl,
  ): Promise<SamplesAck>;
  completeRun(run: string, options?: RequestControl): Promise<Run>;
}
