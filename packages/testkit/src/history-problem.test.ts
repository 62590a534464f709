import { historyProblem, type HistoryChunk } from './history-problem';

async function* chunks(...list: HistoryChunk[]): AsyncGenerator<HistoryChunk> {
  for (const c of list) yield await Promise.resolve(c);
}

/** t = seq - 1, v = 2t, NaN at seq 3. */
const expected = (seq: number) => ({ t: seq - 1, v: seq === 3 ? NaN : (seq - 1) * 2 });

describe('historyProblem', () => {
  it('is undefined for exactly 1..n with the expected samples, NaN included', async () => {
    const history = chunks(
      { first: 1, t: [0, 1], v: [0, 2] },
      { first: 3, t: [2, 3], v: [NaN, 6] },
    );
    expect(await historyProblem('x', history, 4, expected)).toBeUndefined();
  });

  it.each([
    ['a wrong value', { first: 1, t: [0, 1], v: [0, 3] }, 2, 'x seq 2: got { t: 1, v: 3 }'],
    ['-0 for 0', { first: 1, t: [0], v: [-0] }, 1, 'x seq 1: got { t: 0, v: -0 }'],
    ['a shifted t', { first: 2, t: [0], v: [2] }, 2, 'x seq 2: got { t: 0, v: 2 }'],
    ['a missing seq', { first: 1, t: [0], v: [0] }, 2, 'x: expected 2 seqs, got 1'],
  ])('names the first problem: %s', async (_, chunk, n, problem) => {
    expect(await historyProblem('x', chunks(chunk), n, expected)).toMatch(problem);
  });

  it('takes at least a count: an unbroken 1..K with K at least that', async () => {
    const three = (): AsyncGenerator<HistoryChunk> =>
      chunks({ first: 1, t: [0, 1, 2], v: [0, 2, NaN] });
    expect(await historyProblem('x', three(), { atLeast: 2 }, expected)).toBeUndefined();
    expect(await historyProblem('x', three(), { atLeast: 4 }, expected)).toBe(
      'x: 3 seqs, expected at least 4',
    );
  });
});
