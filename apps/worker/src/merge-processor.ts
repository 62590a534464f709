import { observerJobId, queueCatalog, type Queues } from '@runstream/queues';
import type { MergeOptions, Merger } from '@runstream/tiering';
import { UnrecoverableError, type Job } from 'bullmq';
import type { Logger } from 'pino';
import type { WorkerMetrics } from './metrics';
import type { JobProcessor } from './processors';

export interface MergeSettings {
  quiescenceMs: number;
  concurrency: number;
  probe?: MergeOptions['probe'];
}

/**
 * The merge queue's processor: completes one run (see Merger), then removes
 * the run's observer, which has nothing left to watch. A merge that fails
 * (S3 down, a gap it refuses to paper over) throws and is retried with the
 * catalog's backoff; everything it did before is kept or redone the same.
 */
export function mergeProcessor(
  merger: Merger,
  queues: Queues,
  settings: MergeSettings,
  logger: Logger,
  metrics: WorkerMetrics,
): JobProcessor {
  return async (job: Job) => {
    const parsed = queueCatalog.merge.payload.safeParse(job.data);
    if (!parsed.success)
      throw new UnrecoverableError(
        `merge job ${job.id ?? '?'}: bad payload: ${parsed.error.message}`,
      );
    const { run, reason } = parsed.data;
    const started = performance.now();
    const report = await merger.merge(run, {
      reason,
      quiescenceMs: settings.quiescenceMs,
      concurrency: settings.concurrency,
      ...(settings.probe !== undefined ? { probe: settings.probe } : {}),
    });
    const ms = performance.now() - started;
    metrics.mergeDuration.observe({ outcome: report.outcome }, ms / 1000);
    metrics.samplesMerged.inc(report.samples);
    // A delayed observer is removed now; one running this very moment sees the
    // run completed at its look and ends by itself.
    await queues.queue('observe').remove(observerJobId(run));
    logger.info(
      { run, reason, jobId: job.id, durationMs: Math.round(ms), ...report },
      'merge done',
    );
    return report;
  };
}
