import { onShutdownSignals, runMain } from '@runstream/process-lifecycle';
import { pino } from 'pino';
import { loadConfig } from './config';
import { createWorkerApp } from './worker-app';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = pino({ name: 'worker', level: config.LOG_LEVEL });
  if (config.RUNSTREAM_TEST_CRASH_AT !== undefined) {
    logger.warn(
      { point: config.RUNSTREAM_TEST_CRASH_AT },
      '!!! RUNSTREAM_TEST_CRASH_AT is set: this process will SIGKILL itself in its first flush transfer. Tests only. !!!',
    );
  }

  const app = createWorkerApp({ config, logger });

  // Registered before start(): a start-up drain of a full Redis can take a while.
  // A job cut off by the exit is stalled, not lost: another worker takes it over
  // once its lock expires (JOB_LOCK_MS), and every job is idempotent.
  const stopping = onShutdownSignals({
    logger,
    timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    message: 'shutting down; waiting for active jobs',
    close: () => app.close(),
  });

  await app.start();
  if (stopping()) return;
  const { address, port } = app.address();
  logger.info(
    {
      queues: config.WORKER_QUEUES,
      flushConcurrency: config.FLUSH_CONCURRENCY,
      watchdog: app.watchdog !== undefined,
      host: address,
      port,
    },
    'worker started',
  );
}

runMain(main);
