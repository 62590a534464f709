import {
  bucketShift,
  cellOf,
  cellRange,
  encodeSeriesResponse,
  type SampleChunk,
  type SeriesBucket,
  type SeriesResponse,
} from '@runstream/domain';
import {
  bruteForceBucket,
  bruteForceBuckets,
  randomChunks,
  randomSamples,
  seededRandom,
} from '@runstream/domain/testing';
import { VariableSeries } from './variable-series';

/** What the series API answers for the first `count` samples of `data` with `points`. */
function historyOf(data: SampleChunk, count: number, points: number): SeriesResponse {
  const shift = count === 0 ? 0 : bucketShift(1, count, points);
  return encodeSeriesResponse({
    run: 'r',
    variable: 'x',
    fromSeq: 1,
    toSeq: count,
    bucketSeqs: 2 ** shift,
    buckets: count === 0 ? [] : bruteForceBuckets(data, 1, count, points),
  });
}

/** The cells of width `bucketSeqs` over seqs 1..count, each summarised the obvious way. */
function expectedBuckets(data: SampleChunk, count: number, bucketSeqs: number): SeriesBucket[] {
  const shift = Math.log2(bucketSeqs);
  const out: SeriesBucket[] = [];
  for (let cell = 0; cell <= cellOf(count, shift); cell++) {
    const [lo, hi] = cellRange(cell, shift);
    out.push(bruteForceBucket(data, lo, Math.min(hi, count)));
  }
  return out;
}

describe('VariableSeries (the live tail merged into the history buckets)', () => {
  it.each([
    ['scalars', 1],
    ['arrays', 2],
    ['mixed', 3],
  ] as const)('equals the buckets of every sample, history then live (%s)', (mix, seed) => {
    const rand = seededRandom(seed);
    const data = randomSamples(rand, 1, 6000, mix);
    const series = new VariableSeries(historyOf(data, 2500, 100), 400);
    const live = randomChunks(
      rand,
      { first: 2501, t: data.t.slice(2500), v: data.v.slice(2500) },
      90,
    );
    for (const chunk of live) series.append(chunk);
    expect(series.lastSeq).toBe(6000);
    expect(series.all.length).toBeLessThanOrEqual(400);
    expect(series.all).toEqual(expectedBuckets(data, 6000, series.bucketSeqs));
  });

  it('drops seqs it already holds (a chunk overlapping the history)', () => {
    const data = randomSamples(seededRandom(4), 1, 300, 'scalars');
    const series = new VariableSeries(historyOf(data, 200, 1000), 1000);
    series.append({ first: 150, t: data.t.slice(149, 250), v: data.v.slice(149, 250) });
    series.append({ first: 240, t: data.t.slice(239), v: data.v.slice(239) });
    expect(series.raw).toBe(true);
    expect(series.all).toEqual(expectedBuckets(data, 300, 1));
  });

  it('refuses a chunk past a gap (the Subscriber never delivers one)', () => {
    const data = randomSamples(seededRandom(5), 1, 30, 'scalars');
    const series = new VariableSeries(historyOf(data, 10, 100), 100);
    expect(() => series.append({ first: 12, t: [1], v: [1] })).toThrow(/gap after 10/);
  });

  it('starts empty and coarsens as live samples come', () => {
    const data = randomSamples(seededRandom(6), 1, 5000, 'arrays');
    const series = new VariableSeries(historyOf(data, 0, 1000), 64);
    for (const chunk of randomChunks(seededRandom(7), data, 500)) series.append(chunk);
    expect(series.all.length).toBeLessThanOrEqual(64);
    expect(series.bucketSeqs).toBe(128);
    expect(series.all).toEqual(expectedBuckets(data, 5000, 128));
  });
});
