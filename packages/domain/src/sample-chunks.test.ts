import type { SampleChunk } from './http-api';
import { collectPage, rechunk, trimChunk } from './sample-chunks';

const chunk = (first: number, n: number): SampleChunk => ({
  first,
  t: Array.from({ length: n }, (_, i) => first + i),
  v: Array.from({ length: n }, (_, i) => (first + i) * 10),
});

async function* source(...chunks: SampleChunk[]): AsyncGenerator<SampleChunk> {
  for (const c of chunks) yield await Promise.resolve(c);
}

async function all(gen: AsyncIterable<SampleChunk>): Promise<SampleChunk[]> {
  const out: SampleChunk[] = [];
  for await (const c of gen) out.push(c);
  return out;
}

const seqs = (chunks: SampleChunk[]): number[] =>
  chunks.flatMap((c) => c.t.map((_, i) => c.first + i));

describe('trimChunk', () => {
  it('cuts the samples before fromSeq', () => {
    expect(trimChunk(chunk(1, 5), 4)).toEqual({ first: 4, t: [4, 5], v: [40, 50] });
    expect(trimChunk(chunk(1, 5), 6)).toBeUndefined();
    expect(trimChunk(chunk(3, 2), 1)).toEqual(chunk(3, 2));
  });
});

describe('collectPage', () => {
  it('fills a page from fromSeq, says whether more follows, and stops pulling', async () => {
    let pulled = 0;
    async function* counting(): AsyncGenerator<SampleChunk> {
      for (const c of [chunk(1, 3), chunk(4, 3), chunk(7, 3), chunk(10, 3)]) {
        pulled++;
        yield await Promise.resolve(c);
      }
    }
    const page = await collectPage(counting(), 2, 5);
    expect(page).toEqual({
      first: 2,
      t: [2, 3, 4, 5, 6],
      v: [20, 30, 40, 50, 60],
      nextSeq: 7,
      more: true,
    });
    expect(pulled).toBe(3);
  });

  it('reports no more at the end of the history', async () => {
    const page = await collectPage(source(chunk(1, 3)), 1, 3);
    expect(page.more).toBe(false);
    expect(page.nextSeq).toBe(4);
  });

  it('drops overlapping duplicates and ends at a gap', async () => {
    const page = await collectPage(source(chunk(1, 3), chunk(2, 4), chunk(9, 1)), 1, 100);
    expect(page.t).toEqual([1, 2, 3, 4, 5]);
    expect(page.more).toBe(false);
  });
});

describe('rechunk', () => {
  it('regroups into chunks of at most maxSamples with every seq once', async () => {
    const out = await all(rechunk(source(chunk(1, 7), chunk(5, 6), chunk(11, 2)), 3, 4));
    expect(out.every((c) => c.t.length <= 4)).toBe(true);
    expect(seqs(out)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(out.map((c) => c.v).flat()).toEqual([30, 40, 50, 60, 70, 80, 90, 100, 110, 120]);
  });

  it('starts a new chunk after a gap instead of mislabelling seqs', async () => {
    const out = await all(rechunk(source(chunk(1, 2), chunk(5, 2)), 1, 10));
    expect(out).toEqual([chunk(1, 2), chunk(5, 2)]);
  });
});
