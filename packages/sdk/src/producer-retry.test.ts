import { performance } from 'node:perf_hooks';
import { RunstreamHttpError, RunstreamNetworkError } from './errors';
import { sendError, sendJson } from './testing/scripted-http-server';
import { gaps, startHarness, type Harness } from './testing/harness';

describe('Producer retries', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(() => h.close());

  /** Every attempt of the first batch carried the same producer, batch number and bytes. */
  function expectIdenticalAttempts(count: number): void {
    const attempts = h.batches();
    expect(attempts).toHaveLength(count);
    const first = attempts[0];
    for (const a of attempts) {
      expect(a.text).toBe(first?.text);
      expect(a.json.producer).toBe(first?.json.producer);
      expect(a.json.batch).toBe(0);
    }
  }

  it('waits at least Retry-After after a 503', async () => {
    h.failFirst(1, (_req, res) =>
      sendError(res, 503, 'unavailable', 'hot store full', { 'retry-after': '1' }),
    );
    const retries: number[] = [];
    const producer = h.producer('r1', {
      minIntervalMs: 20,
      retry: { baseMs: 1, capMs: 2 },
      onRetry: (_err, _attempt, delayMs) => retries.push(delayMs),
    });
    producer.log('x', 0, 42);
    await producer.flush();
    expectIdenticalAttempts(2);
    expect(gaps(h.batches())[0]).toBeGreaterThanOrEqual(1000);
    expect(retries).toEqual([1000]);
    expect(h.ingest.variable('r1', 'x')?.v).toEqual([42]);
    expect(producer.stats.retries).toBe(1);
    await producer.close();
  });

  it('backs off exponentially with jitter between retries', async () => {
    h.failFirst(4, (_req, res) => sendError(res, 502, 'bad_gateway', 'upstream'));
    const delays: number[] = [];
    const producer = h.producer('r1', {
      minIntervalMs: 0,
      retry: { baseMs: 40, capMs: 1000, random: () => 0.999 },
      onRetry: (err, attempt, delayMs) => {
        expect(err).toBeInstanceOf(RunstreamHttpError);
        expect(attempt).toBe(delays.length + 1);
        delays.push(delayMs);
      },
    });
    producer.log('x', 0, 1);
    await producer.flush();
    expect(delays).toEqual([39, 79, 159, 319]);
    const observed = gaps(h.batches());
    observed.forEach((gap, i) => expect(gap).toBeGreaterThanOrEqual(delays[i] as number));
    expectIdenticalAttempts(5);
    await producer.close();
  });

  it('retries a 500 with the same producer, batch number and body', async () => {
    h.failFirst(2, (_req, res) => sendError(res, 500, 'internal', 'boom'));
    const producer = h.producer('r1', { minIntervalMs: 10, retry: { baseMs: 5 } });
    for (let k = 0; k < 10; k++) producer.log('x', k, k * 1.5);
    await producer.flush();
    expectIdenticalAttempts(3);
    expect(h.ingest.variable('r1', 'x')?.t).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    await producer.close();
  });

  it('retries a dropped connection with the same body', async () => {
    h.failFirst(2, (_req, _res, raw) => void raw.socket.destroy());
    const errors: Error[] = [];
    const producer = h.producer('r1', {
      minIntervalMs: 10,
      retry: { baseMs: 5 },
      onRetry: (err) => errors.push(err),
    });
    producer.log('x', 0, 'hello');
    await producer.flush();
    expectIdenticalAttempts(3);
    expect(errors).toHaveLength(2);
    for (const err of errors) expect(err).toBeInstanceOf(RunstreamNetworkError);
    expect(h.ingest.variable('r1', 'x')?.v).toEqual(['hello']);
    await producer.close();
  });

  it('a batch written but whose answer was lost is retried and written once', async () => {
    // The server writes the batch, then the connection dies before the answer.
    h.failFirst(2, (req, res, raw) => {
      const sink = { writeHead: () => sink, end: () => raw.socket.destroy() };
      h.ingest.handle(req, sink as unknown as typeof res);
    });
    const producer = h.producer('r1', { minIntervalMs: 10, retry: { baseMs: 5 } });
    for (let k = 0; k < 5; k++) producer.log('x', k, k);
    await producer.flush();
    producer.log('x', 5, 5);
    await producer.flush();

    const attempts = h.batches();
    const unique = new Set(attempts.map((a) => `${a.json.producer}/${a.json.batch}`));
    expect(attempts).toHaveLength(4); // batch 0 three times, batch 1 once
    expect(unique.size).toBe(2);
    expect(h.ingest.written).toBe(2);
    expect(h.ingest.variable('r1', 'x')?.t).toEqual([0, 1, 2, 3, 4, 5]);
    expect(producer.stats).toMatchObject({
      duplicates: 1,
      retries: 2,
      batches: 2,
      acknowledged: 6,
    });
    await producer.close();
  });

  it('retries a request that times out', async () => {
    h.failFirst(1, () => undefined); // never answered
    const errors: Error[] = [];
    const producer = h.producer('r1', {
      minIntervalMs: 10,
      requestTimeoutMs: 150,
      retry: { baseMs: 5 },
      onRetry: (err) => errors.push(err),
    });
    // The timeout runs from the client's start of attempt 1, not from its
    // arrival at the server: measure from a mark taken before it started.
    const before = performance.now();
    producer.log('x', 0, 1);
    await producer.flush();
    expect((errors[0] as RunstreamNetworkError).timedOut).toBe(true);
    expectIdenticalAttempts(2);
    // Timeout (150) + interval (10) at least, both counted on the client.
    expect((h.batches()[1]?.at ?? 0) - before).toBeGreaterThanOrEqual(160);
    await producer.close();
  });

  it('retries 429 and honours its Retry-After too', async () => {
    h.failFirst(1, (_req, res) =>
      sendJson(
        res,
        429,
        { error: { code: 'rate_limited', message: 'slow down' } },
        { 'retry-after': '1' },
      ),
    );
    const producer = h.producer('r1', { minIntervalMs: 10, retry: { baseMs: 1 } });
    producer.log('x', 0, 1);
    await producer.flush();
    expect(gaps(h.batches())[0]).toBeGreaterThanOrEqual(1000);
    await producer.close();
  });
});
