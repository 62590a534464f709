import { crashProbe } from './crash-probe';

const transfer = { key: 'rs:{r}:v:v:xfer:1' };

describe('crashProbe', () => {
  it('kills once, at its point only, and never lets the flush take another step', async () => {
    const kills: string[] = [];
    const probe = crashProbe(
      'after-upload',
      (key) => kills.push(`about to kill at ${key}`),
      () => kills.push('SIGKILL'),
    );
    expect(probe('after-rename', transfer.key)).toBeUndefined();
    const stuck = probe('after-upload', transfer.key);
    expect(kills).toEqual([`about to kill at ${transfer.key}`, 'SIGKILL']);
    const settled = await Promise.race([
      Promise.resolve(stuck).then(() => 'settled'),
      new Promise((r) => setTimeout(() => r('pending'), 50)),
    ]);
    expect(settled).toBe('pending');
    expect(probe('after-upload', transfer.key)).toBeUndefined();
    expect(kills).toHaveLength(2);
  });
});
