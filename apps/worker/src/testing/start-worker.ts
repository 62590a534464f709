import { coldStoreEnvOf } from '@runstream/cold-store';
import { memoryLogger, type LogLine, type S3Connection } from '@runstream/testkit';
import { loadConfig } from '../config';
import { WorkerMetrics } from '../metrics';
import { createWorkerApp, type WorkerApp } from '../worker-app';

/**
 * What a worker needs to reach a test's redis-server and S3 server; health on
 * a free port. Age flushes off: their schedule keeps a delayed job in the
 * flush queue, which would never look idle, and their flushes would mix with
 * the ones a test counts; the tests of age flushes turn them on.
 */
export function workerEnv(redisUrl: string, s3: S3Connection): Record<string, string> {
  return {
    REDIS_URL: redisUrl,
    ...coldStoreEnvOf(s3),
    HOST: '127.0.0.1',
    PORT: '0',
    FLUSH_MAX_AGE_S: '0',
  };
}

/**
 * Settings that make every flush move everything: a low-water mark of 0
 * against a budget no test reaches (used/limit stays above 0 and far under
 * the flush threshold, so the watchdog stays idle). Only for Redis without
 * maxmemory (with one, the budget is ignored).
 */
export const FLUSH_EVERYTHING = {
  FLUSH_LOW_WATER: '0',
  REDIS_MEMORY_BUDGET_BYTES: String(2 ** 40),
};

export interface TestWorker {
  app: WorkerApp;
  /** Everything it logged (info and above), parsed, in order. */
  lines: LogLine[];
}

/**
 * Builds and starts a worker in this process from `env` with `overrides`
 * over it, through loadConfig as the worker's main.ts does. Close it with
 * `app.close()`.
 */
export async function startWorker(
  env: Record<string, string>,
  overrides: Record<string, string> = {},
): Promise<TestWorker> {
  const { logger, lines } = memoryLogger();
  const app = createWorkerApp({
    config: loadConfig({ ...env, ...overrides }),
    logger,
    metrics: new WorkerMetrics({ defaultMetrics: false }),
  });
  await app.start();
  return { app, lines };
}
