import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { RUN_ID_PATTERN, type Run, type SampleValue, type SamplesAck } from '@runstream/domain';
import {
  BufferFullError,
  ProducerClosedError,
  RunstreamConfigError,
  RunstreamHttpError,
  RunstreamNetworkError,
} from './errors';
import { buildBatch, splitParts, type OutgoingBatch } from './outgoing-batch';
import { retryDelayMs, statusVerdict, type RetryOptions, type StatusVerdict } from './retry-policy';
import { checkRunId, numberOption } from './argument-checks';
import { parseBodyFormat, type BodyFormat } from './env-config';
import type { ProducerClient } from './producer-client';
import { SampleBuffer, type FlushTarget } from './sample-buffer';
import { checkTime, checkVariableName, encodeLoggedValue } from './sample-input';

export const DEFAULT_MIN_INTERVAL_MS = 1000;
/** Ingest's default INGEST_MAX_BATCH_SAMPLES: a larger batch would be answered 413 and split. */
export const DEFAULT_MAX_BATCH_SAMPLES = 10_000;
export const DEFAULT_MAX_BUFFERED_SAMPLES = 1_000_000;

/**
 * What `log()` does when the producer already holds `maxBufferedSamples`
 * unacknowledged samples (the server is slow, refusing with 503, or gone):
 * - `'drop-newest'` (default): the new sample is not kept; `stats.dropped`
 *   counts it and `onDrop` is called. The model never stalls or crashes.
 * - `'throw'`: `log()` throws BufferFullError; nothing is dropped silently.
 */
export type BufferFullPolicy = 'drop-newest' | 'throw';

export interface ProducerOptions {
  /**
   * Smallest time between the end of one request of this producer and the
   * start of the next, retries included. Default: RUNSTREAM_MIN_INTERVAL_MS,
   * else 1000.
   */
  minIntervalMs?: number;
  /** At most this many samples per request. Default 10 000 (ingest's default limit). */
  maxBatchSamples?: number;
  /** Bound on unacknowledged samples held in memory (buffered + in flight). Default 1 000 000. */
  maxBufferedSamples?: number;
  /** See BufferFullPolicy. Default `'drop-newest'`. */
  onFull?: BufferFullPolicy;
  /** Called for each sample dropped under `'drop-newest'`. */
  onDrop?: (variable: string, t: number) => void;
  /**
   * Called once when the producer fails for good (a 4xx that retrying cannot
   * fix, such as 400, 401, 403, 404 or 409). Afterwards `log()` throws and
   * `flush()`/`complete()` reject with the same error.
   */
  onError?: (error: Error) => void;
  /** Called before each retry, with the error and the delay chosen. */
  onRetry?: (error: Error, attempt: number, delayMs: number) => void;
  /** Backoff settings (base 250 ms, cap 30 s) and the random source (tests). */
  retry?: RetryOptions & { random?: () => number };
  /** Per-attempt request timeout in ms. Default 10 000. */
  requestTimeoutMs?: number;
  /** Producer id sent with every batch. Default: random, 16 characters of [A-Za-z0-9_-]. */
  producerId?: string;
  /**
   * The batches' form on the wire: `'json'`, or `'binary'` (little-endian
   * float64 columns, docs/protocol.md "Binary bodies"; the same samples,
   * errors and 413 split). Default: RUNSTREAM_BODY_FORMAT, else `'json'`.
   */
  bodyFormat?: BodyFormat;
}

/** Counters of one producer, in samples unless said otherwise. */
export interface ProducerStats {
  /** Held and not yet acknowledged (waiting in the buffer or in flight). */
  buffered: number;
  /** Taken into a batch and handed to the network (at least once). */
  sent: number;
  /** Acknowledged by the server: safe from here on. */
  acknowledged: number;
  /** Refused by `log()` because the buffer was full (`'drop-newest'`). */
  dropped: number;
  /** Thrown away unsent by `close()` (or by a failure). */
  discarded: number;
  /** Requests sent again after a network error, timeout, 408, 429 or 5xx. */
  retries: number;
  /** Batches acknowledged. */
  batches: number;
  /** Batches the server acknowledged as repeats (a retry of a batch it had written). */
  duplicates: number;
  /** Batches split in two after a 413. */
  splits: number;
}

