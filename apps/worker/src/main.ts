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
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down; waiting for active jobs');
    // A job cut off here is stalled, not lost: another worker takes it over
    // once its lock expires (JOB_LOCK_MS), and flushes are idempotent.
    const force = setTimeout(() => {
      logger.error('graceful shutdown timed out; exiting');
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT_MS);
    force.unref();
    app
      .close()
      .then(() => {
        logger.info('stopped');
        process.exit(0);
      })
      .catch((err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));

  await app.start();
  if (stopping) return;
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

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
