import { coldStoreCredentialsRule, coldStoreEnvShape } from '@runstream/cold-store';
import { QUEUE_NAMES, isQueueName, type QueueName } from '@runstream/queues';
import {
  belowRule,
  envRule,
  memoryEnvShape,
  memoryLimitsRule,
  parseEnv,
  serviceEnvShape,
} from '@runstream/service-config';
import { z } from 'zod';
import { DEFAULT_FLUSH_SEGMENT_BYTES } from '@runstream/tiering';
import { OBSERVER_DELAY_STRATEGIES } from './observer-delay';

/**
 * Fault-injection points: the Flusher's (FlushPoint in @runstream/tiering),
 * the Merger's (MergePoint) and the Compactor's (CompactPoint), the latter
 * two prefixed `merge-` and `compact-`.
 */
export const CRASH_POINTS = [
  'after-rename',
  'after-upload',
  'before-delete',
  'merge-mid-upload',
  'merge-after-upload',
  'compact-mid-upload',
  'compact-after-upload',
  'compact-mid-delete',
] as const;

const queueList = z
  .string()
  .default('')
  .transform((s, ctx) => {
    const names = [
      ...new Set(
        s
          .split(',')
          .map((n) => n.trim())
          .filter((n) => n.length > 0),
      ),
    ];
    // Unset or empty (compose's `${WORKER_QUEUES:-}`): serve every queue of the catalog.
    if (names.length === 0) return [...QUEUE_NAMES];
    const unknown = names.filter((n) => !isQueueName(n));
    if (unknown.length > 0) {
      ctx.addIssue({
        code: 'custom',
        message: `unknown queue(s) ${unknown.map((n) => `'${n}'`).join(', ')}; the catalog has ${QUEUE_NAMES.join(', ')}`,
      });
      return z.NEVER;
    }
    return names as QueueName[];
  });

const ratio = z.coerce.number().min(0).max(1);

/**
 * Every setting of the worker, read from the environment once, at boot. The
 * settings other apps read too come from @runstream/service-config and the
 * cold store (its variables and its both-or-neither credentials rule), each
 * declared (and commented) once there, so every app names and reads them alike.
 */
