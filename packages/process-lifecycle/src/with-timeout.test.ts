import { TimeoutError, withTimeout } from './with-timeout';

describe('withTimeout', () => {
  it('resolves and rejects as the work does when it answers in time', async () => {
    await expect(withTimeout(Promise.resolve(7), 1000, 'seven')).resolves.toBe(7);
    await expect(withTimeout(Promise.reject(new Error('no')), 1000, 'no')).rejects.toThrow('no');
  });

  it('rejects with a TimeoutError naming what did not answer', async () => {
    const late = withTimeout(new Promise(() => undefined), 20, 'redis ping');
    await expect(late).rejects.toBeInstanceOf(TimeoutError);
    await expect(late).rejects.toThrow('redis ping did not answer within 20 ms');
  });
});
