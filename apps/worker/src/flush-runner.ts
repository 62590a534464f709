import type {
  FlushedSegment,
  FlushExecutor,
  FlushOptions,
  FlushProgress,
  FlushReason,
  FlushReport,
} from '@runstream/tiering';
import type { Logger } from 'pino';
import type { WorkerMetrics } from './metrics';

/** What every flush of this process is run with (from config). */
export interface FlushSettings {
  /** FLUSH_LOW_WATER: stop once used/limit is at or below it. */
  lowWater: number;
  /** REDIS_MEMORY_BUDGET_BYTES: the limit when Redis has no maxmemory. */
  budgetBytes: number;
  /** An age flush moves the buffers of runs with samples this old (ms); undefined: age flushes off. */
  ageOlderThanMs?: number | undefined;
  /** Fault injection (RUNSTREAM_TEST_CRASH_AT); unset in production. */
  probe?: FlushOptions['probe'];
}

/**
 * Runs flushes, whoever asked for them (a flush job, the drain watchdog, a
 * merge), and reports each the same way: one structured log line with its
 * reason, and the flush metrics labelled with it. Errors are logged and
 * rethrown: BullMQ retries a failed job, the watchdog tries again at its
 * next check, a merge fails and is retried.
 */
export class FlushRunner implements FlushExecutor {
  constructor(
    private readonly flusher: FlushExecutor,
    private readonly settings: FlushSettings,
    private readonly logger: Logger,
    private readonly metrics: WorkerMetrics,
  ) {}

  /**
   * One flush down to this process's low-water mark; for reason `age`, one
   * of the buffers holding samples older than the age limit (none when age
   * flushes are off here: a job left scheduled only resumes transfers).
   */
  run(
    reason: FlushReason,
    context: Record<string, unknown> = {},
    onProgress?: (progress: FlushProgress) => void,
  ): Promise<FlushReport> {
    return this.flush(
      {
        reason,
        lowWater: this.settings.lowWater,
        budgetBytes: this.settings.budgetBytes,
        ...(reason === 'age'
          ? { olderThanMs: this.settings.ageOlderThanMs ?? Number.POSITIVE_INFINITY }
          : {}),
        ...(this.settings.probe !== undefined ? { probe: this.settings.probe } : {}),
        ...(onProgress !== undefined ? { onProgress } : {}),
      },
      context,
    );
  }

  /** The flush `options` describe (a merge's flush of its run), logged and counted. */
  async flush(options: FlushOptions, context: Record<string, unknown> = {}): Promise<FlushReport> {
    const reason = options.reason ?? 'forced';
    const logContext = {
      reason,
      ...(options.run !== undefined ? { run: options.run } : {}),
      ...context,
    };
    const started = performance.now();
    const elapsed = (): number => performance.now() - started;
    const onSegment = (segment: FlushedSegment): void => {
      options.onSegment?.(segment);
      this.metrics.segmentsWritten.inc({ reason });
      // A transfer moved in several segments is a long flush: each one is
      // logged, as it goes. A transfer of one segment is the flush done line.
      const several = segment.index > 0 || segment.last < segment.transferLast;
      this.logger[several ? 'info' : 'debug'](
        { ...logContext, ...segment },
        'flush segment written',
      );
    };
    let report: FlushReport;
    try {
      report = await this.flusher.flush({ ...options, reason, onSegment });
    } catch (err) {
      const ms = elapsed();
      this.metrics.flushes.inc({ reason, outcome: 'failed' });
      this.metrics.flushDuration.observe({ reason, outcome: 'failed' }, ms / 1000);
      this.logger.warn({ ...logContext, durationMs: Math.round(ms), err }, 'flush failed');
      throw err;
    }
    const ms = elapsed();
    const outcome = report.stoppedBecause;
    this.metrics.flushes.inc({ reason, outcome });
    this.metrics.flushDuration.observe({ reason, outcome }, ms / 1000);
    this.metrics.samplesMoved.inc({ reason }, report.samples);
    this.metrics.bytesMoved.inc({ reason }, report.bytes);
    this.metrics.transfersResumed.inc({ reason }, report.resumed);
    if (report.oldestKeptMs !== undefined) this.metrics.noteOldestUnflushed(report.oldestKeptMs);
    this.logger.info({ ...logContext, durationMs: Math.round(ms), ...report }, 'flush done');
    return report;
  }
}
