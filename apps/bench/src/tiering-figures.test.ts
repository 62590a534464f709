import { SeqTally } from './tiering-figures';

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
