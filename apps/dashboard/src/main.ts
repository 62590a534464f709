import { QUEUE_NAMES, Queues } from '@runstream/queues';
import { Redis } from 'ioredis';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { closeQueues } from './close-queues';
import { authFromConfig, loadConfig } from './config';
import { createDashboardApp } from './dashboard-app';
import { warnOnErrors } from './error-log';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = pino({ name: 'dashboard', level: config.LOG_LEVEL });
  const auth = authFromConfig(config);
  if (auth.kind === 'insecure-none') {
    logger.warn(
      {
        readOnly: config.DASHBOARD_READ_ONLY,
        credentialsIgnored:
          config.DASHBOARD_USER !== undefined || config.DASHBOARD_PASSWORD !== undefined,
      },
      '!!! RUNSTREAM_INSECURE_NO_AUTH is set: the dashboard has no auth. Anyone who can reach this port sees every job and, unless DASHBOARD_READ_ONLY=1, can retry, remove and add jobs. Development only. !!!',
    );
  }

  const queues = new Queues({ url: config.REDIS_URL });
  // One attempt per command: /readyz must say "not ready" now, not after retries.
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 1 });
  // Without listeners a lost connection is printed raw on every reconnect attempt.
  warnOnErrors(redis, 'redis', logger);
  for (const queue of queues.all()) warnOnErrors(queue, `queue ${queue.name}`, logger);

  const dashboard = createDashboardApp({
    queues,
    redis,
    auth,
    readOnly: config.DASHBOARD_READ_ONLY,
    basePath: config.BASE_PATH,
    logger,
  });

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.error('graceful shutdown timed out; exiting');
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT_MS);
    force.unref();
    dashboard
      .close()
      // Half the budget for the queues, so a Redis outage still ends in a clean exit.
      .then(() => closeQueues(queues, config.SHUTDOWN_TIMEOUT_MS / 2))
      .then((how) => {
        if (how === 'dropped') logger.warn('Redis did not answer; queue connections dropped');
        redis.disconnect();
      })
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

  await new Promise<void>((resolve, reject) => {
    dashboard.server.once('error', reject);
    dashboard.server.listen(config.PORT, config.HOST, resolve);
  });
  const { address, port } = dashboard.server.address() as AddressInfo;
  logger.info(
    {
      host: address,
      port,
      basePath: config.BASE_PATH,
      auth: auth.kind,
      readOnly: config.DASHBOARD_READ_ONLY,
      queues: QUEUE_NAMES,
    },
    'dashboard listening',
  );
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
