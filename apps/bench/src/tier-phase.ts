import type { TieringStores } from './tiering-stores';

/** Runs `fn` under a CPU profiler (BENCH_PROFILE), or just runs it. */
export type Profiler = <T>(name: string, fn: () => Promise<T>) => Promise<T>;

/**
 * What every tier phase (flush, snapshot, merge, jobs) runs with: a
 * redis-server and an s3rver of its own, the bench's log and, with
 * BENCH_PROFILE, the profiler.
 */
export interface TierPhase {
  stores: TieringStores;
  log: (line: string) => void;
  profile?: Profiler;
}
