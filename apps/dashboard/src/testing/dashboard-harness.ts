import { QUEUE_PREFIX, Queues } from '@runstream/queues';
import { startRedis, type RunningRedis } from '@runstream/testkit';
import { Redis } from 'ioredis';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { closeQueues } from '../close-queues';
import { createDashboardApp, type DashboardApp } from '../dashboard-app';

export const USER = 'ops';
export const PASSWORD = 'test-password-0123';

/** An `Authorization: Basic` header value. */
export const basicHeader = (user: string, password: string): string =>
  `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;

export interface RequestOptions {
  /** 'good' (default): the right pair; 'none': no header; 'wrong': a wrong password; or a raw header. */
  auth?: 'good' | 'none' | 'wrong' | { header: string };
  method?: string;
  json?: unknown;
  headers?: Record<string, string>;
}

/**
 * One dashboard app, built in-process as main.ts builds it, listening on a
 * free loopback port, over a real redis-server.
 */
export interface DashboardHarness {
  redis: RunningRedis;
  /** The producer side: adds jobs as ingest and the worker do. */
  queues: Queues;
  /** A plain connection for looking at Redis directly. */
  client: Redis;
  dashboard: DashboardApp;
  /** http://127.0.0.1:port (no base path). */
  origin: string;
  /** `path` is relative to the server's root, e.g. '/api/queues' or '/healthz'. */
  request(path: string, options?: RequestOptions): Promise<Response>;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  readOnly?: boolean;
  basePath?: string;
  /** false: RUNSTREAM_INSECURE_NO_AUTH. */
  auth?: boolean;
  /** Share a running Redis (not stopped by this harness). */
  redis?: RunningRedis;
  /**
   * The login throttle. Default: 1000 wrong passwords a minute, as tests of
   * other features send many from one address (login-throttle.int.test.ts
   * tests the throttle with its own).
   */
  loginLimit?: { attempts: number; windowMs: number };
}

export async function startDashboard(options: HarnessOptions = {}): Promise<DashboardHarness> {
  const redis = options.redis ?? (await startRedis());
  const queues = new Queues({ url: redis.url });
  const client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  // A test that stops Redis on purpose would otherwise print every reconnect attempt.
  client.on('error', () => undefined);
  for (const q of queues.all()) q.on('error', () => undefined);
  const dashboard = createDashboardApp({
    queues,
    redis: client,
    auth:
      options.auth === false
        ? { kind: 'insecure-none' }
        : { kind: 'basic', user: USER, password: PASSWORD },
    readOnly: options.readOnly ?? false,
    ...(options.basePath !== undefined ? { basePath: options.basePath } : {}),
    logger: pino({ level: 'silent' }),
    defaultMetrics: false,
    loginLimit: options.loginLimit ?? { attempts: 1000, windowMs: 60_000 },
  });
  await new Promise<void>((resolve) => dashboard.server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(dashboard.server.address() as AddressInfo).port}`;

  return {
    redis,
    queues,
    client,
    dashboard,
    origin,
    request: (path, o = {}) => {
      const headers: Record<string, string> = { ...o.headers };
      const auth = o.auth ?? 'good';
      if (auth === 'good') headers.authorization = basicHeader(USER, PASSWORD);
      else if (auth === 'wrong') headers.authorization = basicHeader(USER, `${PASSWORD}x`);
      else if (auth !== 'none') headers.authorization = auth.header;
      if (o.json !== undefined) headers['content-type'] = 'application/json';
      return fetch(`${origin}${path}`, {
        method: o.method ?? 'GET',
        headers,
        ...(o.json !== undefined ? { body: JSON.stringify(o.json) } : {}),
      });
    },
    stop: async () => {
      await dashboard.close();
      await closeQueues(queues, 1000);
      client.disconnect();
      if (options.redis === undefined) await redis.stop();
    },
  };
}

/**
 * Every BullMQ key with its serialized value (DUMP), sorted: two equal
 * snapshots mean nothing under the queue prefix changed.
 */
export async function queueKeysSnapshot(client: Redis): Promise<Array<[string, string]>> {
  const keys = (await client.keys(`${QUEUE_PREFIX}:*`)).sort();
  const dumps = await Promise.all(keys.map((k) => client.dumpBuffer(k)));
  return keys.map((k, i) => [k, dumps[i]?.toString('hex') ?? '(gone)']);
}

/** The bull-board API's queue list, the part the tests look at. */
export interface BoardQueue {
  name: string;
  readOnlyMode: boolean;
  allowRetries: boolean;
  counts: Record<string, number>;
  jobs: Array<{ id: string; name: string; data: unknown }>;
}

export async function boardQueues(res: Response): Promise<BoardQueue[]> {
  if (res.status !== 200) throw new Error(`GET queues answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { queues: BoardQueue[] }).queues;
}
