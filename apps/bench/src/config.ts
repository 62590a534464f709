import { envFlag, parseEnv } from '@runstream/service-config';
import { join } from 'node:path';
import { z } from 'zod';

/** The parts of a bench run, in the order they run. */
export const BENCH_PHASES = [
  'throughput',
  'latency',
  'flush',
  'snapshot',
  'merge',
  'jobs',
  'reads',
  'series',
  'many-flushes',
  'subscribers',
  'snapshot-raw',
] as const;
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

/**
 * What `BENCH_SMOKE=1` sets, unless the environment sets it too: every phase
 * in a few seconds, to check that the bench still runs, not to quote figures.
 */
export const SMOKE_SETTINGS: Readonly<Record<string, string>> = {
  BENCH_ROUNDS: '1',
  BENCH_SECONDS: '1',
  BENCH_WARMUP_SECONDS: '1',
  BENCH_FLUSH_SAMPLES: '10000',
  BENCH_SNAPSHOT_SAMPLES: '100000',
  BENCH_SNAPSHOT_SEGMENTS: '5',
  BENCH_MERGE_SAMPLES: '100000',
  BENCH_MERGE_SEGMENTS: '10',
  BENCH_JOBS_MERGE_SAMPLES: '5000',
  BENCH_JOBS_OBSERVE_RUNS: '20',
  BENCH_JOBS_OBSERVE_LOOKS: '50',
  BENCH_READS_SAMPLES: '200000',
  BENCH_READS_SEGMENTS: '5',
  BENCH_READS_REQUESTS: '3',
  BENCH_SERIES_COMPLETED_SAMPLES: '2000000',
  BENCH_SERIES_RUNNING_SAMPLES: '300000',
  BENCH_SERIES_REQUESTS: '3',
  BENCH_MANY_FLUSHES: '40',
  BENCH_MANY_FLUSHES_SAMPLES: '80000',
  BENCH_SUBSCRIBERS: '5',
  BENCH_SUBSCRIBERS_SAMPLES: '100000',
  BENCH_SNAPSHOT_RAW_SAMPLES: '100000',
};

/** A whole-number setting within min..max; `fallback` when unset. */
const intSetting = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

/** Every setting of the benchmark, read from the environment once, at start. */
const benchEnvSchema = z.object({
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
  BENCH_PROFILE: envFlag,
  /** Small sizes and one round for every phase, unless set otherwise: see SMOKE_SETTINGS. */
  BENCH_SMOKE: envFlag,
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
  /** Merge phase: samples of the one variable merged (built once, copied to a fresh run per round). */
  BENCH_MERGE_SAMPLES: z.coerce.number().int().min(1).max(100_000_000).default(5_000_000),
  /** Merge phase: segments (flushes) those samples are spread over; nothing stays in Redis. */
  BENCH_MERGE_SEGMENTS: z.coerce.number().int().min(1).max(10_000).default(50),
  /** Jobs phase, flush job: variables buffered when it runs. */
  BENCH_JOBS_FLUSH_VARIABLES: z.coerce.number().int().min(1).max(1000).default(8),
  /** Jobs phase, flush job: samples per variable buffered when it runs. */
  BENCH_JOBS_FLUSH_SAMPLES: z.coerce.number().int().min(1).max(10_000_000).default(10_000),
  /** Jobs phase, merge job: variables of the run merged. */
  BENCH_JOBS_MERGE_VARIABLES: z.coerce.number().int().min(1).max(1000).default(20),
  /** Jobs phase, merge job: samples per variable of the run merged. */
  BENCH_JOBS_MERGE_SAMPLES: z.coerce.number().int().min(1).max(10_000_000).default(50_000),
  /** Jobs phase, merge job: segments per variable (flushes before the merge). */
  BENCH_JOBS_MERGE_SEGMENTS: z.coerce.number().int().min(1).max(1000).default(5),
  /** Jobs phase, observe looks: running runs the one observe worker cycles through. */
  BENCH_JOBS_OBSERVE_RUNS: z.coerce.number().int().min(1).max(10_000).default(100),
  /** Jobs phase, observe looks: looks timed per round (after one look at every run as warm-up). */
  BENCH_JOBS_OBSERVE_LOOKS: z.coerce.number().int().min(2).max(100_000).default(200),
  /** Reads phase: samples of the one variable, held in Redis, in segments and merged. */
  BENCH_READS_SAMPLES: intSetting(20_000, 100_000_000, 5_000_000),
  /** Reads phase: segments (flushes) of the segment and merged layouts. */
  BENCH_READS_SEGMENTS: intSetting(1, 10_000, 50),
  /** Reads, series and many-flushes phases: timed requests of each kind per round (their median). */
  BENCH_READS_REQUESTS: intSetting(1, 1000, 11),
  /** Series phase: samples of the completed (merged) variable. */
  BENCH_SERIES_COMPLETED_SAMPLES: intSetting(100_000, 1_000_000_000, 100_000_000),
  /** Series phase: samples of the running variable (segments, a transfer key, the buffer). */
  BENCH_SERIES_RUNNING_SAMPLES: intSetting(10_000, 100_000_000, 5_000_000),
  /** Series phase: warm requests of each variable per round (their median). */
  BENCH_SERIES_REQUESTS: intSetting(1, 1000, 11),
  /** Many-flushes phase: flushes of the one variable (compacted as the worker does). */
  BENCH_MANY_FLUSHES: intSetting(10, 100_000, 1000),
  /** Many-flushes phase: samples of the variable over those flushes (and over 10 segments). */
  BENCH_MANY_FLUSHES_SAMPLES: intSetting(20_000, 100_000_000, 2_000_000),
  /** Subscribers phase: Socket.IO subscribers joining at once. */
  BENCH_SUBSCRIBERS: intSetting(2, 1000, 50),
  /** Subscribers phase: samples of the variable they join (segments + Redis). */
  BENCH_SUBSCRIBERS_SAMPLES: intSetting(10_000, 100_000_000, 2_000_000),
  /** Snapshot-raw phase: samples of each variable (one in Redis, one in segments). */
  BENCH_SNAPSHOT_RAW_SAMPLES: intSetting(10_000, 100_000_000, 2_000_000),
  /** Where latest.json (and profiles) go. */
  BENCH_RESULTS_DIR: z
    .string()
    .min(1)
    .default(join(__dirname, '..', 'results')),
});

