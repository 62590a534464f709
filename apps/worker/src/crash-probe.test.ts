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

  it('kills the hit-th time its point is reached (a segment after the first of a flush)', () => {
    const kills: string[] = [];
    const probe = crashProbe(
      'after-upload',
      (where) => kills.push(where),
      () => kills.push('SIGKILL'),
      3,
    );
    expect(probe('after-upload', 'segment 1')).toBeUndefined();
    expect(probe('after-rename', 'another step')).toBeUndefined();
    expect(probe('after-upload', 'segment 2')).toBeUndefined();
    expect(kills).toEqual([]);
    expect(probe('after-upload', 'segment 3')).toBeInstanceOf(Promise);
    expect(kills).toEqual(['segment 3', 'SIGKILL']);
    expect(probe('after-upload', 'segment 4')).toBeUndefined();
  });
});
