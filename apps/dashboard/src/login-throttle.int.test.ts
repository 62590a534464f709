import { startRedis, useFixture, waitFor } from '@runstream/testkit';
import { startDashboard, type DashboardHarness } from './testing/dashboard-harness';

// Password guessing is throttled per client: after DASHBOARD_LOGIN_ATTEMPTS
// wrong passwords within the window, every request of that client, the right
// password included, is refused 429 + Retry-After until the window ends.

const redis = useFixture(async () => {
  const server = await startRedis();
  return { server, stop: () => server.stop() };
});

let dashboard: DashboardHarness | undefined;
afterEach(async () => {
  await dashboard?.stop();
  dashboard = undefined;
});

async function start(attempts: number, windowMs: number): Promise<DashboardHarness> {
  dashboard = await startDashboard({ redis: redis.server, loginLimit: { attempts, windowMs } });
  return dashboard;
}

it('refuses every request 429 + Retry-After after the allowed wrong passwords', async () => {
  const h = await start(5, 60_000);
  for (let i = 0; i < 5; i++)
    expect((await h.request('/api/queues', { auth: 'wrong' })).status).toBe(401);

  const refused = await h.request('/api/queues', { auth: 'wrong' });
  expect(refused.status).toBe(429);
  expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  expect(await refused.json()).toMatchObject({ error: { code: 'too_many_attempts' } });
  // The right password too: a guesser cannot tell when it has found it.
  expect((await h.request('/api/queues')).status).toBe(429);
  // Health routes are not behind the login.
  expect((await h.request('/healthz', { auth: 'none' })).status).toBe(200);
  const metrics = await (await h.request('/metrics', { auth: 'none' })).text();
  expect(metrics).toMatch(/runstream_dashboard_auth_failures_total\{reason="throttled"\} 2/);
});

it('lets at most the allowed number of a burst of wrong passwords through to the check', async () => {
  const h = await start(5, 60_000);
  const statuses = await Promise.all(
    Array.from({ length: 200 }, () =>
      h.request('/api/queues', { auth: 'wrong' }).then((r) => r.status),
    ),
  );
  expect(statuses.filter((s) => s === 401)).toHaveLength(5);
  expect(statuses.filter((s) => s === 429)).toHaveLength(195);
});

it('counts neither requests without credentials (a browser first asks without) nor successes', async () => {
  const h = await start(3, 60_000);
  for (let i = 0; i < 10; i++) {
    expect((await h.request('/api/queues', { auth: 'none' })).status).toBe(401);
    expect((await h.request('/api/queues')).status).toBe(200);
  }
  expect((await h.request('/api/queues', { auth: 'wrong' })).status).toBe(401);
});

it('lets the client in again once the window has passed', async () => {
  const h = await start(2, 1000);
  for (let i = 0; i < 2; i++) await h.request('/api/queues', { auth: 'wrong' });
  expect((await h.request('/api/queues')).status).toBe(429);
  await waitFor(
    'the window to pass',
    async () => ((await h.request('/api/queues')).status === 200 ? true : undefined),
    10_000,
    100,
  );
});