/** How many looks one observe job may take before its run would be completed as idle. */
export const OBSERVE_LOOKS_PER_RUN = 100;

export const benchConfigSchema = benchEnvSchema.superRefine((c, ctx) => {
  if (c.BENCH_MERGE_SAMPLES < c.BENCH_MERGE_SEGMENTS)
    ctx.addIssue({
      code: 'custom',
      path: ['BENCH_MERGE_SAMPLES'],
      message: `must be at least BENCH_MERGE_SEGMENTS (${c.BENCH_MERGE_SEGMENTS})`,
    });
  if (c.BENCH_JOBS_MERGE_SAMPLES < c.BENCH_JOBS_MERGE_SEGMENTS)
    ctx.addIssue({
      code: 'custom',
      path: ['BENCH_JOBS_MERGE_SAMPLES'],
      message: `must be at least BENCH_JOBS_MERGE_SEGMENTS (${c.BENCH_JOBS_MERGE_SEGMENTS})`,
    });
  // Every run's first look is the warm-up; a run's observer ends (idle) after its
  // OBSERVE_LOOKS_PER_RUN-th look, so the runs must have looks enough to spare.
  const looks = c.BENCH_JOBS_OBSERVE_RUNS + (c.BENCH_ROUNDS + 1) * c.BENCH_JOBS_OBSERVE_LOOKS;
  if (looks > c.BENCH_JOBS_OBSERVE_RUNS * (OBSERVE_LOOKS_PER_RUN - 10))
    ctx.addIssue({
      code: 'custom',
      path: ['BENCH_JOBS_OBSERVE_RUNS'],
      message: `too few runs for ${looks} looks (each run's observer takes at most ${OBSERVE_LOOKS_PER_RUN - 10} here)`,
    });
});

export type BenchConfig = z.infer<typeof benchConfigSchema>;

/**
 * Parses the environment; a bad value fails fast naming the variable. With
 * `BENCH_SMOKE=1`, SMOKE_SETTINGS fill in what the environment leaves unset.
 */
export function loadBenchConfig(env: NodeJS.ProcessEnv = process.env): BenchConfig {
  // An invalid BENCH_SMOKE value is reported by the schema below.
  const smoke = envFlag.safeParse(env.BENCH_SMOKE).data === true;
  return parseEnv(benchConfigSchema, smoke ? withSmokeSettings(env) : env, 'bench');
}

/** `env` with SMOKE_SETTINGS under it: a value the environment sets (non-empty) wins. */
export function withSmokeSettings(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...SMOKE_SETTINGS };
  for (const [name, value] of Object.entries(env))
    if (value !== undefined && value !== '') out[name] = value;
  return out;
}