interface FlushWaiter {
  targets: FlushTarget[];
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * Batches `log()` calls of one run and sends them to the ingest server:
 * one request in flight, at least `minIntervalMs` from the end of one
 * request to the start of the next (so the server never sees two closer
 * than that), batches in order, each retried with backoff until
 * acknowledged. Build it with `client.producer(run, options)`.
 *
 * ```ts
 * const producer = client.producer(run.id, { onError: (e) => console.error(e) });
 * producer.log('pump.flow', t, 1.5);
 * await producer.complete();
 * ```
 *
 * Timers are unref'd while nothing waits on the producer: it never keeps a
 * process alive by itself, but a pending `flush()`/`complete()` does, until
 * it settles. Samples not covered by a flush are lost if the process exits.
 */
export class Producer {
  /** The run this producer writes to. */
  readonly run: string;
  /** The producer id sent with every batch. */
  readonly producerId: string;
  readonly minIntervalMs: number;
  /** How batches travel (ProducerOptions.bodyFormat). */
  readonly bodyFormat: BodyFormat;
  readonly maxBatchSamples: number;
  readonly maxBufferedSamples: number;

  private readonly buffer = new SampleBuffer();
  /** Batches formed and not yet acknowledged; the head is the one being sent. */
  private readonly outbox: OutgoingBatch[] = [];
  private outboxSamples = 0;
  private nextBatchNumber = 0;
  /** Shrinks after a 413 so later batches do not hit the same limit again. */
  private batchLimit: number;
  private readonly waiters: FlushWaiter[] = [];
  private readonly counters = {
    sent: 0,
    acknowledged: 0,
    dropped: 0,
    discarded: 0,
    retries: 0,
    batches: 0,
    duplicates: 0,
    splits: 0,
  };

  /** No request starts before this (performance.now() ms). */
  private nextAttemptAt = 0;
  /** Consecutive failed attempts of the current request. */
  private attempt = 0;
  private loop: Promise<void> | undefined;
  private sleeping: { timer: NodeJS.Timeout; wake: () => void } | undefined;
  private failure: Error | undefined;
  private closed = false;
  /** Aborts the request in flight when the producer is closed with `force`. */
  private readonly abort = new AbortController();
  private completing: Promise<CompleteResult> | undefined;

  private readonly onFull: BufferFullPolicy;
  private readonly random: () => number;

  constructor(
    private readonly client: ProducerClient,
    run: string,
    private readonly options: ProducerOptions = {},
  ) {
    checkRunId(run);
    this.run = run;
    this.producerId = options.producerId ?? randomBytes(12).toString('base64url');
    if (!RUN_ID_PATTERN.test(this.producerId)) {
      throw new RunstreamConfigError(
        'options.producerId',
        'must be 1-128 characters of A-Z a-z 0-9 . _ -',
      );
    }
    // RUNSTREAM_MIN_INTERVAL_MS, read by the client, comes between the option and the default.
    const minInterval = client.env.minIntervalMs ?? DEFAULT_MIN_INTERVAL_MS;
    this.minIntervalMs = numberOption(options, 'minIntervalMs', minInterval, 0);
    this.maxBatchSamples = numberOption(options, 'maxBatchSamples', DEFAULT_MAX_BATCH_SAMPLES, 1);
    this.maxBufferedSamples = numberOption(
      options,
      'maxBufferedSamples',
      DEFAULT_MAX_BUFFERED_SAMPLES,
      1,
    );
    this.batchLimit = this.maxBatchSamples;
    this.bodyFormat =
      options.bodyFormat === undefined
        ? (client.env.bodyFormat ?? 'json')
        : parseBodyFormat(options.bodyFormat, 'options.bodyFormat');
    this.onFull = options.onFull ?? 'drop-newest';
    if (this.onFull !== 'drop-newest' && this.onFull !== 'throw') {
      throw new RunstreamConfigError('options.onFull', "must be 'drop-newest' or 'throw'");
    }
    this.random = options.retry?.random ?? Math.random;
  }

