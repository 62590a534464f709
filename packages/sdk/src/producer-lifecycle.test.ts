import { waitFor } from '@runstream/testkit';
import { ProducerClosedError, RunstreamHttpError } from './errors';
import { RunstreamClient } from './runstream-client';
import { sendError } from './testing/scripted-http-server';
import { startHarness, type Harness } from './testing/harness';

describe('Producer failure, completion and close', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(() => h.close());

  it.each([
    [400, 'invalid_request'],
    [401, 'unauthorized'],
    [403, 'forbidden'],
    [409, 'run_not_running'],
    [422, 'unprocessable'],
  ])('%i %s puts the producer in a failed state with a clear error', async (status, code) => {
    h.server.respond((_req, res) => sendError(res, status, code, 'server says no'));
    const reported: Error[] = [];
    const producer = h.producer('r1', {
      minIntervalMs: 10,
      onError: (e) => reported.push(e),
    });
    producer.log('x', 0, 1);
    const flushed = producer.flush();
    await expect(flushed).rejects.toBeInstanceOf(RunstreamHttpError);
    await waitFor('an error to be reported', () => reported.length > 0 || undefined);

    const err = reported[0] as RunstreamHttpError;
    expect(reported).toHaveLength(1);
    expect(err.status).toBe(status);
    expect(err.code).toBe(code);
    expect(err.message).toContain("run 'r1'");
    expect(err.message).toContain(String(status));
    expect(err.message).toContain('server says no');
    await expect(flushed).rejects.toBe(err);
    expect(() => producer.log('x', 1, 2)).toThrow(err);
    await expect(producer.flush()).rejects.toBe(err);
    await expect(producer.complete()).rejects.toBe(err);
    expect(producer.error).toBe(err);
    // No retry of something retrying cannot fix.
    await new Promise((r) => setTimeout(r, 50));
    expect(h.batches()).toHaveLength(1);
    expect(producer.stats.buffered).toBe(0);
    await producer.close();
  });

  it('fails on a run that is not running (409 from the real contract)', async () => {
    h.ingest.addRun('done', 'completed');
    let reported: Error | undefined;
    const producer = h.producer('done', {
      minIntervalMs: 10,
      onError: (e) => (reported = e),
    });
    producer.log('x', 0, 1);
    await expect(producer.flush()).rejects.toThrow(/run 'done'.*409 run_not_running/);
    expect(reported).toBeInstanceOf(RunstreamHttpError);
  });

  it('fails on an unknown run (404 run_not_found)', async () => {
    const producer = h.producer('nope', { minIntervalMs: 10 });
    producer.log('x', 0, 1);
    const err = (await producer.flush().catch((e: unknown) => e)) as RunstreamHttpError;
    expect(err.status).toBe(404);
    expect(err.code).toBe('run_not_found');
    // Without onError the failure still surfaces: log() throws it.
    expect(() => producer.log('x', 1, 1)).toThrow(err);
  });

  it('fails with the bad token (401)', async () => {
    const bad = new RunstreamClient({ url: h.server.url, token: 'wrong', env: {} });
    const producer = bad.producer('r1', { minIntervalMs: 10 });
    producer.log('x', 0, 1);
    await expect(producer.flush()).rejects.toMatchObject({ status: 401, code: 'unauthorized' });
  });

  it('throws TypeError for programmer mistakes in log()', () => {
    const producer = h.producer('r1', { minIntervalMs: 10 });
    expect(() => producer.log('x', NaN, 1)).toThrow(TypeError);
    expect(() => producer.log('x', Infinity, 1)).toThrow(TypeError);
    expect(() => producer.log('x', '1' as unknown as number, 1)).toThrow(TypeError);
    expect(() => producer.log('x', 0, undefined as unknown as null)).toThrow(TypeError);
    expect(() => producer.log('x', 0, { a: 1 } as unknown as null)).toThrow(TypeError);
    expect(() => producer.log('x', 0, [1, 'a'] as unknown as number[])).toThrow(/\[1\]/);
    expect(() => producer.log('x', 0, 'a'.repeat(65_537))).toThrow(TypeError);
    expect(() => producer.log('', 0, 1)).toThrow(TypeError);
    expect(() => producer.log('bad\nname', 0, 1)).toThrow(/control/);
    expect(() => producer.log('é'.repeat(129), 0, 1)).toThrow(/256 bytes/);
    expect(() => producer.log(42 as unknown as string, 0, 1)).toThrow(TypeError);
    expect(producer.stats.buffered).toBe(0);
    expect(producer.error).toBeUndefined();
    void producer.close();
  });

  it('complete() flushes, then completes the run', async () => {
    h.ingest.completeRoute = true;
    const producer = h.producer('r1', { minIntervalMs: 20 });
    for (let k = 0; k < 30; k++) producer.log('x', k, k);
    await expect(producer.complete()).resolves.toMatchObject({
      completed: true,
      run: { id: 'r1', status: 'completing' },
    });
    const requests = h.server.requests;
    expect(requests.at(-1)?.path).toBe('/v1/runs/r1/complete');
    expect(h.ingest.variable('r1', 'x')?.t).toHaveLength(30);
    expect(h.ingest.runs.get('r1')?.run.status).toBe('completing');
    // The complete call is paced like a batch.
    const [last, previous] = [requests.at(-1), requests.at(-2)];
    expect((last?.at ?? 0) - (previous?.at ?? 0)).toBeGreaterThanOrEqual(20);
    expect(() => producer.log('x', 31, 1)).toThrow(ProducerClosedError);
    await expect(producer.complete()).resolves.toMatchObject({
      completed: true,
      run: { id: 'r1', status: 'completing' },
    }); // same promise
  });

  it('complete() treats a missing complete route (404 not_found) as unsupported and closes', async () => {
    const producer = h.producer('r1', { minIntervalMs: 10 });
    producer.log('x', 0, 1);
    await expect(producer.complete()).resolves.toEqual({ completed: false });
    expect(h.ingest.variable('r1', 'x')?.t).toEqual([0]);
    expect(() => producer.log('x', 1, 1)).toThrow(ProducerClosedError);
  });

  it('complete() rejects when the run vanished (404 run_not_found is not the missing route)', async () => {
    const producer = h.producer('r1', { minIntervalMs: 10 });
    producer.log('x', 0, 1);
    await producer.flush();
    h.server.respond((_req, res) =>
      sendError(res, 404, 'run_not_found', "run 'r1' does not exist"),
    );
    await expect(producer.complete()).rejects.toMatchObject({ status: 404, code: 'run_not_found' });
  });

  it('complete() retries a 503 on the complete call', async () => {
    h.ingest.completeRoute = true;
    let busy = true;
    h.server.respond((req, res) => {
      if (req.path.endsWith('/complete') && busy) {
        busy = false;
        return sendError(res, 503, 'unavailable', 'busy');
      }
      h.ingest.handle(req, res);
    });
    const producer = h.producer('r1', { minIntervalMs: 10, retry: { baseMs: 5 } });
    producer.log('x', 0, 1);
    await expect(producer.complete()).resolves.toMatchObject({
      completed: true,
      run: { id: 'r1', status: 'completing' },
    });
    expect(h.server.requests.filter((r) => r.path.endsWith('/complete'))).toHaveLength(2);
  });

  it('close() lets a pending flush finish, then discards what no flush covers', async () => {
    const producer = h.producer('r1', { minIntervalMs: 60 });
    producer.log('x', 0, 1);
    await producer.flush(); // the next request now waits 60 ms
    producer.log('x', 1, 1);
    const flushed = producer.flush();
    await producer.close();
    await expect(flushed).resolves.toBeUndefined();
    expect(h.ingest.variable('r1', 'x')?.t).toEqual([0, 1]);
    expect(() => producer.log('x', 2, 1)).toThrow(ProducerClosedError);
    await expect(producer.flush()).rejects.toBeInstanceOf(ProducerClosedError);

    const idle = h.producer('r1', { minIntervalMs: 2000 });
    idle.log('y', 0, 1);
    await idle.flush();
    idle.log('y', 1, 1); // waits for the interval: close() drops it
    const started = Date.now();
    await idle.close();
    expect(Date.now() - started).toBeLessThan(1000); // did not wait out the 2 s interval
    expect(idle.stats).toMatchObject({ discarded: 1, acknowledged: 1, buffered: 0 });
    await new Promise((r) => setTimeout(r, 100));
    expect(h.ingest.variable('r1', 'y')?.t).toEqual([0]);
  });

  it('close({ force: true }) gives up on an unreachable server at once', async () => {
    h.server.respond(() => undefined); // never answers
    const producer = h.producer('r1', { minIntervalMs: 10, requestTimeoutMs: 5000 });
    for (let k = 0; k < 10; k++) producer.log('x', k, k);
    const flushed = producer.flush();
    const completed = producer.complete();
    await waitFor(
      'the first batch to be in flight, unanswered',
      () => h.batches().length === 1 || undefined,
    );
    const started = Date.now();
    await producer.close({ force: true });
    expect(Date.now() - started).toBeLessThan(1000); // did not wait out the 5 s timeout
    await expect(flushed).rejects.toBeInstanceOf(ProducerClosedError);
    await expect(completed).rejects.toBeInstanceOf(ProducerClosedError);
    expect(producer.stats).toMatchObject({ buffered: 0, discarded: 10, acknowledged: 0 });
    expect(producer.error).toBeUndefined(); // closed, not failed
    await new Promise((r) => setTimeout(r, 50));
    expect(h.batches()).toHaveLength(1); // no retry after the abort
  });

  it('holds no timer that keeps the process alive unless a flush is pending', async () => {
    // White-box on purpose: counting all active timers of the process also
    // counts the HTTP server's and fetch's, which come and go.
    const producer = h.producer('r1', { minIntervalMs: 300 });
    const sleepTimer = (): NodeJS.Timeout | undefined =>
      (producer as unknown as { sleeping?: { timer: NodeJS.Timeout } }).sleeping?.timer;
    producer.log('x', 0, 1);
    await producer.flush();
    producer.log('x', 1, 1); // the producer now sleeps ~300 ms before sending it
    await new Promise((r) => setImmediate(r));
    expect(sleepTimer()?.hasRef()).toBe(false);
    const flushed = producer.flush(); // someone waits: the sleep must hold the process
    expect(sleepTimer()?.hasRef()).toBe(true);
    await flushed;
    producer.log('x', 2, 1);
    await new Promise((r) => setImmediate(r));
    expect(sleepTimer()?.hasRef()).toBe(false);
    await producer.close();
    expect(sleepTimer()).toBeUndefined();
  });
});
