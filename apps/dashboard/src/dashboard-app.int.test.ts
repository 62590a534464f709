import { QUEUE_NAMES } from '@runstream/queues';
import {
  boardQueues,
  queueKeysSnapshot,
  startDashboard,
  type DashboardHarness,
} from './testing/dashboard-harness';

// The dashboard over a real redis-server: auth in front of every board URL,
// the board listing the catalog's queues and their jobs, health outside auth.

const UNAUTHORIZED = {
  error: {
    code: 'unauthorized',
    message: expect.stringMatching(/user name and password/) as string,
  },
};

let h: DashboardHarness;

beforeAll(async () => {
  h = await startDashboard();
});
afterAll(async () => {
  await h?.stop();
});

/** The id of the only waiting merge job of `run`. */
async function mergeJobId(run: string): Promise<string> {
  const jobs = await h.queues.queue('merge').getJobs(['waiting']);
  const ids = jobs.filter((j) => (j.data as { run?: string }).run === run).map((j) => j.id);
  expect(ids).toHaveLength(1);
  return ids[0]!;
}

describe('auth in front of the board', () => {
  // The board's page, a client-side route, its JSON API (read and action) and a static asset.
  const boardUrls: Array<[string, string]> = [
    ['GET', '/'],
    ['GET', '/queue/flush'],
    ['GET', '/api/queues'],
    ['GET', '/api/redis/stats'],
    ['GET', '/static/images/logo.svg'],
    ['PUT', '/api/queues/flush/pause'],
    ['GET', '/no-such-page'],
  ];

  it.each(boardUrls)('answers %s %s without credentials with 401', async (method, path) => {
    const res = await h.request(path, { method, auth: 'none' });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Basic realm="runstream"');
    expect(await res.json()).toEqual(UNAUTHORIZED);
  });

  it.each(boardUrls)('answers %s %s with a wrong password with 401', async (method, path) => {
    const res = await h.request(path, { method, auth: 'wrong' });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Basic realm="runstream"');
    expect(await res.json()).toEqual(UNAUTHORIZED);
  });

  it('answers a malformed or non-Basic Authorization header with 401', async () => {
    for (const header of ['Basic', 'Basic %%%', 'Bearer test-password-0123']) {
      const res = await h.request('/api/queues', { auth: { header } });
      expect(res.status).toBe(401);
    }
  });

  it('refused nothing it should not have: the queue is still running', async () => {
    expect(await h.queues.queue('flush').isPaused()).toBe(false);
  });

  it('serves the page, the API and the assets with the right credentials', async () => {
    const page = await h.request('/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const html = await page.text();
    expect(html).toContain('<base href="/"');
    expect(html).toContain('<title>Runstream queues</title>');
    expect(page.headers.get('x-frame-options')).toBe('DENY');

    const asset = await h.request('/static/images/logo.svg');
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/image\/svg\+xml/);
    // The scripts the page loads exist too (the page is useless without them).
    for (const src of html.matchAll(/src="(static\/js\/[^"]+)"/g)) {
      expect((await h.request(`/${src[1]}`)).status).toBe(200);
    }
  });

  it('counts refusals by reason', async () => {
    const text = await (await h.request('/metrics', { auth: 'none' })).text();
    expect(text).toMatch(/runstream_dashboard_auth_failures_total\{reason="missing"\} [1-9]/);
    expect(text).toMatch(/runstream_dashboard_auth_failures_total\{reason="invalid"\} [1-9]/);
  });
});

