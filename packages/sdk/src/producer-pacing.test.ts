import { performance } from 'node:perf_hooks';
import type { WireValue } from '@runstream/domain';
import { sendError } from './testing/scripted-http-server';
import { gaps, startHarness, type Harness } from './testing/harness';

// The producer waits the interval from the end of one request to the start
// of the next, so arrival times (same clock, same process) are at least this
// far apart with no slack at all.
const INTERVAL = 80;

describe('Producer pacing and batching', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(() => h.close());

  it('sends at most once per interval, in order, and delivers every sample once', async () => {
    const producer = h.producer('r1', { minIntervalMs: INTERVAL });
    const started = performance.now();
    let i = 0;
    // Log from a timer for ~600 ms, two variables, like a paced model.
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        for (let k = 0; k < 5; k++, i++) {
          producer.log('x', i, i);
          if (i % 2 === 0) producer.log('y', i, -i);
        }
        if (performance.now() - started > 600) {
          clearInterval(timer);
          resolve();
        }
      }, 3);
    });
    await producer.flush();

    const batches = h.batches();
    expect(batches.length).toBeGreaterThanOrEqual(3); // it sends while logging, not only at flush
    // A producer sending on every log would send hundreds of requests.
    expect(batches.length).toBeLessThanOrEqual(Math.ceil(700 / INTERVAL) + 2);
    for (const gap of gaps(batches)) expect(gap).toBeGreaterThanOrEqual(INTERVAL);
    expect(batches.map((b) => b.json.batch)).toEqual(batches.map((_, n) => n));
    expect(new Set(batches.map((b) => b.json.producer)).size).toBe(1);
    expect(batches[0]?.json.producer).toMatch(/^[A-Za-z0-9._-]{1,128}$/);

    const x = h.ingest.variable('r1', 'x');
    const y = h.ingest.variable('r1', 'y');
    expect(x?.t).toEqual(Array.from({ length: i }, (_, n) => n));
    expect(y?.t).toEqual(Array.from({ length: Math.ceil(i / 2) }, (_, n) => n * 2));
    // y logs -i: the first is -0, which travels tagged.
    const expectedY: WireValue[] = Array.from({ length: Math.ceil(i / 2) }, (_, n) =>
      n === 0 ? { $num: '-0' } : -n * 2,
    );
    expect(y?.v).toEqual(expectedY);
    expect(producer.stats).toMatchObject({
      buffered: 0,
      sent: i + Math.ceil(i / 2),
      acknowledged: i + Math.ceil(i / 2),
      dropped: 0,
      retries: 0,
      batches: batches.length,
    });
    await producer.close();
  });

  it('flush() waits for the acknowledgement but never hurries the interval', async () => {
    const producer = h.producer('r1', { minIntervalMs: INTERVAL });
    for (let round = 0; round < 4; round++) {
      producer.log('x', round, round);
      await producer.flush();
      // Everything logged before flush() is on the server when it resolves.
      expect(h.ingest.variable('r1', 'x')?.t.length).toBe(round + 1);
    }
    const batches = h.batches();
    expect(batches).toHaveLength(4);
    for (const gap of gaps(batches)) expect(gap).toBeGreaterThanOrEqual(INTERVAL);
    await producer.close();
  });

  it('flush() also covers samples of other variables logged before it', async () => {
    const producer = h.producer('r1', { minIntervalMs: 30, maxBatchSamples: 10 });
    for (let k = 0; k < 25; k++) producer.log('big', k, k);
    producer.log('late', 0, 'only one');
    const flushed = producer.flush();
    for (let k = 25; k < 60; k++) producer.log('big', k, k); // after the flush call
    await flushed;
    expect(h.ingest.variable('r1', 'late')?.v).toEqual(['only one']);
    expect(h.ingest.variable('r1', 'big')?.t.slice(0, 25)).toEqual(
      Array.from({ length: 25 }, (_, n) => n),
    );
    await producer.flush();
    expect(h.ingest.variable('r1', 'big')?.t).toEqual(Array.from({ length: 60 }, (_, n) => n));
    await producer.close();
  });

  it('keeps the interval while retrying', async () => {
    h.failFirst(3, (_req, res) => sendError(res, 500, 'internal', 'boom'));
    const producer = h.producer('r1', {
      minIntervalMs: INTERVAL,
      retry: { baseMs: 1, capMs: 5 },
    });
    producer.log('x', 1, 1);
    await producer.flush();
    const batches = h.batches();
    expect(batches).toHaveLength(4);
    for (const gap of gaps(batches)) expect(gap).toBeGreaterThanOrEqual(INTERVAL);
    expect(producer.stats.retries).toBe(3);
    await producer.close();
  });

  it('cuts batches at maxBatchSamples', async () => {
    const producer = h.producer('r1', { minIntervalMs: 10, maxBatchSamples: 100 });
    for (let k = 0; k < 250; k++) producer.log('x', k, k);
    await producer.flush();
    const sizes = h
      .batches()
      .map((b) => Object.values(b.json.variables).reduce((n, s) => n + s.t.length, 0));
    expect(sizes).toEqual([100, 100, 50]);
    expect(h.ingest.variable('r1', 'x')?.t).toEqual(Array.from({ length: 250 }, (_, n) => n));
    await producer.close();
  });

  it('stays quiet while idle and sends nothing for an empty flush', async () => {
    const producer = h.producer('r1', { minIntervalMs: 10 });
    await producer.flush();
    await new Promise((r) => setTimeout(r, 50));
    expect(h.server.requests).toHaveLength(0);
    await producer.close();
  });
});
