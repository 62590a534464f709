import {
  encodeCellRecord,
  parseIngestBatch,
  type SampleChunk,
  type SeriesBucket,
} from '@runstream/domain';
import {
  bruteForceBuckets,
  randomInt,
  randomSamples,
  seededRandom,
  type Random,
} from '@runstream/domain/testing';
import { useFixture } from '@runstream/testkit';
import { Flusher } from './flusher';
import { Merger } from './merger';
import { RunCatalog } from './run-catalog';
import { SeriesReader } from './series-reader';
import { startTieredStores } from './testing';
import { TimeSeek } from './time-seek';

const s = useFixture(() => startTieredStores());
const flusher = () => new Flusher(s.hot, s.cold);
const reader = () => new SeriesReader(s.history, new RunCatalog(s.hot, s.cold), s.cold);

const SLOW = 120_000;
const flushRun = (run: string) =>
  flusher().flush({ run, everything: true, lowWater: 0, budgetBytes: 0 });

/** Writes `data` to `variable` of `run` in batches of 1..maxBatch samples. */
async function write(
  run: string,
  variable: string,
  data: SampleChunk,
  rand: Random,
  maxBatch: number,
) {
  for (let i = 0; i < data.t.length;) {
    const n = Math.min(data.t.length - i, randomInt(rand, 1, maxBatch));
    const batch = { t: data.t.slice(i, i + n), v: data.v.slice(i, i + n) };
    await s.hot.writer.write(run, parseIngestBatch({ variables: { [variable]: batch } }));
    i += n;
  }
}

/** Buckets as encoded cell records: exact comparison, -0 included. */
const encoded = (buckets: readonly SeriesBucket[]) =>
  buckets.map((b) => JSON.stringify(encodeCellRecord(0, b)));

async function expectExact(
  run: string,
  data: SampleChunk,
  from: number,
  to: number,
  points: number,
) {
  const got = await reader().series(run, 'x', { fromSeq: from, toSeq: to, points });
  const want = bruteForceBuckets(data, from, to, points);
  if (want.length === 0) {
    expect(got).toBeUndefined();
    return;
  }
  expect({ from, to, points, buckets: encoded(got?.buckets ?? []) }).toEqual({
    from,
    to,
    points,
    buckets: encoded(want),
  });
}

/** Range edges worth trying: the ends, object edges, cell edges, random seqs. */
function edges(rand: Random, count: number, objectEdges: number[]): number[] {
  const cellEdges = [255, 256, 257, 1024, 1025, 4096, 4097, 16_384, 16_385];
  const random = Array.from({ length: 6 }, () => randomInt(rand, 1, count));
  return [1, 2, count - 1, count, ...objectEdges, ...cellEdges, ...random].filter(
    (s) => s >= 1 && s <= count,
  );
}

