import type { MemoryReading } from '@runstream/hot-store';
import { pino } from 'pino';
import { DrainWatchdog, isRedisOomError, type DrainWatchdogDeps } from './drain-watchdog';
import { WorkerMetrics } from './metrics';

// The watchdog's decisions, driven by given memory readings (the Redis side
// is tested in drain-watchdog.int.test.ts).

const options = { intervalMs: 10_000, flushThreshold: 0.7, hardLimit: 0.9 };
const reading = (ratio: number): MemoryReading => ({
  usedBytes: ratio * 1000,
  limitBytes: 1000,
  ratio,
});

function watchdog(ratio: () => number, overrides: Partial<DrainWatchdogDeps> = {}) {
  const calls: string[] = [];
  const noted = (call: string) => (): Promise<void> => {
    calls.push(call);
    return Promise.resolve();
  };
  const deps: DrainWatchdogDeps = {
    readMemory: () => Promise.resolve(reading(ratio())),
    drain: noted('drain'),
    requestFlush: noted('request'),
    pauseQueues: noted('pause'),
    resumeQueues: noted('resume'),
    logger: pino({ level: 'silent' }),
    metrics: new WorkerMetrics({ defaultMetrics: false }),
    ...overrides,
  };
  return { dog: new DrainWatchdog(deps, options), calls };
}

describe('DrainWatchdog', () => {
  it('does nothing under the flush threshold', async () => {
    const { dog, calls } = watchdog(() => 0.7);
    expect(await dog.check()).toBe('none');
    expect(calls).toEqual([]);
  });

  it('asks for a flush job over the threshold, and shrugs off an OOM refusal', async () => {
    const { dog, calls } = watchdog(() => 0.8);
    expect(await dog.check()).toBe('request');
    expect(calls).toEqual(['request']);

    const oom = watchdog(() => 0.8, {
      requestFlush: () =>
        Promise.reject(new Error("OOM command not allowed when used memory > 'maxmemory'.")),
    });
    expect(await oom.dog.check()).toBe('refused');
    const broken = watchdog(() => 0.8, {
      requestFlush: () => Promise.reject(new Error('ECONNRESET')),
    });
    expect(await broken.dog.check()).toBe('error');
  });

  it('drains directly at the hard limit, holding the queues paused until memory is back', async () => {
    let ratio = 0.95;
    const { dog, calls } = watchdog(() => ratio);
    expect(await dog.check()).toBe('drain');
    expect(dog.pausedQueues).toBe(true);
    expect(await dog.check()).toBe('drain');
    ratio = 0.4;
    expect(await dog.check()).toBe('none');
    expect(dog.pausedQueues).toBe(false);
    expect(calls).toEqual(['pause', 'drain', 'drain', 'resume']);
  });

  it('never runs two drains at once', async () => {
    let active = 0;
    let most = 0;
    let release!: () => void;
    const { dog } = watchdog(() => 1, {
      drain: async () => {
        most = Math.max(most, ++active);
        await new Promise<void>((r) => (release = r));
        active--;
      },
    });
    const first = dog.check();
    await new Promise((r) => setImmediate(r));
    expect(await Promise.all([dog.check(), dog.check()])).toEqual(['busy', 'busy']);
    release();
    expect(await first).toBe('drain');
    expect(most).toBe(1);
  });

  it('reports a failed reading or drain without throwing', async () => {
    const unreadable = watchdog(() => 0, {
      readMemory: () => Promise.reject(new Error('connection lost')),
    });
    expect(await unreadable.dog.check()).toBe('error');
    const failing = watchdog(() => 1, { drain: () => Promise.reject(new Error('S3 down')) });
    expect(await failing.dog.check()).toBe('error');
  });

  it('start() resolves with its first check and stop() ends the checks', async () => {
    const { dog, calls } = watchdog(() => 0.95);
    expect(await dog.start()).toBe('drain');
    await dog.stop();
    expect(calls).toEqual(['pause', 'drain']);
  });

  it('recognises Redis OOM refusals', () => {
    expect(
      isRedisOomError(new Error("OOM command not allowed when used memory > 'maxmemory'.")),
    ).toBe(true);
    expect(isRedisOomError(new Error('BLOOMFILTER'))).toBe(false);
    expect(isRedisOomError(undefined)).toBe(false);
  });
});
