import type { BenchConfig } from './config';
import type { PhaseTable } from './report';
import type { TieringStores } from './tiering-stores';

/** Runs `fn` under a CPU profiler (BENCH_PROFILE), or just runs it. */
export type Profiler = <T>(name: string, fn: () => Promise<T>) => Promise<T>;

/**
 * What every tier phase (flush, snapshot, merge, jobs, and the read phases)
 * runs with: a redis-server and an s3rver of its own, the bench's log and,
 * with BENCH_PROFILE, the profiler.
 */
export interface TierPhase {
  stores: TieringStores;
  log: (line: string) => void;
  profile?: Profiler;
  /**
   * With BENCH_PROFILE: where the ingest processes a read phase starts write
   * their CPU profiles, and where their summaries go (printed after the table).
   */
  serverProfiles?: { dir: string; add: (title: string, summary: string) => void };
  /** The bench's settings (the read phases take theirs from here). */
  config: BenchConfig;
}

/**
 * A read phase (issue 12's figures) as main runs it, on fresh stores: its
 * data built (saying what it builds), then its table (both read their
 * settings from `phase.config`).
 */
export function readPhase<L>(
  build: (phase: TierPhase) => Promise<L>,
  measure: (phase: TierPhase, layouts: L) => Promise<PhaseTable>,
): (phase: TierPhase) => Promise<PhaseTable> {
  return async (phase) => measure(phase, await build(phase));
}
