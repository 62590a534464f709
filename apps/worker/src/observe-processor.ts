import type { HotStore } from '@runstream/hot-store';
import type { Queues } from '@runstream/queues';
import { DelayedError, type Job } from 'bullmq';
import type { Logger } from 'pino';
import type { WorkerMetrics } from './metrics';
import { observerDelay, type ObserverDelayStrategy } from './observer-delay';
import { payloadOf, type JobProcessor } from './processors';

export interface ObserveSettings {
  intervalMs: number;
  repeats: number;
  strategy: ObserverDelayStrategy;
  /**
   * True while ingest refuses writes (Redis at HARD_LIMIT): a producer held
   * back by 503s is not idle, so no run is completed as idle then.
   */
  writesRefused: () => Promise<boolean>;
}

export type ObserveOutcome = 'idle' | 'gone' | 'completing' | 'completed';

/**
 * The observe queue's processor: one look at a running run. It compares the
 * run's sample count with the one it saw last; after `repeats` unchanged
 * looks in a row it completes the run as idle and asks for its merge.
 * Otherwise the same job moves itself back to delayed with its new state
 * (BullMQ's step-job pattern: moveToDelayed + DelayedError), so a run has one
 * observer, under one job id, for its whole life, and none is left behind
 * once the run is completing (it ends at its next look).
 */
export function observeProcessor(
  hot: HotStore,
  queues: Queues,
  settings: ObserveSettings,
  logger: Logger,
  metrics: WorkerMetrics,
): JobProcessor {
  return async (job: Job, token?: string) => {
    const payload = payloadOf('observe', job);
    const { run, lastCount } = payload;

    const record = await hot.runs.get(run);
    const outcome = (o: ObserveOutcome): ObserveOutcome => {
      metrics.observerLooks.inc({ outcome: o });
      return o;
    };
    if (record === undefined) return outcome('gone');
    if (record.status === 'completed') return outcome('completed');
    if (record.status === 'completing') {
      // Its merge job may have been lost (ingest could not add it): ask again (deduplicated).
      await queues.add('merge', {
        run,
        reason: record.reason ?? 'requested',
        requestedAt: Date.now(),
      });
      return outcome('completing');
    }

    const count = await hot.runs.sampleCount(run);
    let unchanged = count === lastCount ? payload.unchanged + 1 : 0;
    if (unchanged >= settings.repeats && (await settings.writesRefused())) unchanged = 0;
    if (unchanged >= settings.repeats) {
      await hot.runs.beginCompletion(run, 'idle');
      await queues.add('merge', { run, reason: 'idle', requestedAt: Date.now() });
      logger.info({ run, count, looks: unchanged }, 'run idle: completing it');
      return outcome('idle');
    }

    if (token === undefined) throw new Error('observe job without a lock token: cannot reschedule');
    await job.updateData({ run, lastCount: count, unchanged });
    await job.moveToDelayed(
      Date.now() + observerDelay(settings.strategy, settings.intervalMs, unchanged + 1),
      token,
    );
    metrics.observerLooks.inc({ outcome: unchanged === 0 ? 'changed' : 'unchanged' });
    throw new DelayedError();
  };
}
