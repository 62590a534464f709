import { parseChunkText } from '@runstream/cold-store';
import { parseIngestBatch, type WireValue } from '@runstream/domain';
import { storedChunkText } from '@runstream/hot-store';
import { historyProblem, useFixture, type ExpectedSample } from '@runstream/testkit';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Flusher } from './flusher';
import { Merger } from './merger';
import { expectMerged } from './testing/expect-merged';
import { startTieredStores } from './testing/tiered-stores';

/**
 * A rolling upgrade to packed chunks must not strand buffered data: the
 * Redis state the version before them left (fixtures/json-chunk-state.json,
 * made by fixtures/make-json-chunk-state.mjs with that version's own
 * scripts: JSON chunk texts in a transfer key a flush had begun and in
 * buffers) is read exactly, takes packed chunks written after it into the
 * same lists, and is flushed and merged with them, every seq once.
 */
interface Fixture {
  run: string;
  state: Record<
    string,
    { list: string[] } | { hash: Record<string, string> } | { set: string[] } | { zset: string[] }
  >;
  written: Record<string, { t: number[]; v: WireValue[] }>;
}

const fixture = JSON.parse(
  readFileSync(join(__dirname, 'fixtures', 'json-chunk-state.json'), 'utf8'),
) as Fixture;
const { run } = fixture;
const variables = Object.keys(fixture.written).sort();

const s = useFixture(() => startTieredStores());

/** Samples the new version appends to `x`, after the fixture's (values of every kind). */
const LATER: { t: number[]; v: WireValue[] } = {
  t: [406, 407, 408, 409],
  v: [0.25, { $num: 'NaN' }, 'after the upgrade', [1, { $num: '-0' }]],
};

const expected = (name: string) => {
  const w = fixture.written[name]!;
  const t = name === 'x' ? [...w.t, ...LATER.t] : w.t;
  const v = name === 'x' ? [...w.v, ...LATER.v] : w.v;
  return {
    n: t.length,
    sample: (seq: number): ExpectedSample => ({ t: t[seq - 1]!, v: v[seq - 1] }),
  };
};

async function expectExactHistories(): Promise<void> {
  for (const name of variables) {
    const { n, sample } = expected(name);
    expect(await historyProblem(name, s.history.chunks(run, name), n, sample)).toBeUndefined();
    // From a seq inside the history too: every tier seeks in either format.
    const seqs: number[] = [];
    for await (const chunk of s.history.chunks(run, name, 3))
      chunk.t.forEach((t, i) => {
        const seq = chunk.first + i;
        expect({ t, v: chunk.v[i] }).toEqual(sample(seq));
        seqs.push(seq);
      });
    expect(seqs).toEqual(Array.from({ length: n - 2 }, (_, i) => i + 3));
  }
}

describe('chunks written before packed chunks', () => {
  beforeAll(async () => {
    const redis = s.hot.redis;
    for (const [key, value] of Object.entries(fixture.state)) {
      if ('list' in value) await redis.rpush(key, ...value.list);
      else if ('hash' in value) await redis.hset(key, value.hash);
      else if ('set' in value) await redis.sadd(key, ...value.set);
      else
        await redis.zadd(
          key,
          ...value.zset.flatMap((_, i, a) => (i % 2 ? [] : [a[i + 1]!, a[i]!])),
        );
    }
  });

  it('are read exactly from a transfer key and buffers, then beside packed ones', async () => {
    const [json] = await s.hot.redis.lrangeBuffer(s.hot.keys.buffer(run, 'x'), 0, 0);
    expect(json?.toString('utf8')).toMatch(/^\{"s":8,/);
    for (const name of variables) {
      const w = fixture.written[name]!;
      expect(
        await historyProblem(name, s.history.chunks(run, name), w.t.length, (seq) => ({
          t: w.t[seq - 1]!,
          v: w.v[seq - 1],
        })),
      ).toBeUndefined();
    }

    const reply = await s.hot.writer.write(run, parseIngestBatch({ variables: { x: LATER } }));
    expect(reply.ranges).toEqual([{ variable: 'x', first: 11, last: 14 }]);
    const entries = await s.hot.redis.lrangeBuffer(s.hot.keys.buffer(run, 'x'), 0, -1);
    expect(entries.map((e) => e[0])).toEqual([0x7b, 0x7b, 0x01]); // '{', '{', packed
    expect(await s.hot.reader.stats(run, 'x')).toMatchObject({
      count: 14,
      min: -1.7976931348623157e308,
      max: 1e300,
      lastT: 409,
      lastV: [1, { $num: '-0' }],
      tOrdered: true,
    });
    await expectExactHistories();
  });

  it('are flushed to segments with the packed ones, then merged: each seq once, exactly', async () => {
    const flusher = new Flusher(s.hot, s.cold);
    await flusher.flush({ lowWater: 0, budgetBytes: 0, everything: true });
    for (const name of variables) {
      expect(await s.hot.reader.headSeq(run, name)).toBeUndefined();
      expect(await s.hot.transfers.transfers(run, name)).toEqual([]);
      // Segment lines are JSON chunk texts, whichever format Redis held.
      for (const segment of await s.cold.listSegments(run, name))
        for await (const line of s.cold.objects.linesFrom(segment, 1, false))
          expect(parseChunkText(line).first).toBeGreaterThanOrEqual(1);
    }
    await expectExactHistories();

    const merger = new Merger(s.hot, s.cold, flusher);
    const report = await merger.merge(run, {
      reason: 'requested',
      quiescenceMs: 50,
      concurrency: 2,
    });
    expect(report).toMatchObject({ outcome: 'merged', samples: 14 + 7 });
    await expectMerged(s.cold, run, ['x'], 14);
    await expectMerged(s.cold, run, ['odd name %'], 7);
    await expectExactHistories();
  });

  it('convert to the same text a packed chunk of their samples gives, numbers aside', () => {
    // The text of a JSON chunk is handed on as stored (its numbers as the request wrote them).
    const [text] = (fixture.state[s.hot.keys.buffer(run, 'odd name %')] as { list: string[] }).list;
    expect(storedChunkText(Buffer.from(text!, 'utf8'))).toBe(text);
  });
});
