import { PIECE_MAX_SAMPLES } from '@runstream/cold-store';
import { useFixture } from '@runstream/testkit';
import { Flusher } from './flusher';
import { mergedObject } from './data-objects';
import { Merger } from './merger';
import { startTieredStores, writeSamples } from './testing';

// A read from any seq returns exactly the seqs from it to the end, wherever it
// starts: a chunk's edge, a transfer's or a segment's edge, a piece's edge in
// an object, the first or the last seq — in every tier, and while a flush and
// then a merge move the data under it.

const s = useFixture(() => startTieredStores());

const everything = { lowWater: 0, budgetBytes: 0, everything: true };

/** The seqs of a read from `fromSeq`, trimmed as a caller trims its first chunk. */
async function seqsFrom(run: string, fromSeq: number): Promise<number[]> {
  const seqs: number[] = [];
  for await (const stored of s.history.texts(run, 'x', fromSeq)) {
    for (let i = 0; i < stored.count; i++) {
      const seq = stored.first + i;
      if (seq >= fromSeq) seqs.push(seq);
    }
  }
  return seqs;
}

function expectExactFrom(seqs: number[], fromSeq: number, count: number): void {
  expect({ fromSeq, first: seqs[0], last: seqs.at(-1), n: seqs.length }).toEqual({
    fromSeq,
    first: fromSeq <= count ? fromSeq : undefined,
    last: fromSeq <= count ? count : undefined,
    n: Math.max(0, count - fromSeq + 1),
  });
  seqs.forEach((seq, i) => {
    if (seq !== fromSeq + i) throw new Error(`read from ${fromSeq}: seq ${seq} at index ${i}`);
  });
}

describe('reads from every boundary', () => {
  it('return exactly the seqs asked for in every tier, while a flush and a merge move them', async () => {
    const run = 'edges';
    await s.hot.runs.create({ id: run });
    // Segments: one large (pieces, an index) and small ones; then a transfer
    // key left by a flush cut short; then the buffer.
    const edges = new Set<number>([1]);
    let count = 0;
    const write = async (batches: number, size: number): Promise<void> => {
      for (let b = 0; b < batches; b++) {
        edges.add(count + 1);
        edges.add(count + size);
        await writeSamples(s.hot, run, ['x'], 1, size, count);
        count += size;
      }
    };
    const flusher = new Flusher(s.hot, s.cold);
    await write(9, 5000); // 45 000 samples: a segment of several pieces
    await flusher.flush({ ...everything, run });
    await write(3, 700);
    await flusher.flush({ ...everything, run });
    await write(2, 1500);
    expect(await s.hot.transfers.begin(run, 'x')).toBeDefined(); // the transfer key stays
    await write(4, 333);
    for (const segment of await s.cold.listSegments(run, 'x')) {
      edges.add(segment.first).add(segment.last);
      const index = await s.cold.objects.index(segment);
      for (const piece of index?.pieces ?? []) edges.add(piece.first).add(piece.first - 1);
    }
    for (const edge of [...edges]) edges.add(edge + 1).add(edge - 1);
    edges
      .add(count)
      .add(count + 1)
      .add(PIECE_MAX_SAMPLES)
      .add(PIECE_MAX_SAMPLES + 1);
    const starts = [...edges].filter((e) => e >= 1).sort((a, b) => a - b);

    // At rest: every tier holds part of the variable.
    for (const fromSeq of starts) expectExactFrom(await seqsFrom(run, fromSeq), fromSeq, count);

    // While the transfer is finished, the buffer flushed and the run merged.
    let moving = true;
    const mover = (async () => {
      await flusher.flush({ ...everything, run });
      await new Merger(s.hot, s.cold, flusher).merge(run, {
        reason: 'requested',
        quiescenceMs: 0,
        concurrency: 1,
      });
      moving = false;
    })();
    let rounds = 0;
    while (moving || rounds === 0) {
      for (const fromSeq of starts) expectExactFrom(await seqsFrom(run, fromSeq), fromSeq, count);
      rounds++;
    }
    await mover;
    // Merged: one object, read through its own pieces, from their edges too.
    expect(await s.cold.listSegments(run, 'x')).toEqual([]);
    const merged = await mergedObject(s.cold, run, 'x');
    const index = merged === undefined ? undefined : await s.cold.objects.index(merged);
    for (const piece of index?.pieces ?? []) starts.push(Math.max(1, piece.first - 1), piece.first);
    expect(index?.pieces.length).toBeGreaterThan(2); // the merged object has pieces to start from
    for (const fromSeq of starts) expectExactFrom(await seqsFrom(run, fromSeq), fromSeq, count);
  }, 180_000);
});
