import { QUEUE_NAMES, Queues } from '@runstream/queues';
import { connectRedis, queueConnection } from '@runstream/hot-store';
import type { AddressInfo } from 'node:net';
import { onShutdownSignals, runMain } from '@runstream/process-lifecycle';
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

  // A frozen Redis answers the board's pages with an error, not a hang.
  const commandTimeout = config.REDIS_COMMAND_TIMEOUT_MS;
  const redisTarget = { url: config.REDIS_URL, clusterNodes: config.REDIS_CLUSTER_NODES };
  const queues = new Queues(queueConnection(redisTarget, { commandTimeout }));
  // One attempt per command: /readyz must say "not ready" now, not after retries.
  const redis = connectRedis(redisTarget, { maxRetriesPerRequest: 1, commandTimeout });
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
    loginLimit: {
      attempts: config.DASHBOARD_LOGIN_ATTEMPTS,
      windowMs: config.DASHBOARD_LOGIN_WINDOW_S * 1000,
    },
  });

  onShutdownSignals({
    logger,
    timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    close: async () => {
      await dashboard.close();
      // Half the budget for the queues, so a Redis outage still ends in a clean exit.
      const how = await closeQueues(queues, config.SHUTDOWN_TIMEOUT_MS / 2);
      if (how === 'dropped') logger.warn('Redis did not answer; queue connections dropped');
      redis.disconnect();
    },
  });

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

runMain(main);
