import type { ServerResponse } from 'node:http';
import { waitFor } from '@runstream/testkit';
import { BufferFullError } from './errors';
import { sendError, type RecordedRequest } from './testing/scripted-http-server';
import { startHarness, type Harness } from './testing/harness';

describe('Producer buffer bound and 413 splitting', () => {
  let h: Harness;
  /** Requests held unanswered until `release()`: a blocked server. */
  let held: Array<[RecordedRequest, ServerResponse]>;
  const release = (): void => {
    for (const [req, res] of held.splice(0)) h.ingest.handle(req, res);
    h.server.respond(h.ingest.handle);
  };

  beforeEach(async () => {
    h = await startHarness();
    held = [];
    h.server.respond((req, res) => {
      held.push([req, res]);
    });
  });
  afterEach(() => h.close());

  it('drop-newest drops exactly the excess, counting samples in flight', async () => {
    const dropped: number[] = [];
    const producer = h.producer('r1', {
      minIntervalMs: 10,
      maxBufferedSamples: 100,
      onDrop: (variable, t) => {
        expect(variable).toBe('x');
        dropped.push(t);
      },
    });
    for (let k = 0; k < 60; k++) expect(producer.log('x', k, k)).toBe(true);
    await waitFor('the first batch to be in flight', () => held.length === 1 || undefined, 2000);
    // 60 in flight (unanswered) + 40 more fit; the next 50 do not.
    const results: boolean[] = [];
    for (let k = 60; k < 150; k++) results.push(producer.log('x', k, k));
    expect(results.filter((r) => r)).toHaveLength(40);
    expect(dropped).toEqual(Array.from({ length: 50 }, (_, n) => 100 + n));
    expect(producer.stats).toMatchObject({ buffered: 100, dropped: 50 });

    release();
    await producer.flush();
    expect(h.ingest.variable('r1', 'x')?.t).toEqual(Array.from({ length: 100 }, (_, n) => n));
    expect(producer.stats).toMatchObject({ buffered: 0, acknowledged: 100, dropped: 50 });
    // Room again once acknowledged.
    expect(producer.log('x', 1000, 0)).toBe(true);
    await producer.close();
  });

  it("'throw' refuses with BufferFullError and drops nothing", async () => {
    const producer = h.producer('r1', {
      minIntervalMs: 10,
      maxBufferedSamples: 100,
      onFull: 'throw',
    });
    for (let k = 0; k < 100; k++) producer.log('x', k, k);
    let caught: unknown;
    try {
      producer.log('x', 100, 100);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(BufferFullError);
    expect((caught as BufferFullError).maxBufferedSamples).toBe(100);
    expect((caught as Error).message).toContain("'x'");
    expect(producer.stats).toMatchObject({ buffered: 100, dropped: 0 });
    // The producer is not failed: it goes on once the server answers.
    release();
    await producer.flush();
    expect(h.ingest.variable('r1', 'x')?.t).toHaveLength(100);
    producer.log('x', 100, 100);
    await producer.flush();
    expect(h.ingest.variable('r1', 'x')?.t).toHaveLength(101);
    await producer.close();
  });

  it('splits a batch the server finds too large (413) into halves with new batch numbers', async () => {
    const LIMIT = 40; // samples per request the "server" accepts
    h.server.respond((req, res) => {
      const body = req.json as { variables: Record<string, { t: unknown[] }> };
      const n = Object.values(body.variables).reduce((sum, s) => sum + s.t.length, 0);
      if (n > LIMIT)
        return sendError(res, 413, 'payload_too_large', 'request body is larger than 1 bytes');
      h.ingest.handle(req, res);
    });
    const producer = h.producer('r1', { minIntervalMs: 5 });
    for (let k = 0; k < 100; k++) {
      producer.log('a', k, k);
      if (k % 2 === 0) producer.log('b', k, -k);
    }
    await producer.flush();

    const attempts = h.batches();
    const sizes = attempts.map((a) =>
      Object.values(a.json.variables).reduce((n, s) => n + s.t.length, 0),
    );
    const numbers = attempts.map((a) => a.json.batch);
    // 150 → 75+75 → each 75 → 38+37: every accepted request fits, numbers never reused.
    expect(sizes.filter((n) => n <= LIMIT).reduce((x, y) => x + y, 0)).toBe(150);
    expect(new Set(numbers).size).toBe(numbers.length);
    expect(h.ingest.variable('r1', 'a')?.t).toEqual(Array.from({ length: 100 }, (_, n) => n));
    expect(h.ingest.variable('r1', 'b')?.t).toEqual(Array.from({ length: 50 }, (_, n) => 2 * n));
    expect(producer.stats.splits).toBeGreaterThanOrEqual(2);
    expect(producer.stats.acknowledged).toBe(150);

    // Later batches start from the smaller size instead of hitting 413 again.
    const before = attempts.length;
    for (let k = 0; k < 60; k++) producer.log('a', 100 + k, k);
    await producer.flush();
    const later = h.batches().slice(before);
    expect(
      later.every((a) => a.json.variables.a !== undefined && a.json.variables.a.t.length <= LIMIT),
    ).toBe(true);
    await producer.close();
  });

  it('fails when a single sample is too large', async () => {
    h.server.respond((_req, res) => sendError(res, 413, 'payload_too_large', 'too large'));
    const producer = h.producer('r1', { minIntervalMs: 5 });
    producer.log('x', 0, 'big');
    await expect(producer.flush()).rejects.toMatchObject({ status: 413 });
  });
});
