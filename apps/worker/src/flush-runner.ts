import type { FlushReason } from '@runstream/queues';
import type { FlushOptions, FlushReport } from '@runstream/tiering';
import type { Logger } from 'pino';
import type { WorkerMetrics } from './metrics';

/** What every flush of this process is run with (from config). */
export interface FlushSettings {
  /** FLUSH_LOW_WATER: stop once used/limit is at or below it. */
  lowWater: number;
  /** REDIS_MEMORY_BUDGET_BYTES: the limit when Redis has no maxmemory. */
  budgetBytes: number;
  /** Fault injection (RUNSTREAM_TEST_CRASH_AT); unset in production. */
  probe?: FlushOptions['probe'];
}

/** The one thing a FlushRunner needs of the Flusher (tests may pass their own). */
export interface FlushExecutor {
  flush(options: FlushOptions): Promise<FlushReport>;
}

/**
 * Runs one flush with this process's settings, whoever asked for it (a flush
 * job or the drain watchdog), and reports it the same way for both: one
 * structured log line with its reason, and the flush metrics. Errors are
 * logged and rethrown: BullMQ retries a failed job, the watchdog tries again
 * at its next check.
 */
export class FlushRunner {
  constructor(
    private readonly flusher: FlushExecutor,
    private readonly settings: FlushSettings,
    private readonly logger: Logger,
    private readonly metrics: WorkerMetrics,
  ) {}

  async run(reason: FlushReason, context: Record<string, unknown> = {}): Promise<FlushReport> {
    const started = performance.now();
    const elapsed = (): number => performance.now() - started;
    let report: FlushReport;
    try {
      report = await this.flusher.flush({
        lowWater: this.settings.lowWater,
        budgetBytes: this.settings.budgetBytes,
        ...(this.settings.probe !== undefined ? { probe: this.settings.probe } : {}),
      });
    } catch (err) {
      const ms = elapsed();
      this.metrics.flushes.inc({ reason, outcome: 'failed' });
      this.metrics.flushDuration.observe({ reason, outcome: 'failed' }, ms / 1000);
      this.logger.warn({ reason, ...context, durationMs: Math.round(ms), err }, 'flush failed');
      throw err;
    }
    const ms = elapsed();
    const outcome = report.stoppedBecause;
    this.metrics.flushes.inc({ reason, outcome });
    this.metrics.flushDuration.observe({ reason, outcome }, ms / 1000);
    this.metrics.samplesMoved.inc({ reason }, report.samples);
    this.metrics.bytesMoved.inc({ reason }, report.bytes);
    this.metrics.transfersResumed.inc(report.resumed);
    this.logger.info({ reason, ...context, durationMs: Math.round(ms), ...report }, 'flush done');
    return report;
  }
}