  /** A snapshot of the counters. */
  get stats(): ProducerStats {
    return { buffered: this.buffer.size + this.outboxSamples, ...this.counters };
  }

  /** The error that stopped this producer, if any. */
  get error(): Error | undefined {
    return this.failure;
  }

  /**
   * Buffers one sample; synchronous, never waits for the network. Returns
   * false when the sample was dropped because the buffer is full (policy
   * `'drop-newest'`).
   *
   * Throws TypeError for a bad variable name, a non-finite `t` or a value
   * that is not a SampleValue; BufferFullError when full under `'throw'`;
   * the producer's error once it failed; ProducerClosedError after close.
   */
  log(variable: string, t: number, v: SampleValue): boolean {
    if (this.failure !== undefined) throw this.failure;
    if (this.closed) throw new ProducerClosedError(this.run);
    let column = this.buffer.get(variable);
    if (column === undefined) {
      // Validated once per name: a known column is a valid name.
      checkVariableName(variable);
      column = this.buffer.add(variable);
    }
    checkTime(variable, t);
    const wire = encodeLoggedValue(variable, v);
    if (this.buffer.size + this.outboxSamples >= this.maxBufferedSamples) {
      if (this.onFull === 'throw') throw new BufferFullError(this.maxBufferedSamples, variable);
      this.counters.dropped++;
      this.options.onDrop?.(variable, t);
      return false;
    }
    this.buffer.append(column, t, wire);
    if (this.loop === undefined) this.startLoop();
    return true;
  }

