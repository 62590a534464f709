import { startRedis, waitFor, type LogLine, type RunningRedis } from '@runstream/testkit';
import { basicHeader } from './testing/dashboard-harness';
import { buildDashboard, spawnDashboard, type DashboardProcess } from './testing/dashboard-process';

// main.ts as a real process: it will not start an unprotected board by
// accident, starts one only with the explicit development flag (loudly),
// serves the board behind Basic auth, and stops cleanly on SIGTERM.

let redis: RunningRedis;
let child: DashboardProcess | undefined;

beforeAll(async () => {
  await buildDashboard();
  redis = await startRedis();
});
afterEach(async () => {
  await child?.kill();
  child = undefined;
});
afterAll(async () => {
  await redis?.stop();
});

const baseEnv = (): Record<string, string> => ({
  REDIS_URL: redis.url,
  HOST: '127.0.0.1',
  PORT: '0',
});

/** Waits for the 'dashboard listening' line and returns the base URL. */
async function listening(p: DashboardProcess): Promise<{ url: string; line: LogLine }> {
  const line = await waitFor(
    'the dashboard to listen',
    () => p.logLines().find((l) => l.msg === 'dashboard listening'),
    15_000,
  );
  return { url: `http://127.0.0.1:${Number(line.port)}`, line };
}

describe('node dist/main.js', () => {
  it('refuses to start without user and password, naming both', async () => {
    child = spawnDashboard(baseEnv());
    expect(await child.exited).toEqual({ code: 1, signal: null });
    const out = child.output();
    expect(out).toMatch(/invalid dashboard configuration/);
    expect(out).toMatch(/DASHBOARD_USER: missing: set DASHBOARD_USER and DASHBOARD_PASSWORD/);
    expect(out).toMatch(/DASHBOARD_PASSWORD: missing/);
    expect(out).toMatch(/RUNSTREAM_INSECURE_NO_AUTH=1 for local development/);
    expect(out).not.toMatch(/dashboard listening/);
  });

  it('refuses to start with only a user', async () => {
    child = spawnDashboard({ ...baseEnv(), DASHBOARD_USER: 'ops' });
    expect(await child.exited).toEqual({ code: 1, signal: null });
    expect(child.output()).toMatch(/DASHBOARD_PASSWORD: missing/);
  });

  it('serves the board behind Basic auth and health without it; exits 0 on SIGTERM', async () => {
    child = spawnDashboard({
      ...baseEnv(),
      DASHBOARD_USER: 'ops',
      DASHBOARD_PASSWORD: 'main-test-password',
    });
    const { url, line } = await listening(child);
    expect(line.auth).toBe('basic');
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${url}/readyz`)).json()).toEqual({
      ok: true,
      checks: { redis: true },
    });
    expect((await fetch(`${url}/api/queues`)).status).toBe(401);
    const ok = await fetch(`${url}/api/queues`, {
      headers: { authorization: basicHeader('ops', 'main-test-password') },
    });
    expect(ok.status).toBe(200);
    const names = ((await ok.json()) as { queues: Array<{ name: string }> }).queues.map(
      (q) => q.name,
    );
    expect(names.sort()).toEqual(['compact', 'flush', 'merge', 'observe']);
    expect(child.logLines().some((l) => /INSECURE/.test(l.msg ?? ''))).toBe(false);

    child.child.kill('SIGTERM');
    expect(await child.exited).toEqual({ code: 0, signal: null });
    expect(child.logLines().map((l) => l.msg)).toContain('stopped');
  });

  it('starts without auth only with RUNSTREAM_INSECURE_NO_AUTH=1, and warns loudly', async () => {
    child = spawnDashboard({ ...baseEnv(), RUNSTREAM_INSECURE_NO_AUTH: '1' });
    const { url, line } = await listening(child);
    expect(line.auth).toBe('insecure-none');
    const warning = child.logLines().find((l) => /RUNSTREAM_INSECURE_NO_AUTH/.test(l.msg ?? ''));
    expect(warning).toMatchObject({
      level: 40,
      msg: expect.stringMatching(/^!!! .* !!!$/) as string,
    });
    expect((await fetch(`${url}/api/queues`)).status).toBe(200);
  });
});
