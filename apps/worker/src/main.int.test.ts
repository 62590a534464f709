import { useFixture, waitFor } from '@runstream/testkit';
import { startWorkerBackends } from './testing/worker-backends';
import { buildWorker } from './testing/worker-process';

// main.ts as a real process: it refuses bad config naming the variable, and
// stops cleanly on SIGTERM.

beforeAll(() => buildWorker());
const b = useFixture(() => startWorkerBackends());

describe('node dist/main.js', () => {
  it('exits 1 naming the variable when the config is bad', async () => {
    const child = b.process({ WORKER_QUEUES: 'flush,nope' });
    expect(await child.exited).toEqual({ code: 1, signal: null });
    expect(child.output()).toMatch(/WORKER_QUEUES: unknown queue\(s\) 'nope'/);
  });

  it('serves /healthz and /readyz, and exits 0 on SIGTERM', async () => {
    const child = b.process({ REDIS_MEMORY_BUDGET_BYTES: String(2 ** 30) });
    const started = await waitFor('the worker to start', () =>
      child.logLines().find((l) => l.msg === 'worker started'),
    );
    const ready = await fetch(`http://127.0.0.1:${Number(started.port)}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ok: true, checks: { redis: true, s3: true } });

    child.child.kill('SIGTERM');
    expect(await child.exited).toEqual({ code: 0, signal: null });
    expect(child.output()).toContain('"stopped"');
  });
});