  /**
   * Resolves when every sample logged before this call is acknowledged by
   * the server. It does not hurry the producer: requests stay at least
   * `minIntervalMs` apart. Rejects with the producer's error if it fails.
   */
  flush(): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new ProducerClosedError(this.run));
    return this.waitForTargets();
  }

  /**
   * Stops taking samples, waits until everything logged is acknowledged,
   * then asks the server to complete the run and closes the producer.
   * `completed` is false when the server has no complete route yet (404
   * `not_found`): the samples are safe, the run will be completed as idle.
   * Calling it again returns the same promise.
   */
  complete(): Promise<CompleteResult> {
    if (this.completing !== undefined) return this.completing;
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new ProducerClosedError(this.run));
    this.completing = this.completeRun();
    return this.completing;
  }

  /**
   * Stops the producer: `log()` throws from now on and timers are cleared.
   * A `flush()` or `complete()` already pending still finishes (the returned
   * promise waits for it); samples no pending call covers are discarded
   * (`stats.discarded`). To keep them, `await flush()` before closing.
   *
   * `force: true` does not wait: the request in flight is aborted, pending
   * `flush()`/`complete()` reject with ProducerClosedError and everything
   * unacknowledged is discarded — for shutting down while the server is
   * unreachable (a pending flush would otherwise retry, and keep the process
   * alive, until it is back).
   */
  async close(options: { force?: boolean } = {}): Promise<void> {
    this.closed = true;
    if (options.force === true) {
      const closedError = new ProducerClosedError(this.run);
      for (const waiter of this.waiters.splice(0)) waiter.reject(closedError);
      this.abort.abort(closedError);
    }
    if (options.force === true || (this.waiters.length === 0 && this.completing === undefined)) {
      this.interruptSleep();
    }
    if (this.completing !== undefined) await this.completing.catch(() => undefined);
    await this.loop;
    this.discardUnsent();
  }

  private async completeRun(): Promise<CompleteResult> {
    const flushed = this.waitForTargets();
    this.closed = true;
    try {
      await flushed;
      await this.loop;
      if (this.abort.signal.aborted) throw new ProducerClosedError(this.run);
      const run = await this.postComplete();
      return run === undefined ? { completed: false } : { completed: true, run };
    } finally {
      this.discardUnsent();
    }
  }

  /** POST /complete, paced and retried like a batch. Undefined: the route does not exist yet. */
  private async postComplete(): Promise<Run | undefined> {
    this.attempt = 0;
    for (;;) {
      await this.sleepUntil(this.nextAttemptAt);
      if (this.abort.signal.aborted) throw new ProducerClosedError(this.run);
      try {
        return await this.client.completeRun(this.run, {
          timeoutMs: this.options.requestTimeoutMs,
          signal: this.abort.signal,
        });
      } catch (err) {
        if (this.abort.signal.aborted) throw new ProducerClosedError(this.run);
        this.paceFromNow();
        // `not_found` is the router's "no such route"; a missing run is `run_not_found`.
        if (err instanceof RunstreamHttpError && err.status === 404 && err.code === 'not_found')
          return undefined;
        if (verdictOf(err) !== 'retry') throw err;
        this.scheduleRetry(err as Error);
      }
    }
  }

  private waitForTargets(): Promise<void> {
    const targets = this.buffer.flushTargets();
    if (targets.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ targets, resolve, reject });
      // Someone waits now: the pending timer must keep the process alive.
      this.sleeping?.timer.ref();
      if (this.loop === undefined) this.startLoop();
    });
  }

  private startLoop(): void {
    this.loop = this.sendLoop().catch((err: unknown) => {
      // Only a bug gets here; fail loudly rather than stall.
      this.fail(err instanceof Error ? err : new Error(String(err)));
    });
  }

  private get stopping(): boolean {
    return this.failure !== undefined || (this.closed && this.waiters.length === 0);
  }

  /**
   * The one sender. Runs while there is something to send, then ends (no
   * idle timer). `loop` is cleared in `finally`, synchronously with the last
   * emptiness check, so a `log()` right after always starts a new loop.
   */
  private async sendLoop(): Promise<void> {
    try {
      for (;;) {
        if (this.stopping) return;
        if (this.outbox.length === 0 && this.buffer.size === 0) return;
        // The interval is waited before the batch is formed, so it takes
        // everything logged meanwhile.
        await this.sleepUntil(this.nextAttemptAt);
        if (this.stopping) return;
        let batch = this.outbox[0];
        if (batch === undefined) {
          const parts = this.buffer.take(this.batchLimit);
          batch = buildBatch(this.producerId, this.nextBatchNumber++, parts);
          this.outbox.push(batch);
          this.outboxSamples += batch.count;
          this.counters.sent += batch.count;
        }
        await this.attemptBatch(batch);
      }
    } finally {
      this.loop = undefined;
    }
  }

  private async attemptBatch(batch: OutgoingBatch): Promise<void> {
    let ack: SamplesAck;
    try {
      ack = await this.client.postSamples(this.run, batch.body, {
        format: this.bodyFormat,
        timeoutMs: this.options.requestTimeoutMs,
        signal: this.abort.signal,
      });
    } catch (err) {
      if (this.abort.signal.aborted) return; // closed with force: nothing to retry or report
      this.paceFromNow();
      const error = err instanceof Error ? err : new Error(String(err));
      switch (verdictOf(error)) {
        case 'retry':
          this.scheduleRetry(error);
          return;
        case 'split':
          if (batch.count > 1) {
            this.split(batch);
            return;
          }
          this.fail(error);
          return;
        default:
          this.fail(error);
          return;
      }
    }
    this.paceFromNow();
    this.acknowledge(batch, ack);
  }

  /**
   * The interval runs from the end of a request (answer or failure) to the
   * start of the next: then the server, whatever the network delays, never
   * sees two requests of this producer closer than `minIntervalMs`. Retries,
   * split halves and the next batch all wait for it.
   */
  private paceFromNow(): void {
    this.nextAttemptAt = performance.now() + this.minIntervalMs;
  }

  private scheduleRetry(error: Error): void {
    this.attempt++;
    this.counters.retries++;
    const retryAfterMs = error instanceof RunstreamHttpError ? error.retryAfterMs : undefined;
    const delay = retryDelayMs(this.attempt, this.random(), retryAfterMs, this.options.retry);
    this.nextAttemptAt = Math.max(this.nextAttemptAt, performance.now() + delay);
    this.options.onRetry?.(error, this.attempt, delay);
  }

  /** 413: the halves go out as two new batches (the server wrote nothing of this one). */
  private split(batch: OutgoingBatch): void {
    const [a, b] = splitParts(batch.parts);
    const first = buildBatch(this.producerId, this.nextBatchNumber++, a);
    const second = buildBatch(this.producerId, this.nextBatchNumber++, b);
    this.outbox.splice(0, 1, first, second);
    this.batchLimit = Math.min(this.batchLimit, first.count);
    this.counters.splits++;
    this.attempt = 0;
  }

  private acknowledge(batch: OutgoingBatch, ack: SamplesAck): void {
    this.outbox.shift();
    this.outboxSamples -= batch.count;
    this.attempt = 0;
    this.counters.acknowledged += batch.count;
    this.counters.batches++;
    if (ack.duplicate) this.counters.duplicates++;
    for (const part of batch.parts) part.column.acked += part.t.length;
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const waiter = this.waiters[i] as FlushWaiter;
      waiter.targets = waiter.targets.filter((x) => x.column.acked < x.until);
      if (waiter.targets.length === 0) {
        this.waiters.splice(i, 1);
        waiter.resolve();
      }
    }
  }

  private fail(error: Error): void {
    if (this.failure !== undefined) return;
    this.failure = error;
    this.interruptSleep();
    this.discardUnsent();
    for (const waiter of this.waiters.splice(0)) waiter.reject(error);
    const onError = this.options.onError;
    if (onError !== undefined) {
      try {
        onError(error);
      } catch (callbackError) {
        // A throwing callback is a bug in the caller: surface it, as EventEmitter would.
        queueMicrotask(() => {
          throw callbackError;
        });
      }
    }
  }

  private discardUnsent(): void {
    this.counters.discarded += this.buffer.clear() + this.outboxSamples;
    this.outbox.length = 0;
    this.outboxSamples = 0;
  }

  /**
   * Waits until `at` (performance.now() ms); always at least one macrotask.
   * setTimeout may fire up to a millisecond early by performance.now(), so
   * an early wake-up sleeps again: the interval is a guarantee.
   */
  private sleepUntil(at: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = (): void => {
        clearTimeout(this.sleeping?.timer);
        this.sleeping = undefined;
        resolve();
      };
      const arm = (): void => {
        const timer = setTimeout(onTimer, Math.max(0, Math.ceil(at - performance.now())));
        // Idle waiting must not keep the process alive; a pending flush must.
        if (this.waiters.length === 0 && this.completing === undefined) timer.unref();
        this.sleeping = { timer, wake };
      };
      const onTimer = (): void => {
        if (performance.now() < at && this.sleeping !== undefined) arm();
        else wake();
      };
      arm();
    });
  }

  private interruptSleep(): void {
    this.sleeping?.wake();
  }
}

/** What `complete()` resolves to. */
export interface CompleteResult {
  /** False when the server has no complete route yet: the run will end as idle. */
  completed: boolean;
  /**
   * The run as the server answered: `completing` while its merge is to come
   * or running, `completed` after. Absent when `completed` is false.
   */
  run?: Run;
}

function verdictOf(error: unknown): StatusVerdict {
  if (error instanceof RunstreamHttpError) return statusVerdict(error.status);
  if (error instanceof RunstreamNetworkError) return 'retry';
  return 'fail';
}
