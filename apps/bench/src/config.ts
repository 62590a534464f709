import { join } from 'node:path';
import { z } from 'zod';

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
  /** Write a V8 CPU profile of the ingest process (node --cpu-prof) into the results folder. */
  BENCH_PROFILE: flag,
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