describe('the board', () => {
  it('lists exactly the catalog queues: flush, merge and observe', async () => {
    const queues = await boardQueues(await h.request('/api/queues'));
    expect(queues.map((q) => q.name).sort()).toEqual(['compact', 'flush', 'merge', 'observe']);
    expect(queues.map((q) => q.name).sort()).toEqual([...QUEUE_NAMES].sort());
    for (const q of queues) expect(q.readOnlyMode).toBe(false);
  });

  it('shows a job added through Queues.add, in its queue, with its data', async () => {
    const requestedAt = Date.now();
    await h.queues.add('merge', { run: 'run-shown', reason: 'requested', requestedAt });
    const id = await mergeJobId('run-shown');

    const queues = await boardQueues(
      await h.request('/api/queues?activeQueue=merge&status=waiting&page=1'),
    );
    const merge = queues.find((q) => q.name === 'merge')!;
    expect(merge.counts.waiting).toBe(1);
    expect(merge.jobs).toEqual([
      expect.objectContaining({
        id,
        name: 'merge',
        data: { run: 'run-shown', reason: 'requested', requestedAt },
      }),
    ]);
    expect(queues.find((q) => q.name === 'flush')!.counts.waiting).toBe(0);

    const one = await h.request(`/api/queues/merge/${id}`);
    expect(one.status).toBe(200);
    expect(await one.json()).toMatchObject({ job: { id, data: { run: 'run-shown' } } });
  });

  it('lets an authorised user act on a job when not read-only', async () => {
    await h.queues.add('merge', { run: 'run-removed', reason: 'idle', requestedAt: 1 });
    const id = await mergeJobId('run-removed');
    const res = await h.request(`/api/queues/merge/${id}/clean`, {
      method: 'PUT',
      headers: { 'sec-fetch-site': 'same-origin' },
    });
    expect(res.status).toBe(204);
    expect(await h.queues.queue('merge').getJob(id)).toBeUndefined();
  });

  it('refuses an action a browser sends for another site, and changes nothing', async () => {
    await h.queues.add('merge', { run: 'run-forged', reason: 'idle', requestedAt: 1 });
    const id = await mergeJobId('run-forged');
    const before = await queueKeysSnapshot(h.client);
    const res = await h.request(`/api/queues/merge/${id}/clean`, {
      method: 'PUT',
      headers: { 'sec-fetch-site': 'cross-site' },
    });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: { code: 'forbidden' } });
    expect(await queueKeysSnapshot(h.client)).toEqual(before);
  });

  it('answers an unknown board URL with the API error shape', async () => {
    const res = await h.request('/no-such-page');
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: 'not_found' } });
  });
});

describe('health and metrics, outside auth', () => {
  it('is live and ready while Redis answers', async () => {
    const live = await h.request('/healthz', { auth: 'none' });
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ ok: true });
    const ready = await h.request('/readyz', { auth: 'none' });
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ok: true, checks: { redis: true } });
  });

  it('exposes job counts per queue and state, read at scrape time', async () => {
    const waiting = async (queue: string): Promise<number> => {
      const text = await (await h.request('/metrics', { auth: 'none' })).text();
      const m = new RegExp(
        `^runstream_dashboard_queue_jobs\\{queue="${queue}",state="waiting"\\} (\\d+)$`,
        'm',
      ).exec(text);
      if (m === null) throw new Error(`no waiting gauge for ${queue} in:\n${text}`);
      return Number(m[1]);
    };
    const before = await waiting('observe');
    await h.queues.add('observe', { run: 'run-metrics', lastCount: -1, unchanged: 0 });
    expect(await waiting('observe')).toBe(before + 1);
    expect(await waiting('flush')).toBe(await h.queues.queue('flush').getWaitingCount());
  });

  it('is not ready when Redis is gone, and says so quickly', async () => {
    const other = await startDashboard();
    try {
      await other.redis.stop();
      const started = Date.now();
      const res = await other.request('/readyz', { auth: 'none' });
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ ok: false, checks: { redis: false } });
      expect(Date.now() - started).toBeLessThan(3000);
      // Metrics still answer, without stale counts.
      const text = await (await other.request('/metrics', { auth: 'none' })).text();
      expect(text).toMatch(/^runstream_dashboard_job_count_errors_total 1$/m);
      expect(text).not.toMatch(/^runstream_dashboard_queue_jobs\{/m);
    } finally {
      await other.stop();
    }
  });
});

describe('BASE_PATH and the development flag', () => {
  it('mounts the board, its API and assets under the base path, health at the root', async () => {
    const other = await startDashboard({ basePath: '/queues', redis: h.redis });
    try {
      expect((await other.request('/queues/api/queues', { auth: 'none' })).status).toBe(401);
      expect((await other.request('/queues/static/images/logo.svg', { auth: 'none' })).status).toBe(
        401,
      );
      const page = await other.request('/queues');
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<base href="/queues/"');
      expect((await other.request('/queues/static/images/logo.svg')).status).toBe(200);
      const names = (await boardQueues(await other.request('/queues/api/queues'))).map(
        (q) => q.name,
      );
      expect(names.sort()).toEqual(['compact', 'flush', 'merge', 'observe']);
      expect((await other.request('/healthz', { auth: 'none' })).status).toBe(200);
      expect((await other.request('/api/queues')).status).toBe(404);
    } finally {
      await other.stop();
    }
  });

  it('serves everything without credentials only with RUNSTREAM_INSECURE_NO_AUTH', async () => {
    const open = await startDashboard({ auth: false, redis: h.redis });
    try {
      const queues = await boardQueues(await open.request('/api/queues', { auth: 'none' }));
      expect(queues).toHaveLength(4);
      expect((await open.request('/', { auth: 'none' })).status).toBe(200);
    } finally {
      await open.stop();
    }
  });
});
