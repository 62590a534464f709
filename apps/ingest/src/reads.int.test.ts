import {
  decodeSeriesResponse,
  encodeCellRecord,
  encodeValue,
  type HistoryPage,
  type SampleChunk,
  type SampleValue,
  type SeriesBucket,
  type SeriesResponse,
  type WireValue,
} from '@runstream/domain';
import { bruteForceBuckets, randomSamples, seededRandom } from '@runstream/domain/testing';
import { UGLY_SAMPLE_VALUES, useFixture } from '@runstream/testkit';
import { Flusher } from '@runstream/tiering';
import { READ_TOKEN } from './testing/ingest-harness';
import { startTieredIngest, type TieredIngest } from './testing/tiered-ingest';

// The read routes over both tiers: pages by seq and by t, downsampled series,
// and the CSV export, each checked against the samples written.

const h = useFixture(() => startTieredIngest());

// `on`: the harness of a describe block with its own (the series on a cluster).
const flush = (run: string, on: TieredIngest = h) =>
  new Flusher(on.hotStore, on.cold).flush({ run, everything: true, lowWater: 0, budgetBytes: 0 });

async function write(
  run: string,
  variable: string,
  data: SampleChunk,
  batch: number,
  on: TieredIngest = h,
) {
  for (let i = 0; i < data.t.length; i += batch) {
    const body = {
      variables: { [variable]: { t: data.t.slice(i, i + batch), v: data.v.slice(i, i + batch) } },
    };
    const res = await on.request(`/v1/runs/${run}/samples`, { json: body });
    expect(res.status).toBe(200);
  }
}

