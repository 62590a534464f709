import { coldStoreEnvSchema } from '@runstream/cold-store';
import { QUEUE_NAMES, isQueueName, type QueueName } from '@runstream/queues';
import { z } from 'zod';
import { OBSERVER_DELAY_STRATEGIES } from './observer-delay';

/**
 * Fault-injection points: the Flusher's (FlushPoint in @runstream/tiering)
 * and the Merger's (MergePoint), the latter prefixed `merge-`.
 */
export const CRASH_POINTS = [
  'after-rename',
  'after-upload',
  'before-delete',
  'merge-mid-upload',
  'merge-after-upload',
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

/** The worker's own variables; the S3 ones come from the cold store's schema (below). */
const workerEnvSchema = z
  .object({
    /** Redis holding the hot store and BullMQ's queues. */
    REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
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
    /** Observe jobs one process runs at once (each is a few Redis reads). */
    OBSERVE_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(10),
    /** The observer's base delay between looks at a running run. */
    OBSERVER_INTERVAL_MS: z.coerce.number().int().min(10).default(60_000),
    /** Unchanged looks after which a running run is completed as idle. */
    OBSERVER_REPEATS: z.coerce.number().int().min(1).max(100).default(5),
    /** constant: every delay is the interval; divided: interval / k; exponential: interval / 2^(k-1). */
    OBSERVER_DELAY_STRATEGY: z.enum(OBSERVER_DELAY_STRATEGIES).default('constant'),
    /** A flush stops moving buffers once Redis used/limit is at or below this. */
    FLUSH_LOW_WATER: ratio.lt(1).default(0.5),
    /** Over this used/limit the drain watchdog asks for a flush job (ingest uses the same name). */
    FLUSH_THRESHOLD: z.coerce.number().gt(0).lt(1).default(0.7),
    /**
     * At or over this used/limit the watchdog flushes directly, not through
     * BullMQ: near maxmemory Redis refuses BullMQ's own writes (ingest 503s here).
     */
    HARD_LIMIT: z.coerce.number().gt(0).lte(1).default(0.9),
    /** The memory limit to measure against when Redis has no maxmemory (bytes; 0 = none). */
    REDIS_MEMORY_BUDGET_BYTES: z.coerce.number().int().min(0).default(0),
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
    /** Port of /healthz, /readyz and /metrics. */
    PORT: z.coerce.number().int().min(0).max(65535).default(8081),
    /** Interface to listen on. */
    HOST: z.string().default('0.0.0.0'),
    /** pino level. */
    LOG_LEVEL: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info'),
    /**
     * How long a graceful shutdown may wait for the active jobs. A job cut off
     * by the exit is picked up again by another worker (BullMQ stalled-job
     * check) and finished there: flushes are idempotent.
     */
    SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).default(30_000),
    /**
     * Tests only: SIGKILL this process at that step of its first transfer (or
     * merge), to prove a job killed anywhere loses nothing. Logged loudly at start.
     */
    RUNSTREAM_TEST_CRASH_AT: z
      .enum(['', ...CRASH_POINTS])
      .optional()
      .transform((v) => (v === '' ? undefined : v)),
  })
  .superRefine((c, ctx) => {
    // Otherwise a flush asked for at the threshold would stop before moving anything.
    if (c.FLUSH_LOW_WATER >= c.FLUSH_THRESHOLD)
      ctx.addIssue({
        code: 'custom',
        path: ['FLUSH_LOW_WATER'],
        message: `must be below FLUSH_THRESHOLD (${c.FLUSH_THRESHOLD})`,
      });
    if (c.FLUSH_THRESHOLD >= c.HARD_LIMIT)
      ctx.addIssue({
        code: 'custom',
        path: ['FLUSH_THRESHOLD'],
        message: `must be below HARD_LIMIT (${c.HARD_LIMIT})`,
      });
  });

/**
 * Every setting of the worker, read from the environment once, at boot. The
 * S3 settings are the cold store's own schema (its variables and its
 * both-or-neither credentials check), so every app names them alike.
 */
export const workerConfigSchema = z.intersection(workerEnvSchema, coldStoreEnvSchema);

export type WorkerConfig = z.infer<typeof workerConfigSchema>;

/** Parses the environment; a bad value fails fast naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const parsed = workerConfigSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid worker configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}
