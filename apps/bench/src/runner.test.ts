import { figures, meets, roundOrder, roundRatio, runRounds, versus, type Subject } from './runner';

describe('roundOrder', () => {
  it('rotates the starting subject round by round, so each goes first once in n rounds', () => {
    expect([1, 2, 3].map((round) => roundOrder(3, round))).toEqual([
      [0, 1, 2],
      [1, 2, 0],
      [2, 0, 1],
    ]);
    expect(roundOrder(3, 4)).toEqual([0, 1, 2]);
  });
});

describe('runRounds', () => {
  it('warms each subject up once, then alternates them, results in subject order', async () => {
    const calls: string[] = [];
    const subject = (name: string, warmUp?: false): Subject<string> => ({
      name,
      measure: (round) => {
        calls.push(`${name}${round}`);
        return Promise.resolve(`${name}${round}`);
      },
      ...(warmUp === false ? { warmUp } : {}),
    });
    const lines: string[] = [];
    const results = await runRounds([subject('a'), subject('b', false)], 2, (l) => lines.push(l));
    expect(calls).toEqual(['a0', 'a1', 'b1', 'b2', 'a2']);
    expect(results).toEqual([
      ['a1', 'a2'],
      ['b1', 'b2'],
    ]);
    expect(lines).toHaveLength(5); // a's warm-up, then four rounds
  });
});

describe('roundRatio', () => {
  it('is the median of the per-round ratios, not the ratio of the medians', () => {
    // Medians 20 / 10 = 2, but round by round 1.5, 4, 1.
    expect(roundRatio([15, 40, 20], [10, 10, 20])).toEqual({ perRound: [1.5, 4, 1], median: 1.5 });
  });

  it('refuses rounds that do not pair up', () => {
    expect(() => roundRatio([1, 2], [1])).toThrow(RangeError);
    expect(() => roundRatio([], [])).toThrow(RangeError);
  });
});

describe('meets', () => {
  it('reads a rate at least, a time ratio at most, a time below', () => {
    expect(meets(0.85, { atLeast: 0.85 })).toBe(true);
    expect(meets(0.84, { atLeast: 0.85 })).toBe(false);
    expect(meets(1.5, { atMost: 1.5 })).toBe(true);
    expect(meets(10, { below: 10 })).toBe(false);
  });
});

describe('figures', () => {
  const subjects = [{ name: 'ingest' }, { name: 'bare', baseline: true as const }, { name: 'bin' }];
  const rounds = [
    [{ x: 50 }, { x: 150 }, { x: 100 }],
    [{ x: 100 }, { x: 200 }, { x: 400 }],
    [{ x: 200 }, { x: 300 }, { x: 800 }],
  ];

  it('gives medians over rounds and medians of per-round ratios to the baseline, judged', () => {
    const rows = figures(subjects, rounds, {
      figure: 'samples/s',
      value: (r) => r.x,
      ratios: true,
      targets: {
        ingest: { on: 'ratio', target: { atLeast: 0.85 }, unit: 'share' },
        bin: { on: 'median', target: { atLeast: 300 }, unit: 'samples/s' },
      },
    });
    expect(rows.map((r) => r.median)).toEqual([100, 200, 300]);
    // ingest per round: 0.5, 0.75, 0.25.
    expect(rows[0]?.ratio).toEqual({ to: 'bare', perRound: [0.5, 0.75, 0.25], median: 0.5 });
    expect(rows[0]).toMatchObject({ target: '≥ 85 %', met: false });
    expect(rows[1]?.ratio).toBeUndefined();
    expect(rows[2]).toMatchObject({ target: '≥ 300 samples/s', met: true });
  });

  it('compares two subjects other than the baseline with versus', () => {
    const rows = figures(subjects, rounds, { figure: 'samples/s', value: (r) => r.x });
    const row = versus(rows, 'bin', 'ingest', { target: { atLeast: 2 }, unit: 'share' });
    // bin / ingest per round: 4, 2, 8.
    expect(row.ratio).toEqual({ to: 'ingest', perRound: [4, 2, 8], median: 4 });
    expect(row).toMatchObject({ target: '≥ 200 %', met: true });
  });
});