async function getJson<T>(path: string, on: TieredIngest = h): Promise<T> {
  const res = await on.request(path, { token: READ_TOKEN });
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

const encoded = (buckets: readonly SeriesBucket[]) =>
  buckets.map((b) => JSON.stringify(encodeCellRecord(0, b)));

describe('history by t', () => {
  // t = (seq - 1) / 2: a sample every half unit, half in S3, half in Redis.
  const count = 4000;
  const t = Array.from({ length: count }, (_, i) => i / 2);
  beforeAll(async () => {
    await h.request('/v1/runs', { json: { id: 'by-t' } });
    await write('by-t', 'x', { first: 1, t: t.slice(0, 2500), v: t.slice(0, 2500) }, 500);
    await flush('by-t');
    await write('by-t', 'x', { first: 2501, t: t.slice(2500), v: t.slice(2500) }, 500);
  });

  it.each([
    ['fromT=100&toT=110', 201, 221],
    ['fromT=100.25&toT=110.25', 202, 221],
    ['fromT=1249&toT=1251', 2499, 2503], // across the S3 / Redis boundary
    ['fromT=1999.5', 4000, 4000],
    ['toT=0', 1, 1],
    ['fromT=5000', 4001, 4000],
    ['toT=-1', 1, 0],
  ])('%s reads seqs %d..%d', async (query, first, last) => {
    const page = await getJson<HistoryPage>(`/v1/runs/by-t/variables/x/samples?${query}`);
    expect(page.first).toBe(first);
    expect(page.t).toEqual(t.slice(first - 1, last));
    expect(page.more).toBe(false);
  });

  it('pages a t range with limit, ending at toT', async () => {
    const seen: number[] = [];
    let query = 'fromT=10&toT=20&limit=7';
    for (;;) {
      const page = await getJson<HistoryPage>(`/v1/runs/by-t/samples?variable=x&${query}`);
      seen.push(...page.t);
      if (!page.more) break;
      query = `fromSeq=${page.nextSeq}&toT=20&limit=7`;
    }
    expect(seen).toEqual(t.slice(20, 41));
  });

  it('series by t covers the same seqs', async () => {
    const series = await getJson<SeriesResponse>(
      '/v1/runs/by-t/series?variable=x&fromT=100&toT=1500&points=50',
    );
    expect([series.fromSeq, series.toSeq]).toEqual([201, 3001]);
    const data = { first: 1, t, v: t };
    expect(encoded(decodeSeriesResponse(series))).toEqual(
      encoded(bruteForceBuckets(data, 201, 3001, 50)),
    );
  });
});

/** Series of 30,000 mixed samples, two thirds in S3 and the rest in Redis, against the brute force. */
async function checkSeries(on: TieredIngest): Promise<void> {
  const rand = seededRandom(5);
  const data = randomSamples(rand, 1, 30_000, 'mixed');
  await on.request('/v1/runs', { json: { id: 'series' } });
  await write(
    'series',
    'x',
    { first: 1, t: data.t.slice(0, 20_000), v: data.v.slice(0, 20_000) },
    2000,
    on,
  );
  await flush('series', on);
  await write(
    'series',
    'x',
    { first: 20_001, t: data.t.slice(20_000), v: data.v.slice(20_000) },
    2000,
    on,
  );
  for (const [from, to, points] of [
    [1, 30_000, 1000],
    [1, 30_000, 1],
    [19_990, 20_010, 5],
    [12_345, 29_999, 300],
    [29_000, 40_000, 10_000],
  ] as const) {
    const series = await getJson<SeriesResponse>(
      `/v1/runs/series/series?variable=x&fromSeq=${from}&toSeq=${to}&points=${points}`,
      on,
    );
    expect(series.raw).toBe(series.bucketSeqs === 1);
    expect(series.seq.length).toBeLessThanOrEqual(points);
    expect(encoded(decodeSeriesResponse(series))).toEqual(
      encoded(bruteForceBuckets(data, from, to, points)),
    );
  }
}

describe('series', () => {
  it('equals the brute force over S3 and Redis, odd values included', async () => {
    await checkSeries(h);
  });

  it('answers empty columns for a range beyond the variable', async () => {
    await h.request('/v1/runs', { json: { id: 'short' } });
    await write('short', 'x', { first: 1, t: [1, 2, 3], v: [1, 2, 3] }, 10);
    const series = await getJson<SeriesResponse>('/v1/runs/short/series?variable=x&fromSeq=10');
    expect(series).toMatchObject({ fromSeq: 10, seq: [], n: [], components: [] });
  });
});

// The series read path on a cluster: the run's keys on one master, its segments in S3.
describe('series on a cluster Redis', () => {
  const c = useFixture(() => startTieredIngest({ topology: 'cluster' }));

  it('equals the brute force over S3 and Redis, odd values included', async () => {
    await checkSeries(c);
  });
});

describe('export as CSV', () => {
  it('writes every sample as a row, odd values spelled as CSV readers take them', async () => {
    const values: SampleValue[] = [...UGLY_SAMPLE_VALUES, 'quote " and, comma', 1];
    const wire: WireValue[] = values.map(encodeValue);
    const t = values.map((_, i) => i * 0.25);
    await h.request('/v1/runs', { json: { id: 'csv' } });
    await write('csv', 'v', { first: 1, t: t.slice(0, 8), v: wire.slice(0, 8) }, 3);
    await flush('csv');
    await write('csv', 'v', { first: 9, t: t.slice(8), v: wire.slice(8) }, 3);

    const res = await h.request('/v1/runs/csv/samples.csv?variable=v', { token: READ_TOKEN });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    const text = await res.text();
    const rows = text.split('\r\n');
    expect(rows[0]).toBe('seq,t,v');
    expect(rows.at(-1)).toBe('');
    expect(rows.slice(1, -1)).toEqual([
      '1,0,NaN',
      '2,0.25,Infinity',
      '3,0.5,-Infinity',
      '4,0.75,-0',
      '5,1,0',
      '6,1.25,1e+308',
      '7,1.5,-1e+308',
      '8,1.75,5e-324',
      '9,2,9007199254740991',
      '10,2.25,"[1,{""$num"":""NaN""},{""$num"":""-0""},{""$num"":""Infinity""},{""$num"":""-Infinity""},2.5]"',
      '11,2.5,"[]"',
      '12,2.75,"NaN"',
      '13,3,"Infinity"',
      '14,3.25,""',
      '15,3.5,"ünïcødé ✓ 变量"',
      '16,3.75,true',
      '17,4,false',
      '18,4.25,',
      '19,4.5,"quote "" and, comma"',
      '20,4.75,1',
    ]);
    // A range of it, by seq.
    const part = await (
      await h.request('/v1/runs/csv/variables/v/samples.csv?fromSeq=8&toSeq=9', {
        token: READ_TOKEN,
      })
    ).text();
    expect(part).toBe('seq,t,v\r\n8,1.75,5e-324\r\n9,2,9007199254740991\r\n');
  });
});
