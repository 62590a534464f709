import { coldStoreEnvOf } from '@runstream/cold-store';
import { CompactionTrigger, Compactor } from '@runstream/tiering';
import { loadConfig as loadWorkerConfig } from '@runstream/worker';
import type { TieringStores } from './tiering-stores';

/** What compactions did over a history's build. */
export interface CompactionTally {
  /** Compaction passes (one per run a flush left over COMPACT_SEGMENTS). */
  passes: number;
  /** Segments written, and the segments they joined. */
  written: number;
  joined: number;
  seconds: number;
}

/**
 * What the worker does after a flush job, with the worker's own settings
 * (COMPACT_SEGMENTS, COMPACT_FANIN, COMPACT_CONCURRENCY as its config
 * defaults them): the flushed variables are noted (as its segment sink
 * notes them), the runs that passed COMPACT_SEGMENTS are compacted
 * (`Compactor.compact`, as its compact processor runs it). Here in line,
 * after each flush, rather than through the compact queue: the same
 * trigger and the same compaction, without the queue's delay between them.
 * Returns the hook for HistoryPlan.afterFlush and what it did.
 */
export function compactLikeTheWorker(
  stores: TieringStores,
  variables: readonly string[],
): { afterFlush: (run: string) => Promise<void>; tally: CompactionTally } {
  const config = loadWorkerConfig({
    REDIS_URL: stores.redis.url,
    ...coldStoreEnvOf({ ...stores.s3.connection, bucket: stores.bucket }),
  });
  const trigger = new CompactionTrigger(stores.cold, config.COMPACT_SEGMENTS);
  const compactor = new Compactor(stores.hot, stores.cold);
  const tally: CompactionTally = { passes: 0, written: 0, joined: 0, seconds: 0 };
  const afterFlush = async (run: string): Promise<void> => {
    for (const variable of variables) trigger.noteSegment(run, variable);
    const started = performance.now();
    for (const over of await trigger.runsToCompact()) {
      const report = await compactor.compact(over, {
        reason: 'segments',
        fanIn: config.COMPACT_FANIN,
        maxSegments: config.COMPACT_SEGMENTS,
        concurrency: config.COMPACT_CONCURRENCY,
      });
      tally.passes++;
      tally.written += report.written;
      tally.joined += report.joined;
    }
    tally.seconds += (performance.now() - started) / 1000;
  };
  return { afterFlush, tally };
}
