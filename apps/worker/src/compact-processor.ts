import type { CompactOptions, CompactReport, Compactor } from '@runstream/tiering';
import type { Job } from 'bullmq';
import type { Logger } from 'pino';
import { compactJobProgress, withJobProgress, type CompactJobProgress } from './job-progress';
import type { WorkerMetrics } from './metrics';
import { payloadOf, type JobProcessor } from './processors';

export interface CompactSettings {
  /** COMPACT_FANIN */
  fanIn: number;
  /** COMPACT_SEGMENTS */
  maxSegments: number;
  probe?: CompactOptions['probe'];
}

/**
 * The compact queue's processor: compacts the segments of one running run's
 * variables (see Compactor), reporting its progress on the job. A
 * compaction that fails (S3 down, an input gone under a merge) throws and is
 * retried with the catalog's backoff; one killed anywhere leaves nothing a
 * reader or the next compaction cannot use.
 */
export function compactProcessor(
  compactor: Compactor,
  settings: CompactSettings,
  logger: Logger,
  metrics: WorkerMetrics,
): JobProcessor {
  return async (job: Job) => {
    const { run, reason, requestedAt } = payloadOf('compact', job);
    const context = { run, reason, jobId: job.id, waitedMs: Date.now() - requestedAt };
    const started = performance.now();
    let report: CompactReport;
    try {
      report = await withJobProgress<CompactJobProgress, CompactReport>(job, logger, (show) =>
        compactor.compact(run, {
          reason,
          fanIn: settings.fanIn,
          maxSegments: settings.maxSegments,
          ...(settings.probe !== undefined ? { probe: settings.probe } : {}),
          onProgress: (p) => show(compactJobProgress(reason, p)),
        }),
      );
    } catch (err) {
      const ms = performance.now() - started;
      metrics.compactionDuration.observe({ outcome: 'failed' }, ms / 1000);
      logger.warn({ ...context, durationMs: Math.round(ms), err }, 'compaction failed');
      throw err;
    }
    const ms = performance.now() - started;
    metrics.compactionDuration.observe({ outcome: report.outcome }, ms / 1000);
    metrics.segmentsCompacted.inc(report.joined);
    logger.info({ ...context, durationMs: Math.round(ms), ...report }, 'compaction done');
    return report;
  };
}
