import { startRedis, type RunningRedis } from '@runstream/testkit';
import { Worker } from 'bullmq';
import { QUEUE_PREFIX } from './queue-catalog';
import { Queues } from './queues';

let redis: RunningRedis;
let queues: Queues;

beforeAll(async () => {
  redis = await startRedis();
  queues = new Queues({ url: redis.url });
});
afterAll(async () => {
  await queues.close();
  await redis.stop();
});

describe('flush queue', () => {
  it('turns any number of triggers during an active flush into exactly one follow-up', async () => {
    let release!: () => void;
    const blocked = new Promise<void>((r) => (release = r));
    const runs: string[] = [];
    const worker = new Worker(
      'flush',
      async (job) => {
        runs.push(job.id ?? '?');
        if (runs.length === 1) await blocked;
      },
      { connection: { url: redis.url, maxRetriesPerRequest: null }, prefix: QUEUE_PREFIX },
    );
    try {
      await queues.add('flush', { reason: 'pressure', requestedAt: Date.now() });
      const q = queues.queue('flush');
      for (let i = 0; i < 100 && runs.length === 0; i++)
        await new Promise((r) => setTimeout(r, 20));
      expect(runs).toHaveLength(1);

      for (let i = 0; i < 5; i++)
        await queues.add('flush', { reason: 'pressure', requestedAt: Date.now() });
      // Observed in the queue: one active, and one (not five) waiting to follow.
      expect(await q.getJobCounts('active', 'waiting', 'delayed')).toEqual({
        active: 1,
        waiting: 0,
        delayed: 0,
      });
      release();
      for (let i = 0; i < 100 && runs.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 300));
      expect(runs).toHaveLength(2);
      expect(await q.getJobCounts('active', 'waiting', 'delayed')).toEqual({
        active: 0,
        waiting: 0,
        delayed: 0,
      });
    } finally {
      await worker.close();
    }
  });

  it('refuses a payload outside the catalog schema', async () => {
    await expect(
      queues.add('flush', { reason: 'whim', requestedAt: 1 } as never),
    ).rejects.toThrow();
  });
});

describe('compact queue', () => {
  it('runs one compaction per run at a time, with one follow-up for triggers during it', async () => {
    let release!: () => void;
    const blocked = new Promise<void>((r) => (release = r));
    const runs: string[] = [];
    const worker = new Worker(
      'compact',
      async (job) => {
        runs.push((job.data as { run: string }).run);
        if (runs.length === 1) await blocked;
      },
      { connection: { url: redis.url, maxRetriesPerRequest: null }, prefix: QUEUE_PREFIX },
    );
    const add = (run: string): Promise<void> =>
      queues.add('compact', { run, reason: 'segments', requestedAt: Date.now() });
    try {
      await add('a');
      for (let i = 0; i < 100 && runs.length === 0; i++)
        await new Promise((r) => setTimeout(r, 20));
      for (let i = 0; i < 5; i++) await add('a');
      await add('b');
      const q = queues.queue('compact');
      // One active (a) and b's own waiting; a's single follow-up is held until a ends.
      expect(await q.getJobCounts('active', 'waiting')).toEqual({ active: 1, waiting: 1 });
      release();
      for (let i = 0; i < 100 && runs.length < 3; i++) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 300));
      expect(runs.sort()).toEqual(['a', 'a', 'b']);
    } finally {
      release();
      await worker.close();
    }
  });
});
