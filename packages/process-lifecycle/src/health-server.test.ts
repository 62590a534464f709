import type { AddressInfo } from 'node:net';
import type { HealthRoutesOptions } from './health-routes';
import { createHealthServer } from './health-server';

const registry = {
  contentType: 'text/plain; version=0.0.4; charset=utf-8',
  metrics: () => Promise.resolve('runstream_test_total 3\n'),
};

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

/** Listens on a free loopback port; the server is closed after the test. */
async function serve(options: Partial<HealthRoutesOptions>): Promise<string> {
  const server = createHealthServer({ checks: {}, metrics: { registry }, ...options });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const never = (): Promise<boolean> => new Promise<boolean>(() => undefined);

describe('healthRoutes (through createHealthServer)', () => {
  it('is live, and never cached', async () => {
    const url = await serve({});
    const res = await fetch(`${url}/healthz`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({ ok: true });
    expect((await fetch(`${url}/healthz`, { method: 'HEAD' })).status).toBe(200);
  });

  it('is ready when every check answers true', async () => {
    const url = await serve({
      checks: { redis: () => Promise.resolve(true), s3: () => Promise.resolve(true) },
    });
    const res = await fetch(`${url}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, checks: { redis: true, s3: true } });
  });

  it('is not ready when a check says no, rejects or throws, and names it', async () => {
    const url = await serve({
      checks: {
        up: () => Promise.resolve(true),
        down: () => Promise.resolve(false),
        rejects: () => Promise.reject(new Error('connection refused')),
        throws: () => {
          throw new Error('not even a promise');
        },
      },
    });
    const res = await fetch(`${url}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({
      ok: false,
      checks: { up: true, down: false, rejects: false, throws: false },
    });
  });

  it('answers 503 within the timeout when a check never answers', async () => {
    const url = await serve({
      checks: { up: () => Promise.resolve(true), hung: never },
      timeoutMs: 200,
    });
    const started = Date.now();
    const res = await fetch(`${url}/readyz`);
    const took = Date.now() - started;
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ ok: false, checks: { up: true, hung: false } });
    expect(took).toBeGreaterThanOrEqual(190);
    expect(took).toBeLessThan(1000);
  });

  it('waits 1 s by default', async () => {
    const url = await serve({ checks: { hung: never } });
    const started = Date.now();
    expect((await fetch(`${url}/readyz`)).status).toBe(503);
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(990);
    expect(took).toBeLessThan(3000);
  });

  it('serves the registry on /metrics', async () => {
    const url = await serve({});
    const res = await fetch(`${url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(registry.contentType);
    expect(await res.text()).toBe('runstream_test_total 3\n');
  });

  it('refuses other methods with 405 and Allow, in the one error shape', async () => {
    const url = await serve({});
    const res = await fetch(`${url}/readyz`, { method: 'POST' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
    expect(await res.json()).toMatchObject({ error: { code: 'method_not_allowed' } });
  });
});

describe('createHealthServer', () => {
  it('answers any other path 404 and a failing collector 500, in the one error shape', async () => {
    const url = await serve({
      metrics: {
        registry: { contentType: 'text/plain', metrics: () => Promise.reject(new Error('boom')) },
      },
    });
    const missing = await fetch(`${url}/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'not_found' } });
    const failed = await fetch(`${url}/metrics`);
    expect(failed.status).toBe(500);
    expect(await failed.json()).toEqual({ error: { code: 'internal', message: 'Error: boom' } });
  });
});
