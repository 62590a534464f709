import { startIngest, type IngestHarness } from './testing/ingest-harness';

let h: IngestHarness;

beforeAll(async () => {
  h = await startIngest();
});
afterAll(async () => {
  await h.stop();
});

describe('health and metrics', () => {
  it('is live, ready while Redis answers, and exposes Prometheus metrics', async () => {
    expect((await h.request('/healthz', { token: null })).status).toBe(200);
    expect(await (await h.request('/readyz', { token: null })).json()).toEqual({
      ok: true,
      checks: { redis: true },
    });

    await h.request('/v1/runs', { json: { id: 'm' } });
    await h.request('/v1/runs/m/samples', { json: { variables: { x: { t: [1, 2], v: [1, 2] } } } });
    const metrics = await (await h.request('/metrics', { token: null })).text();
    expect(metrics).toMatch(/^runstream_ingest_samples_written_total 2$/m);
    expect(metrics).toMatch(/runstream_ingest_batches_total\{outcome="written"\} 1/);
  });

  it('is not ready when Redis is gone', async () => {
    await h.redis.stop();
    const res = await h.request('/readyz', { token: null });
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ ok: false, checks: { redis: false } });
  });
});