export const workerConfigSchema = z
  .object({
    /**
     * Here the port of /healthz, /readyz and /metrics only. A graceful
     * shutdown waits for the active jobs, hence the longer default; a job cut
     * off by the exit is picked up again by another worker (BullMQ stalled-job
     * check) and finished there: flushes are idempotent.
     */
    ...serviceEnvShape({ port: 8081, shutdownTimeoutMs: 30_000 }),
    ...memoryEnvShape,
    ...coldStoreEnvShape,
    /** Comma-separated queue names this process serves (flush, …); default: every queue. */
    WORKER_QUEUES: queueList,
    /**
     * Flush jobs one process runs at once. Two flushes never lose or double
     * data (every step is idempotent), but they race for the same buffers, so
     * more than 1 mostly helps when S3 uploads are slow.
     */
    FLUSH_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(1),
    /** Merge jobs (whole runs) one process runs at once. */
    MERGE_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(1),
    /** Variables one merge job merges at once (each streams S3 → S3). */
    MERGE_VARIABLE_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
    /** A run's sample count must stay unchanged this long before its merge starts. */
    MERGE_QUIESCENCE_MS: z.coerce.number().int().min(0).default(1000),
    /**
     * After a flush job, a run with a variable holding more segments than
     * this gets a compaction job (docs/read-path.md, "Compaction").
     */
    COMPACT_SEGMENTS: z.coerce.number().int().min(2).max(10_000).default(16),
    /** Segments a compaction joins into one; also the base of the size classes it joins by. */
    COMPACT_FANIN: z.coerce.number().int().min(2).max(64).default(8),
    /** Compaction jobs (runs) one process runs at once (each streams S3 → S3). */
    COMPACT_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(1),
    /** Observe jobs one process runs at once (each is a few Redis reads). */
    OBSERVE_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(10),
    /** The observer's base delay between looks at a running run. */
    OBSERVER_INTERVAL_MS: z.coerce.number().int().min(10).default(60_000),
    /** Unchanged looks after which a running run is completed as idle. */
    OBSERVER_REPEATS: z.coerce.number().int().min(1).max(100).default(5),
    /** constant: every delay is the interval; divided: interval / k; exponential: interval / 2^(k-1). */
    OBSERVER_DELAY_STRATEGY: z.enum(OBSERVER_DELAY_STRATEGIES).default('constant'),
    /**
     * How often a process serving the observe or merge queue walks every run:
     * a running run without a live observer gets one (a failed one is
     * replaced), a completing run without a live merge job gets one.
     */
    SWEEP_INTERVAL_MS: z.coerce.number().int().min(100).default(60_000),
    /**
     * No acknowledged sample stays only in Redis longer than this (Loki's
     * max_age): a scheduled flush job (reason `age`) moves the buffers of
     * runs holding older samples, however slowly they write. 0: off.
     */
    FLUSH_MAX_AGE_S: z.coerce.number().int().min(0).default(600),
    /**
     * How often the age flush job runs. It moves buffers older than
     * FLUSH_MAX_AGE_S minus two of these: one for a buffer just under that
     * age at one check, one for the job to start and upload at the next.
     */
    FLUSH_AGE_CHECK_MS: z.coerce.number().int().min(100).default(30_000),
    /** A flush stops moving buffers once Redis used/limit is at or below this. */
    FLUSH_LOW_WATER: ratio.lt(1).default(0.5),
    /**
     * Chunk text bytes of one segment a flush writes: a larger buffer is
     * moved as several segments, one at a time, each freed from Redis once
     * it is in S3, so a flush holds about this much of a variable in memory
     * (text, its gzip and its pyramid) whatever the variable's size.
     */
    FLUSH_SEGMENT_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .max(1024 ** 3)
      .default(DEFAULT_FLUSH_SEGMENT_BYTES),
    /** How often the drain watchdog reads Redis memory (INFO memory). */
    DRAIN_CHECK_MS: z.coerce.number().int().min(10).default(1000),
    /**
     * How long a job stays claimed by a worker that stopped renewing its lock
     * (renewed every half of it while the worker lives). A crashed worker's
     * flush is taken over by another after at most JOB_LOCK_MS plus two
     * JOB_STALLED_CHECK_MS.
     */
    JOB_LOCK_MS: z.coerce.number().int().min(1000).default(30_000),
    /** How often this process looks for jobs whose worker died (BullMQ stalled check). */
    JOB_STALLED_CHECK_MS: z.coerce.number().int().min(100).default(30_000),
    /**
     * Tests only: SIGKILL this process at that step of its first transfer (or
     * merge, or compaction), to prove a job killed anywhere loses nothing.
     * Logged loudly at start.
     */
    RUNSTREAM_TEST_CRASH_AT: z
      .enum(['', ...CRASH_POINTS])
      .optional()
      .transform((v) => (v === '' ? undefined : v)),
    /**
     * Tests only: the time RUNSTREAM_TEST_CRASH_AT is reached that kills
     * (e.g. 3 with `after-upload`: after the third segment of a flush).
     */
    RUNSTREAM_TEST_CRASH_HIT: z.coerce.number().int().min(1).default(1),
  })
  .check(
    memoryLimitsRule,
    coldStoreCredentialsRule,
    // Otherwise a flush asked for at the threshold would stop before moving anything.
    belowRule('FLUSH_LOW_WATER', 'FLUSH_THRESHOLD'),
    // Otherwise the age flush could not keep its promise (see FLUSH_AGE_CHECK_MS).
    envRule<{ FLUSH_MAX_AGE_S: number; FLUSH_AGE_CHECK_MS: number }>(
      ['FLUSH_MAX_AGE_S', 'FLUSH_AGE_CHECK_MS'],
      (env, ctx) => {
        if (env.FLUSH_MAX_AGE_S > 0 && env.FLUSH_AGE_CHECK_MS * 4 > env.FLUSH_MAX_AGE_S * 1000)
          ctx.addIssue({
            code: 'custom',
            path: ['FLUSH_AGE_CHECK_MS'],
            message: `must be at most a quarter of FLUSH_MAX_AGE_S (${env.FLUSH_MAX_AGE_S} s)`,
          });
      },
    ),
    // Otherwise a variable over the limit could have too few segments to join: a job after every flush, for nothing.
    envRule<{ COMPACT_FANIN: number; COMPACT_SEGMENTS: number }>(
      ['COMPACT_FANIN', 'COMPACT_SEGMENTS'],
      (env, ctx) => {
        if (env.COMPACT_FANIN > env.COMPACT_SEGMENTS)
          ctx.addIssue({
            code: 'custom',
            path: ['COMPACT_FANIN'],
            message: `must be at most COMPACT_SEGMENTS (${env.COMPACT_SEGMENTS})`,
          });
      },
    ),
  );

export type WorkerConfig = z.infer<typeof workerConfigSchema>;

/** The age from which the age flush moves a run's buffers (ms), or undefined when it is off. */
export function ageFlushOlderThanMs(config: WorkerConfig): number | undefined {
  return config.FLUSH_MAX_AGE_S === 0
    ? undefined
    : config.FLUSH_MAX_AGE_S * 1000 - 2 * config.FLUSH_AGE_CHECK_MS;
}

/** Parses the environment; a bad value fails fast naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  return parseEnv(workerConfigSchema, env, 'worker');
}
