import { ProgressForwarder } from './progress-forwarder';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('ProgressForwarder', () => {
  afterEach(() => jest.useRealTimers());

  it('writes at most once per interval, the latest value winning, and the last one on settle', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate'] });
    let now = 0;
    const written: number[] = [];
    const forwarder = new ProgressForwarder<number>(
      (p) => {
        written.push(p);
        return Promise.resolve();
      },
      (err) => {
        throw err;
      },
      250,
      () => now,
    );
    forwarder.report(1); // the first goes at once
    await tick();
    forwarder.report(2);
    forwarder.report(3);
    await tick();
    expect(written).toEqual([1]);
    now = 250;
    jest.advanceTimersByTime(250);
    await tick();
    expect(written).toEqual([1, 3]); // 2 was overtaken by 3
    forwarder.report(4);
    await forwarder.settle();
    expect(written).toEqual([1, 3, 4]);
    await forwarder.settle(); // nothing new: nothing written
    expect(written).toEqual([1, 3, 4]);
  });

  it('hands a failed write to onError and never rejects', async () => {
    const errors: unknown[] = [];
    const forwarder = new ProgressForwarder<number>(
      () => Promise.reject(new Error('OOM')),
      (err) => errors.push(err),
    );
    forwarder.report(1);
    await expect(forwarder.settle()).resolves.toBeUndefined();
    expect(errors).toHaveLength(1);
  });
});
