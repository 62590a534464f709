import { interleavedRounds } from './interleaved-rounds';

describe('interleavedRounds', () => {
  it('warms every subject up, then passes over all of them once per round', async () => {
    const calls: string[] = [];
    const rounds = await interleavedRounds(
      ['a', 'b'],
      { rounds: 2, warmupSeconds: 1 },
      (s) => {
        calls.push(`warm ${s}`);
        return Promise.resolve();
      },
      (s, round) => {
        calls.push(`${s}${round}`);
        return Promise.resolve(`${s}${round}`);
      },
    );
    expect(calls).toEqual(['warm a', 'warm b', 'a1', 'b1', 'a2', 'b2']);
    expect(rounds).toEqual([
      ['a1', 'a2'],
      ['b1', 'b2'],
    ]);
  });

  it('skips the warm-up when it lasts no time', async () => {
    const warmed: string[] = [];
    await interleavedRounds(
      ['a'],
      { rounds: 1, warmupSeconds: 0 },
      (s) => {
        warmed.push(s);
        return Promise.resolve();
      },
      () => Promise.resolve(undefined),
    );
    expect(warmed).toEqual([]);
  });

  it('warms up once when no seconds are given (a read phase: one unmeasured pass)', async () => {
    const warmed: string[] = [];
    await interleavedRounds(
      ['a', 'b'],
      { rounds: 1 },
      (s) => {
        warmed.push(s);
        return Promise.resolve();
      },
      () => Promise.resolve(undefined),
    );
    expect(warmed).toEqual(['a', 'b']);
  });
});
