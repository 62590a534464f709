import type { MemoryReading } from '@runstream/hot-store';
import type { Logger } from 'pino';
import type { WorkerMetrics } from './metrics';

export interface DrainWatchdogOptions {
  /** DRAIN_CHECK_MS: how often Redis memory is read. */
  intervalMs: number;
  /** FLUSH_THRESHOLD: over it, a flush job is asked for (as ingest does). */
  flushThreshold: number;
  /** HARD_LIMIT: at or over it, this process flushes by itself, now. */
  hardLimit: number;
}

export interface DrainWatchdogDeps {
  /** INFO memory against maxmemory or the configured budget. */
  readMemory: () => Promise<MemoryReading>;
  /** Runs one flush in this process (reason `drain`), bypassing BullMQ. */
  drain: () => Promise<unknown>;
  /** Adds a normal flush job (deduplicated by the catalog). */
  requestFlush: () => Promise<void>;
  /**
   * Called once when memory reaches the hard limit, and `resumeQueues` once
   * when it is back under it: this process's BullMQ workers stop fetching
   * meanwhile. At maxmemory every fetch is an OOM refusal, and BullMQ 6
   * retries a refused fetch at once, without a delay: a busy loop of failing
   * scripts against a Redis that is trying to recover.
   */
  pauseQueues?: () => Promise<void>;
  resumeQueues?: () => Promise<void>;
  logger: Logger;
  metrics: WorkerMetrics;
}

/** What one check did; `busy` when a check (or its drain) was still running. */
export type DrainAction = 'none' | 'request' | 'refused' | 'drain' | 'busy' | 'error';

/** Redis refused a write because it is at maxmemory (noeviction). */
export function isRedisOomError(err: unknown): boolean {
  const message = (err as { message?: unknown } | null | undefined)?.message;
  return typeof message === 'string' && /\bOOM\b/.test(message);
}

/**
 * Keeps Redis from staying full when nobody can ask for a flush. At
 * maxmemory with noeviction Redis refuses BullMQ's own writes, so ingest's
 * flush request (a job) cannot even be added, and a job that was added
 * cannot be moved to active (DESIGN, "Known traps"). The flush itself needs
 * only reads and allow-oom scripts, so this process runs it directly.
 *
 * Every `intervalMs` it reads memory: at or over the hard limit it flushes
 * here (reason `drain`); over the flush threshold it adds an ordinary flush
 * job, the catalog's deduplication folding repeats into one, and ignores an
 * OOM refusal (the next check drains if memory keeps rising). Checks never
 * overlap, so there is never more than one watchdog flush in a process;
 * flush jobs may run beside it (flushes are idempotent, and race safely).
 */
export class DrainWatchdog {
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<DrainAction> | undefined;
  private running = false;
  private queuesPaused = false;

  constructor(
    private readonly deps: DrainWatchdogDeps,
    private readonly options: DrainWatchdogOptions,
  ) {}

  /**
   * Checks now, then every `intervalMs` after the previous check ended.
   * Resolves when the first check is done (a drain included), so a caller
   * can drain a full Redis before its workers start fetching.
   */
  start(): Promise<DrainAction> {
    if (this.running) return Promise.resolve('busy');
    this.running = true;
    return this.tick();
  }

  /**
   * Stops the checks and waits for one in progress (its drain flush
   * included). Queues it paused stay paused: the process is stopping.
   */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.current;
  }

  /** True while this watchdog holds the queues paused (memory at the hard limit). */
  get pausedQueues(): boolean {
    return this.queuesPaused;
  }

  /** One check (also used by tests); `busy` if one is still running. Never rejects. */
  check(): Promise<DrainAction> {
    if (this.current !== undefined) {
      this.deps.metrics.drainChecks.inc({ action: 'busy' });
      return Promise.resolve('busy');
    }
    const current = this.checkOnce().then((action) => {
      this.deps.metrics.drainChecks.inc({ action });
      return action;
    });
    this.current = current;
    void current.finally(() => {
      if (this.current === current) this.current = undefined;
    });
    return current;
  }

  private tick(): Promise<DrainAction> {
    const checked = this.check();
    void checked.finally(() => {
      if (!this.running) return;
      this.timer = setTimeout(() => void this.tick(), this.options.intervalMs);
      // The workers keep the process alive; this timer alone should not.
      this.timer.unref();
    });
    return checked;
  }

  private async checkOnce(): Promise<DrainAction> {
    const { logger } = this.deps;
    let reading: MemoryReading;
    try {
      reading = await this.deps.readMemory();
    } catch (err) {
      logger.warn({ err }, 'drain watchdog: cannot read Redis memory');
      return 'error';
    }
    this.deps.metrics.memoryRatio.set(reading.ratio);
    const full = reading.ratio >= this.options.hardLimit;
    await this.setQueuesPaused(full);

    if (full) {
      logger.warn(
        { ratio: reading.ratio, usedBytes: reading.usedBytes, limitBytes: reading.limitBytes },
        'drain watchdog: Redis at the hard limit, flushing here without the queue',
      );
      try {
        await this.deps.drain();
      } catch {
        // The flush runner logged and counted it; the next check tries again.
        return 'error';
      }
      return 'drain';
    }

    if (reading.ratio > this.options.flushThreshold) {
      try {
        await this.deps.requestFlush();
        return 'request';
      } catch (err) {
        if (isRedisOomError(err)) {
          // Full already: the job cannot be stored; a check at the hard limit drains.
          logger.debug({ ratio: reading.ratio }, 'drain watchdog: flush request refused (OOM)');
          return 'refused';
        }
        logger.warn({ err, ratio: reading.ratio }, 'drain watchdog: cannot add a flush job');
        return 'error';
      }
    }
    return 'none';
  }

  private async setQueuesPaused(paused: boolean): Promise<void> {
    if (paused === this.queuesPaused) return;
    const change = paused ? this.deps.pauseQueues : this.deps.resumeQueues;
    try {
      await change?.();
      this.queuesPaused = paused;
      this.deps.logger.info(
        paused
          ? 'drain watchdog: queues paused while Redis is at the hard limit'
          : 'drain watchdog: queues resumed',
      );
    } catch (err) {
      // Not fatal: the flush goes on; the next check tries the change again.
      this.deps.logger.warn({ err, paused }, 'drain watchdog: cannot pause/resume the queues');
    }
  }
}
