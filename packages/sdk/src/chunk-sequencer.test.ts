import type { SampleChunk } from '@runstream/domain';
import { ChunkSequencer } from './chunk-sequencer';

/** Seqs first..last with t = seq and v = seq * 10, so a wrong pairing shows. */
function chunk(first: number, last: number): SampleChunk {
  const t: number[] = [];
  const v: number[] = [];
  for (let s = first; s <= last; s++) {
    t.push(s);
    v.push(s * 10);
  }
  return { first, t, v };
}

/** Every delivered sample as [seq, t, v]. */
function flatten(chunks: SampleChunk[]): Array<[number, number, unknown]> {
  return chunks.flatMap((c) =>
    c.t.map((t, i): [number, number, unknown] => [c.first + i, t, c.v[i]]),
  );
}

function expected(from: number, to: number): Array<[number, number, unknown]> {
  const out: Array<[number, number, unknown]> = [];
  for (let s = from; s <= to; s++) out.push([s, s, s * 10]);
  return out;
}

describe('ChunkSequencer', () => {
  it('delivers contiguous chunks as they come', () => {
    const q = new ChunkSequencer(1);
    const out = [...q.push(chunk(1, 3)), ...q.push(chunk(4, 9))];
    expect(flatten(out)).toEqual(expected(1, 9));
    expect(q.lastSeq).toBe(9);
    expect(q.hasGap).toBe(false);
  });

  it('drops repeats and trims overlaps', () => {
    const q = new ChunkSequencer(1);
    const out = [
      ...q.push(chunk(1, 5)),
      ...q.push(chunk(1, 5)),
      ...q.push(chunk(3, 8)),
      ...q.push(chunk(2, 2)),
    ];
    expect(flatten(out)).toEqual(expected(1, 8));
  });

  it('holds chunks past a gap and releases them when it fills', () => {
    const q = new ChunkSequencer(1);
    expect(q.push(chunk(6, 10))).toEqual([]);
    expect(q.push(chunk(11, 12))).toEqual([]);
    expect(q.hasGap).toBe(true);
    expect(q.heldCount).toBe(7);
    expect(q.lastSeq).toBe(0);
    const out = q.push(chunk(1, 7));
    expect(flatten(out)).toEqual(expected(1, 12));
    expect(q.hasGap).toBe(false);
    expect(q.heldCount).toBe(0);
  });

  it('starts at fromSeq and ignores what came before it', () => {
    const q = new ChunkSequencer(50);
    expect(q.lastSeq).toBe(49);
    expect(flatten(q.push(chunk(40, 52)))).toEqual(expected(50, 52));
  });

  it('delivers each seq exactly once in order for any arrival order (seeded shuffle)', () => {
    let seed = 12345;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    for (let round = 0; round < 200; round++) {
      const n = 1 + Math.floor(random() * 200);
      const chunks: SampleChunk[] = [];
      // Overlapping random chunks that together cover 1..n, plus duplicates.
      for (let s = 1; s <= n;) {
        const len = 1 + Math.floor(random() * 15);
        const last = Math.min(n, s + len - 1);
        const back = Math.floor(random() * 4);
        chunks.push(chunk(Math.max(1, s - back), last));
        if (random() < 0.2) chunks.push(chunk(s, last));
        s = last + 1;
      }
      for (let i = chunks.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [chunks[i], chunks[j]] = [chunks[j] as SampleChunk, chunks[i] as SampleChunk];
      }
      const q = new ChunkSequencer(1);
      const out = chunks.flatMap((c) => q.push(c));
      expect(flatten(out)).toEqual(expected(1, n));
      expect(q.hasGap).toBe(false);
    }
  });
});
