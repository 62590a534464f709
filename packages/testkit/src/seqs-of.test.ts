import { collect } from './collect';
import { seqsOf } from './seqs-of';

describe('seqsOf', () => {
  it('lists the seqs of each chunk in turn, as they come', () => {
    expect(
      seqsOf([
        { first: 3, t: [0, 0] },
        { first: 1, t: [0] },
        { first: 9, t: [] },
      ]),
    ).toEqual([3, 4, 1]);
  });
});

describe('collect', () => {
  it('gathers an async iterable in order', async () => {
    async function* three(): AsyncGenerator<number> {
      for (const n of [1, 2, 3]) yield await Promise.resolve(n);
    }
    expect(await collect(three())).toEqual([1, 2, 3]);
  });
});