describe('SeriesReader', () => {
  it(
    'equals the brute force at every tier and across their boundaries, before and after the merge',
    async () => {
      const rand = seededRandom(7);
      const run = 'series-tiers';
      await s.hot.runs.create({ id: run });
      const count = 60_000;
      const data = randomSamples(rand, 1, count, 'mixed');
      // A large segment (indexed), small segments, a transfer-sized tail left in Redis.
      const cuts = [30_000, 31_000, 35_500, 52_000];
      let at = 0;
      for (const cut of [...cuts, count]) {
        const part = { first: at + 1, t: data.t.slice(at, cut), v: data.v.slice(at, cut) };
        await write(run, 'x', part, rand, 3000);
        if (cut !== count) await flushRun(run);
        at = cut;
      }
      const points = [1, 2, 7, 100, 1000, 5000];
      const seqs = edges(
        rand,
        count,
        cuts.flatMap((c) => [c, c + 1]),
      );
      const check = async (): Promise<void> => {
        for (let k = 0; k < 40; k++) {
          const a = seqs[randomInt(rand, 0, seqs.length - 1)] as number;
          const b = seqs[randomInt(rand, 0, seqs.length - 1)] as number;
          const p = points[randomInt(rand, 0, points.length - 1)] as number;
          await expectExact(run, data, Math.min(a, b), Math.max(a, b), p);
        }
        await expectExact(run, data, 1, count, 2000);
        await expectExact(run, data, 1, count, 1);
        await expectExact(run, data, count, count, 10);
      };
      await check();

      const merger = new Merger(s.hot, s.cold, flusher());
      await merger.merge(run, { reason: 'requested', quiescenceMs: 10, concurrency: 2 });
      s.cold.cache.clear();
      await check();
      // Beyond the variable: clipped to its seqs, or nothing at all.
      await expectExact(run, data, count - 5, count + 1000, 3);
      expect(await reader().series(run, 'x', { fromSeq: count + 1, points: 10 })).toBeUndefined();
      expect(await reader().series(run, 'nope', { points: 10 })).toBeUndefined();
    },
    SLOW,
  );

  it(
    'stays exact while writers append and flushes move the data down during the reads',
    async () => {
      const rand = seededRandom(11);
      const run = 'series-moving';
      await s.hot.runs.create({ id: run });
      const count = 40_000;
      const data = randomSamples(rand, 1, count, 'scalars');
      const head = (n: number) => ({ first: 1, t: data.t.slice(0, n), v: data.v.slice(0, n) });
      await write(run, 'x', head(10_000), rand, 2000);
      // Writes the rest, flushing after every few batches, while the reads below run.
      const writer = (async () => {
        for (let at = 10_000; at < count;) {
          const n = Math.min(count - at, randomInt(rand, 500, 3000));
          const part = { first: at + 1, t: data.t.slice(at, at + n), v: data.v.slice(at, at + n) };
          await write(run, 'x', part, rand, 1000);
          if (rand() < 0.5) await flushRun(run);
          at += n;
        }
      })();
      let reads = 0;
      for (let done = false; !done; reads++) {
        done = (await s.hot.reader.count(run, 'x')) === count;
        const written = await s.hot.reader.count(run, 'x');
        const a = randomInt(rand, 1, written);
        const b = randomInt(rand, 1, written);
        await expectExact(run, data, Math.min(a, b), Math.max(a, b), randomInt(rand, 1, 3000));
      }
      await writer;
      expect(reads).toBeGreaterThan(3);
    },
    SLOW,
  );
});

describe('TimeSeek', () => {
  it('finds the seqs of a time range by binary search, in Redis and in S3', async () => {
    const run = 'time-seek';
    await s.hot.runs.create({ id: run });
    // t = 0, 0.5, 1.0, ... with repeats: seq s has t = floor((s - 1) / 2) / 2.
    const count = 20_000;
    const t = Array.from({ length: count }, (_, i) => Math.floor(i / 2) / 2);
    const data = { first: 1, t, v: t.map((x) => x * 3) };
    await write(
      run,
      'x',
      { first: 1, t: t.slice(0, 12_000), v: data.v.slice(0, 12_000) },
      seededRandom(3),
      1000,
    );
    await flushRun(run);
    await write(
      run,
      'x',
      { first: 12_001, t: t.slice(12_000), v: data.v.slice(12_000) },
      seededRandom(4),
      1000,
    );
    expect((await s.hot.reader.stats(run, 'x'))?.tOrdered).toBe(true);
    const seek = new TimeSeek(s.history);
    const firstAtOrAfter = (x: number) => {
      const i = t.findIndex((y) => y >= x);
      return i < 0 ? count + 1 : i + 1;
    };
    const lastAtOrBefore = (x: number) => {
      let i = -1;
      t.forEach((y, k) => {
        if (y <= x) i = k;
      });
      return i + 1;
    };
    for (const x of [-1, 0, 0.25, 0.5, 1, 2999.5, 3000, 3000.25, 4999.5, 5000, 1e9]) {
      expect([x, await seek.firstAtOrAfter(run, 'x', count, x)]).toEqual([x, firstAtOrAfter(x)]);
      expect([x, await seek.lastAtOrBefore(run, 'x', count, x)]).toEqual([x, lastAtOrBefore(x)]);
    }
  });
});
