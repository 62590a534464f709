import { BucketBuilder } from './series-buckets';
import { seriesBuckets } from './series-grid';
import { seriesQuerySchema } from './series-query';
import { decodeSeriesResponse, encodeSeriesResponse, type SeriesResponse } from './series-response';
import { randomSamples, seededRandom } from './testing/random-samples';

describe('encodeSeriesResponse', () => {
  it('writes columns, null points where a component had no finite value, -0 tagged', () => {
    const b = new BucketBuilder();
    b.add(1, 10, { $num: '-0' });
    b.add(2, 11, [{ $num: 'NaN' }, 4]);
    const first = b.build();
    b.add(3, 12, 'x');
    b.add(4, 13, null);
    const second = b.build();
    const res = encodeSeriesResponse({
      run: 'r',
      variable: 'v',
      fromSeq: 1,
      toSeq: 4,
      bucketSeqs: 2,
      buckets: [first, second],
    });
    expect(JSON.parse(JSON.stringify(res))).toEqual({
      run: 'r',
      variable: 'v',
      fromSeq: 1,
      toSeq: 4,
      bucketSeqs: 2,
      raw: false,
      seq: [1, 3],
      n: [2, 2],
      tFirst: [10, 12],
      tLast: [11, 13],
      strings: [0, 1],
      booleans: [0, 0],
      nulls: [0, 1],
      components: [
        {
          count: [1, 0],
          nan: [1, 0],
          posInf: [0, 0],
          negInf: [0, 0],
          first: { seq: [1, null], t: [10, null], v: [{ $num: '-0' }, null] },
          last: { seq: [1, null], t: [10, null], v: [{ $num: '-0' }, null] },
          min: { seq: [1, null], t: [10, null], v: [{ $num: '-0' }, null] },
          max: { seq: [1, null], t: [10, null], v: [{ $num: '-0' }, null] },
        },
        {
          count: [1, 0],
          nan: [0, 0],
          posInf: [0, 0],
          negInf: [0, 0],
          first: { seq: [2, null], t: [11, null], v: [4, null] },
          last: { seq: [2, null], t: [11, null], v: [4, null] },
          min: { seq: [2, null], t: [11, null], v: [4, null] },
          max: { seq: [2, null], t: [11, null], v: [4, null] },
        },
      ],
    });
    expect(encodeSeriesResponse({ ...res, buckets: [] })).toMatchObject({
      seq: [],
      components: [],
      raw: false,
    });
    expect(encodeSeriesResponse({ ...res, bucketSeqs: 1, buckets: [] }).raw).toBe(true);
  });

  it('decodes back to the same buckets through JSON text', () => {
    for (const mix of ['scalars', 'arrays', 'mixed'] as const) {
      const data = randomSamples(seededRandom(5), 1, 3000, mix);
      const b = new BucketBuilder();
      const buckets = seriesBuckets(1, 3000, 50).map(([lo, hi]) => {
        b.addChunk(data, lo - 1, hi);
        return b.build();
      });
      const res = encodeSeriesResponse({
        run: 'r',
        variable: 'x',
        fromSeq: 1,
        toSeq: 3000,
        bucketSeqs: 64,
        buckets,
      });
      const back = decodeSeriesResponse(JSON.parse(JSON.stringify(res)) as SeriesResponse);
      expect(back).toEqual(buckets);
    }
  });
});

describe('seriesQuerySchema', () => {
  const parse = (q: Record<string, unknown>) => seriesQuerySchema.safeParse(q);
  const messages = (q: Record<string, unknown>): string[] => {
    const r = parse(q);
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };

  it('coerces query strings and defaults points', () => {
    expect(parse({}).data).toEqual({ points: 1000 });
    expect(parse({ fromSeq: '5', toSeq: '9', points: '20' }).data).toEqual({
      fromSeq: 5,
      toSeq: 9,
      points: 20,
    });
    expect(parse({ fromT: '-1.5', toT: '2e3' }).data).toEqual({
      fromT: -1.5,
      toT: 2000,
      points: 1000,
    });
    expect(parse({ fromSeq: '3', toT: '7.5' }).success).toBe(true);
  });

  it('refuses bad parameters, naming them', () => {
    expect(messages({ variable: 'x' })).toEqual([expect.stringMatching(/variable/)]);
    expect(messages({ fromSeq: '1', fromT: '0' })).toEqual([
      'fromT: give fromSeq or fromT, not both',
    ]);
    expect(messages({ toSeq: '1', toT: '0' })).toEqual(['toT: give toSeq or toT, not both']);
    expect(messages({ fromSeq: '5', toSeq: '4' })).toEqual(['toSeq: toSeq must be >= fromSeq']);
    expect(messages({ fromT: '5', toT: '4' })).toEqual(['toT: toT must be >= fromT']);
    for (const bad of [
      { points: '0' },
      { points: '10001' },
      { points: '1.5' },
      { points: '' },
      { fromSeq: '0' },
      { fromSeq: 'abc' },
      { toSeq: '9007199254740992' },
      { fromT: '' },
      { fromT: ' ' },
      { toT: 'Infinity' },
      { toT: 'NaN' },
    ])
      expect([bad, parse(bad).success]).toEqual([bad, false]);
    expect(parse({ points: '10000' }).success).toBe(true);
  });
});
