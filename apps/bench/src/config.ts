import { join } from 'node:path';
import { z } from 'zod';

/** The parts of a bench run, in the order they run. */
export const BENCH_PHASES = ['throughput', 'latency', 'flush', 'snapshot'] as const;
export type BenchPhase = (typeof BENCH_PHASES)[number];

/**
 * `BENCH_PHASES`: a comma list of phase names, or `all`. Latency runs at half
 * of the rate the throughput phase measured, so it needs that phase.
 */
export function parsePhases(text: string): BenchPhase[] | string {
  const names = text
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n !== '');
  if (names.length === 0 || (names.length === 1 && names[0] === 'all')) return [...BENCH_PHASES];
  const unknown = names.filter((n) => !(BENCH_PHASES as readonly string[]).includes(n));
  if (unknown.length > 0)
    return `unknown phase ${unknown.map((n) => `'${n}'`).join(', ')}; phases: ${BENCH_PHASES.join(', ')} (or all)`;
  const chosen = BENCH_PHASES.filter((p) => names.includes(p));
  if (chosen.includes('latency') && !chosen.includes('throughput'))
    return "latency runs at half of the rate the throughput phase measures: add 'throughput'";
  return chosen;
}

const phases = z
  .string()
  .default('all')
  .transform((text, ctx): BenchPhase[] => {
    const parsed = parsePhases(text);
    if (typeof parsed === 'string') {
      ctx.addIssue({ code: 'custom', message: parsed });
      return z.NEVER;
    }
    return parsed;
  });

const flag = z
  .enum(['', '0', '1', 'true', 'false'])
  .default('')
  .transform((v) => v === '1' || v === 'true');

/** Every setting of the benchmark, read from the environment once, at start. */
export const benchConfigSchema = z.object({
  /** Measured rounds per server and phase; figures are medians over them. */
  BENCH_ROUNDS: z.coerce.number().int().min(1).max(100).default(5),
  /** Length of one measured round, in seconds. */
  BENCH_SECONDS: z.coerce.number().positive().max(600).default(4),
  /** Unmeasured load before the rounds, per server and phase, so the JIT and Redis are warm. */
  BENCH_WARMUP_SECONDS: z.coerce.number().min(0).max(600).default(2),
  /** Keep-alive connections the throughput load generator keeps busy (closed loop). */
  BENCH_CONNECTIONS: z.coerce.number().int().min(1).max(1024).default(16),
  /**
   * Write a V8 CPU profile of the ingest process (node --cpu-prof) into the
   * results folder; for the flush and snapshot phases, one extra, unmeasured
   * flush and read of the bench process itself under the inspector's profiler.
   */
  BENCH_PROFILE: flag,
  /** Which phases run (comma list, in any order; they run in their fixed order): see BENCH_PHASES. */
  BENCH_PHASES: phases,
  /** Flush phase: variables written per round, each its own buffer and segment. */
  BENCH_FLUSH_VARIABLES: z.coerce.number().int().min(1).max(1000).default(8),
  /** Flush phase: samples per variable per round (8 × 250,000 = 2 M samples, ~70 MB of chunk text). */
  BENCH_FLUSH_SAMPLES: z.coerce.number().int().min(1).max(10_000_000).default(250_000),
  /** Snapshot phase: samples of the one variable read back, over Redis and the segments. */
  BENCH_SNAPSHOT_SAMPLES: z.coerce.number().int().min(1).max(100_000_000).default(5_000_000),
  /** Snapshot phase: segments (flushes) the history is spread over; the rest stays in Redis. */
  BENCH_SNAPSHOT_SEGMENTS: z.coerce.number().int().min(1).max(10_000).default(55),
  /**
   * Flush and snapshot phases: samples per variable per BatchWriter write, so
   * per stored chunk (a producer logging at 1 kHz sends 1000 a second).
   */
  BENCH_TIERING_BATCH: z.coerce.number().int().min(1).max(100_000).default(1000),
  /** Where latest.json (and profiles) go. */
  BENCH_RESULTS_DIR: z
    .string()
    .min(1)
    .default(join(__dirname, '..', 'results')),
});

export type BenchConfig = z.infer<typeof benchConfigSchema>;

/** Parses the environment; a bad value fails fast naming the variable. */
export function loadBenchConfig(env: NodeJS.ProcessEnv = process.env): BenchConfig {
  const parsed = benchConfigSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid bench configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}
