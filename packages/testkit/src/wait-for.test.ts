import { waitFor } from './wait-for';

describe('waitFor', () => {
  it('resolves to the first value other than undefined, sync or async', async () => {
    let calls = 0;
    await expect(
      waitFor('the third call', () => (++calls >= 3 ? calls : undefined), 5_000, 1),
    ).resolves.toBe(3);
    await expect(waitFor('a promise', () => Promise.resolve(false))).resolves.toBe(false);
  });

  it('names what it waited for and how long when it times out', async () => {
    await expect(waitFor('nothing', () => undefined, 30, 5)).rejects.toThrow(
      'timed out after 30 ms waiting for nothing',
    );
  });

  it('passes on what the probe throws', async () => {
    await expect(
      waitFor('a failing probe', () => Promise.reject(new Error('probe failed'))),
    ).rejects.toThrow('probe failed');
  });
});
