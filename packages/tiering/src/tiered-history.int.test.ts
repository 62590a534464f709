import { ColdStore } from '@runstream/cold-store';
import type { SampleChunk } from '@runstream/domain';
import { historyProblem, startS3RecordingProxy, useFixture } from '@runstream/testkit';
import { Flusher } from './flusher';
import { TieredHistory } from './tiered-history';
import { startTieredStores } from './testing/tiered-stores';
import { writeSamples, writtenSample, type SampleValues } from './testing/write-samples';

const s = useFixture(() => startTieredStores());
let flusher: Flusher;
beforeAll(() => {
  flusher = new Flusher(s.hot, s.cold);
});

/** t = seq - 1, v = 2t. */
const DOUBLED: SampleValues = (seq) => (seq - 1) * 2;

/** Writes `batches` batches to `variable` after `offset` earlier samples (DOUBLED). */
const write = (run: string, variable: string, batches: number, size: number, offset = 0) =>
  writeSamples(s.hot, run, [variable], batches, size, offset, DOUBLED);

const expected = writtenSample(DOUBLED);

/** The seqs of a history read from `fromSeq`; each sample must keep its own t and v. */
async function read(
  run: string,
  variable: string,
  fromSeq: number,
  history: TieredHistory = s.history,
): Promise<number[]> {
  const seqs: number[] = [];
  for await (const c of history.chunks(run, variable, fromSeq)) {
    c.t.forEach((t, i) => {
      // each sample keeps its own t and v: nothing shifted between tiers
      expect({ t, v: c.v[i] }).toEqual(expected(c.first + i));
      seqs.push(c.first + i);
    });
  }
  return seqs;
}

const everything = { lowWater: 0, budgetBytes: 0, everything: true };

describe('TieredHistory', () => {
  it('reads segments, a leftover transfer and the buffer as one exact 1..N', async () => {
    await s.hot.runs.create({ id: 'h1' });
    await write('h1', 'x', 10, 100); // 1..1000
    await flusher.flush({ ...everything, run: 'h1' }); // → segment
    await write('h1', 'x', 5, 100, 1000); // 1001..1500
    await flusher.flush({ ...everything, run: 'h1' }); // → second segment
    await write('h1', 'x', 5, 100, 1500); // 1501..2000
    await s.hot.transfers.begin('h1', 'x'); // a flush that died after its rename
    await write('h1', 'x', 5, 100, 2000); // 2001..2500 in the buffer
    expect((await s.cold.listSegments('h1', 'x')).length).toBe(2);
    expect(await historyProblem('x', s.history.chunks('h1', 'x'), 2500, expected)).toBeUndefined();
    expect(await read('h1', 'x', 1234)).toEqual(
      Array.from({ length: 2500 - 1233 }, (_, i) => 1234 + i),
    );
  });

  it('gives every reader exactly 1..N while writers write and flushes move data down', async () => {
    await s.hot.runs.create({ id: 'h2' });
    let written = 0;
    let done = false;
    const writer = (async () => {
      for (let b = 0; b < 400; b++) {
        await write('h2', 'y', 1, 40, written);
        written += 40;
      }
      done = true;
    })();
    const flushing = (async () => {
      while (!done) await flusher.flush({ ...everything, run: 'h2' });
    })();
    let reads = 0;
    while (!done) {
      const before = written;
      // A reader sees at least what was written when it started, as an unbroken 1..K.
      expect(
        await historyProblem('y', s.history.chunks('h2', 'y'), { atLeast: before }, expected),
      ).toBeUndefined();
      reads++;
    }
    await Promise.all([writer, flushing]);
    expect(reads).toBeGreaterThanOrEqual(2); // reads really overlapped the writes and flushes
    expect(
      await historyProblem('y', s.history.chunks('h2', 'y'), 16_000, expected),
    ).toBeUndefined();
  });

  it('reads nothing for a variable that has no samples', async () => {
    await s.hot.runs.create({ id: 'h3' });
    const chunks: SampleChunk[] = [];
    for await (const c of s.history.chunks('h3', 'none')) chunks.push(c);
    expect(chunks).toEqual([]);
  });

  it('skips the segments below fromSeq without downloading them', async () => {
    await s.hot.runs.create({ id: 'h4' });
    for (let i = 0; i < 4; i++) {
      await write('h4', 'z', 10, 100, i * 1000); // 1..1000, 1001..2000, …
      await flusher.flush({ ...everything, run: 'h4' }); // → one segment each
    }
    await write('h4', 'z', 5, 100, 4000); // 4001..4500 stay in Redis
    const segments = await s.cold.listSegments('h4', 'z');
    expect(segments.map((seg) => [seg.first, seg.last])).toEqual([
      [1, 1000],
      [1001, 2000],
      [2001, 3000],
      [3001, 4000],
    ]);

    const proxy = await startS3RecordingProxy(s.s3);
    const counted = new ColdStore({ ...s.s3.connection, endpoint: proxy.endpoint });
    const reader = new TieredHistory(s.hot, counted);
    const readFrom = async (fromSeq: number): Promise<{ seqs: number[]; downloads: string[] }> => {
      proxy.downloads.length = 0;
      counted.cache.clear(); // what a cold reader downloads
      const seqs = await read('h4', 'z', fromSeq, reader);
      return { seqs, downloads: proxy.downloads.map((d) => d.key) };
    };
    const from = (first: number): number[] =>
      Array.from({ length: 4500 - first + 1 }, (_, i) => first + i);
    try {
      // From the middle of the last segment: that segment alone is downloaded.
      expect(await readFrom(3500)).toEqual({ seqs: from(3500), downloads: [segments[3]!.key] });
      // From its first seq, and from the one before it (the previous segment's last).
      expect(await readFrom(3001)).toEqual({ seqs: from(3001), downloads: [segments[3]!.key] });
      expect(await readFrom(3000)).toEqual({
        seqs: from(3000),
        downloads: [segments[2]!.key, segments[3]!.key],
      });
      // From the second segment: every segment but the first.
      expect(await readFrom(1500)).toEqual({
        seqs: from(1500),
        downloads: segments.slice(1).map((seg) => seg.key),
      });
      // From the buffer: nothing from S3 at all.
      expect(await readFrom(4200)).toEqual({ seqs: from(4200), downloads: [] });
      // The counter does see everything: a read from 1 downloads all four.
      expect((await readFrom(1)).downloads).toEqual(segments.map((seg) => seg.key));
    } finally {
      counted.close();
      await proxy.close();
    }
  });
});
