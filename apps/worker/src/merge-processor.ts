import { observerJobId, type Queues } from '@runstream/queues';
import type { MergeOptions, MergeReport, Merger } from '@runstream/tiering';
import type { Job } from 'bullmq';
import type { Logger } from 'pino';
import { mergeJobProgress, withJobProgress, type MergeJobProgress } from './job-progress';
import type { WorkerMetrics } from './metrics';
import { payloadOf, type JobProcessor } from './processors';

export interface MergeSettings {
  quiescenceMs: number;
  concurrency: number;
  probe?: MergeOptions['probe'];
}

/**
 * The merge queue's processor: completes one run (see Merger), reporting its
 * phase and progress on the job, then removes the run's observer, which has
 * nothing left to watch. The run's completion reason is the merge's reason
 * in logs and metrics. Damaged objects do not fail it: their variable is
 * left unmerged and reported (logged, counted). A merge that fails
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
    const { run, reason } = payloadOf('merge', job);
    const started = performance.now();
    let report: MergeReport;
    try {
      report = await withJobProgress<MergeJobProgress, MergeReport>(job, logger, (show) =>
        merger.merge(run, {
          reason,
          quiescenceMs: settings.quiescenceMs,
          concurrency: settings.concurrency,
          ...(settings.probe !== undefined ? { probe: settings.probe } : {}),
          onProgress: (p) => show(mergeJobProgress(reason, p)),
        }),
      );
    } catch (err) {
      const ms = performance.now() - started;
      metrics.mergeDuration.observe({ reason, outcome: 'failed' }, ms / 1000);
      logger.warn({ run, reason, jobId: job.id, durationMs: Math.round(ms), err }, 'merge failed');
      throw err;
    }
    const ms = performance.now() - started;
    metrics.mergeDuration.observe({ reason, outcome: report.outcome }, ms / 1000);
    metrics.samplesMerged.inc({ reason }, report.samples);
    for (const { variable, objects } of report.damaged) {
      metrics.mergeDamagedObjects.inc({ reason }, objects.length);
      logger.error(
        { run, variable, objects, jobId: job.id },
        'merge found damaged objects: the variable is left unmerged, its segments kept',
      );
    }
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
