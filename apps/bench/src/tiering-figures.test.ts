import { MB, SeqTally, rateFigures, rateRatio, timeRatio, type Timing } from './tiering-figures';

const t = (seconds: number, extra: Partial<Timing> = {}): Timing => ({
  seconds,
  cpuPercent: {},
  ...extra,
});

describe('rateFigures', () => {
  const volume = { samples: 2_000_000, textBytes: 80 * MB, storedBytes: 20 * MB, objects: 8 };

  it('gives medians over rounds, rates in samples/s and MB/s (10^6 bytes)', () => {
    const f = rateFigures('flush', [t(4), t(2), t(8)], volume);
    expect(f.medianSeconds).toBe(4);
    expect(f.samplesPerSecond).toBe(500_000);
    expect(f.textMBps).toBeCloseTo(20);
    expect(f.storedMBps).toBeCloseTo(5);
    expect(f.medianFirstMs).toBeUndefined();
  });

  it('takes the median first-chunk time and the median CPU of each process', () => {
    const f = rateFigures(
      'tiered',
      [
        t(1, { firstMs: 30, cpuPercent: { bench: 90, s3rver: 10 } }),
        t(1, { firstMs: 90, cpuPercent: { bench: 70 } }),
        t(1, { firstMs: 50, cpuPercent: { bench: 80, s3rver: 20 } }),
      ],
      volume,
    );
    expect(f.medianFirstMs).toBe(50);
    expect(f.cpuPercent).toEqual({ bench: 80, s3rver: 15 });
  });

  it('refuses no rounds', () => {
    expect(() => rateFigures('x', [], volume)).toThrow(RangeError);
  });
});

// The same rounds, per round 2/1, 3/3, 4/1 in time: 1/2, 1/1, 1/4 of the baseline's speed.
describe.each([
  // Median rate of the subject 1/3, of the baseline 1/1.
  { name: 'rateRatio', of: rateRatio, compared: 'rates (inverse times)', ratio: 1 / 3, round: 0.5 },
  { name: 'timeRatio', of: timeRatio, compared: 'times (median over median)', ratio: 3, round: 2 },
])('$name', ({ of, compared, ratio, round }) => {
  it(`compares ${compared} of the same data, and gives the median per-round ratio`, () => {
    const r = of([t(2), t(3), t(4)], [t(1), t(3), t(1)]);
    expect(r.ratio).toBeCloseTo(ratio);
    expect(r.medianRoundRatio).toBeCloseTo(round);
  });

  it('needs the same rounds on both sides', () => {
    expect(() => of([t(1)], [t(1), t(2)])).toThrow(RangeError);
    expect(() => of([], [])).toThrow(RangeError);
  });
});

describe('SeqTally', () => {
  it('accepts exactly from..last in order', () => {
    const tally = new SeqTally();
    tally.add(1, 3);
    tally.add(4, 2);
    expect(tally.samples).toBe(5);
    expect(tally.chunks).toBe(2);
    expect(tally.check(5)).toBeUndefined();
  });

  it('reports a gap, a repeat, and a short or long end', () => {
    const gap = new SeqTally();
    gap.add(1, 3);
    gap.add(5, 1);
    expect(gap.check(5)).toMatch(/chunk 2 starts at seq 5, seq 4 was due/);

    const repeat = new SeqTally();
    repeat.add(1, 3);
    repeat.add(3, 3);
    expect(repeat.check(5)).toMatch(/seq 4 was due/);

    const short = new SeqTally();
    short.add(1, 3);
    expect(short.check(5)).toMatch(/3 samples ending at seq 3, expected 1..5/);
    expect(short.check(2)).toMatch(/expected 1..2/);
  });

  it('counts from another first seq', () => {
    const tally = new SeqTally(10);
    tally.add(10, 5);
    expect(tally.check(14)).toBeUndefined();
  });
});

describe('timeRatio', () => {
  it('is the inverse of rateRatio for one round', () => {
    expect(timeRatio([t(5)], [t(2)]).ratio).toBeCloseTo(1 / rateRatio([t(5)], [t(2)]).ratio);
  });
});
