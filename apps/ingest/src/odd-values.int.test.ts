import type { Run, SampleValue } from '@runstream/domain';
import { UGLY_SAMPLE_VALUES, collect, useFixture, waitFor } from '@runstream/testkit';
import { FLUSH_EVERYTHING, waitForIdleQueue } from '@runstream/worker/testing';
import { READ_TOKEN } from './testing/ingest-harness';
import { startTieredIngest } from './testing/tiered-ingest';
import { waitForCompleted } from './testing/wait-for-completed';

// A run holding every odd value — NaN, the infinities, -0, the edges of the
// doubles, number literals with huge exponents sent as the client wrote
// them — is written, flushed, completed and merged by the real worker, and
// every list and read of every run answers 200 with the values exact, from
// Redis, from segments, from the merged objects and from S3 alone. A literal
// beyond double range (1e999) is refused with 400 and writes nothing.

const h = useFixture(() =>
  startTieredIngest({
    tieredCatalog: true,
    worker: {
      WORKER_QUEUES: 'flush,merge,observe',
      MERGE_QUIESCENCE_MS: '200',
      OBSERVER_INTERVAL_MS: '600000',
      ...FLUSH_EVERYTHING,
    },
  }),
);

/** Number literals as a client may write them; each is the double JSON.parse reads. */
const LITERALS = [
  '1e308',
  '-1e308',
  '5e-324',
  '-5e-324',
  '4.9e-324',
  '1.7976931348623157e308',
  '-1.7976931348623157E+308',
  '2.2250738585072014e-308',
  '1E300',
  '0.1e-320',
  '1e-400', // below the smallest double: 0
  '-1e-400', // -0
  '0e999',
  '-0',
  '-0.0',
  '123456789012345678901234567890',
  '9007199254740993',
];
const TIMES = ['-1.7976931348623157e308', '-1e300', '-5e-324', '-0', '0e999', '5e-324', '1e308'];

/** Strings that are special to JSON, to Lua, to CSV or to UTF-16. */
const STRINGS: SampleValue[] = [
  '😀 emoji, 变量, é',
  'line\u2028separator\u2029and\nnewline\r\ttab',
  '"quoted", \\backslash\\, comma; "',
  '\u0000nul and \u001f unit separator',
  '{"$num":"NaN"}',
  '[1,2,3]',
  '\ud800 lone surrogate \udfff',
  'x'.repeat(65_536),
];

const run = 'odd-values';
const META = '{"__proto__":"x","constructor":"y","toString":1}';
/** What each variable holds, as the values a reader must get back. */
const expected: Record<string, SampleValue[]> = {
  literals: LITERALS.map((l) => JSON.parse(l) as number),
  'literal-arrays': [LITERALS.map((l) => JSON.parse(l) as number), []],
  'literal-times': TIMES.map((_, i) => i),
  rows: LITERALS.map((l) => JSON.parse(l) as number),
  ugly: [...UGLY_SAMPLE_VALUES],
  strings: STRINGS,
};
const timesOf = (variable: string): number[] =>
  variable === 'literal-times'
    ? TIMES.map((l) => (JSON.parse(l) as number) || 0) // a time of -0 is 0
    : (expected[variable] ?? []).map((_, i) => i);

/** Posts a body as the text given: its number literals reach the server as written. */
const postText = (path: string, text: string): Promise<Response> =>
  h.request(path, { method: 'POST', body: text, headers: { 'content-type': 'application/json' } });

/** Every sample of every variable, every list, the run and its stats: 200 and exact. */
async function expectAllExact(): Promise<void> {
  const list = await h.request('/v1/runs?limit=1000', { token: READ_TOKEN });
  expect(list.status).toBe(200);
  const ids = ((await list.json()) as { runs: Run[] }).runs.map((r) => r.id);
  expect(ids).toEqual(expect.arrayContaining([run, 'plain']));
  const one = await h.request(`/v1/runs/${run}`, { token: READ_TOKEN });
  expect(one.status).toBe(200);
  expect(JSON.stringify(((await one.json()) as { run: Run }).run.meta)).toBe(META);

  const subscriber = h.subscriber();
  const stats = await h.reader.listVariables(run);
  expect(stats.map((s) => s.name).sort()).toEqual(Object.keys(expected).sort());
  expect(stats.find((s) => s.name === 'literals')).toMatchObject({
    count: LITERALS.length,
    min: -Number.MAX_VALUE,
    max: Number.MAX_VALUE,
  });
  for (const s of stats) {
    for (const stat of [s.min, s.max, s.lastT])
      if (stat !== undefined) expect(Number.isFinite(stat)).toBe(true);
  }

  for (const [variable, values] of Object.entries(expected)) {
    const chunks = await collect(h.reader.history(run, variable, { pageSize: 5 }));
    expect({ variable, t: chunks.flatMap((c) => c.t), v: chunks.flatMap((c) => c.v) }).toEqual({
      variable,
      t: timesOf(variable),
      v: values,
    });
    // Live subscribers get the same snapshot.
    const seen: { t: number[]; v: SampleValue[] } = { t: [], v: [] };
    const sub = subscriber.subscribe(run, variable, (c) => {
      seen.t.push(...c.t);
      seen.v.push(...c.v);
    });
    await waitFor(`the snapshot of ${variable}`, () => seen.t.length >= values.length || undefined);
    await sub.unsubscribe();
    expect({ variable, ...seen }).toEqual({ variable, t: timesOf(variable), v: values });
    for (const read of ['series?points=4&', 'samples.csv?']) {
      const res = await h.request(
        `/v1/runs/${run}/${read}variable=${encodeURIComponent(variable)}`,
        { token: READ_TOKEN },
      );
      expect([variable, read, res.status]).toEqual([variable, read, 200]);
      await res.arrayBuffer();
    }
  }
  const plain = await collect(h.reader.history('plain', 'x'));
  expect(plain.flatMap((c) => c.v)).toEqual([1, 2, 3]);
}

describe('a run of odd values', () => {
  it('refuses a literal beyond double range with 400, writing nothing', async () => {
    // Its meta keys are odd too: kept, and served from the manifest once Redis forgets the run.
    const created = await postText('/v1/runs', `{"id":"${run}","meta":${META}}`);
    expect(created.status).toBe(201);
    await h.writer.createRun({ id: 'plain' });
    await h.writer.postSamples('plain', {
      producer: 'p',
      batch: 0,
      variables: { x: { t: [0, 1, 2], v: [1, 2, 3] } },
    });
    for (const text of [
      '{"variables":{"refused":{"t":[0,1],"v":[1,1e999]}}}',
      '{"variables":{"refused":{"t":[1e999],"v":[1]}}}',
      '{"variables":{"refused":{"t":[0],"v":[[1,-1e999]]}}}',
      '{"samples":[{"variable":"refused","t":0,"v":-1e999}]}',
    ]) {
      const res = await postText(`/v1/runs/${run}/samples`, text);
      expect([text, res.status]).toEqual([text, 400]);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error).toMatchObject({ code: 'invalid_request' });
      expect(body.error.message).toMatch(/^(variables\.refused|samples\[0\])\.(t|v)\[?\d*\]?/);
    }
    expect(await h.reader.listVariables(run)).toEqual([]);
  });

  it('is exact from Redis, from segments, merged, and from S3 alone', async () => {
    const series = (t: string[], v: string[]): string =>
      `{"t":[${t.join(',')}],"v":[${v.join(',')}]}`;
    const indices = (n: number): string[] => Array.from({ length: n }, (_, i) => String(i));
    // Pretty-printed, as some clients send.
    const columnar = `{
      "variables": {
        "literals": ${series(indices(LITERALS.length), LITERALS)},
        "literal-arrays": ${series(indices(2), [`[${LITERALS.join(', ')}]`, '[]'])},
        "literal-times": ${series(TIMES, indices(TIMES.length))}
      }
    }`;
    expect((await postText(`/v1/runs/${run}/samples`, columnar)).status).toBe(200);
    const rows = LITERALS.map((l, i) => `{"variable":"rows","t":${i},"v":${l}}`).join(',\n');
    expect((await postText(`/v1/runs/${run}/samples`, `{"samples":[${rows}]}`)).status).toBe(200);
    const producer = h.writer.producer(run, { minIntervalMs: 0 });
    UGLY_SAMPLE_VALUES.forEach((v, i) => producer.log('ugly', i, v));
    STRINGS.forEach((v, i) => producer.log('strings', i, v));
    await producer.flush();
    await expectAllExact();

    await h.queues.add('flush', { reason: 'forced', requestedAt: Date.now() });
    await waitForIdleQueue(h.queues.queue('flush'));
    expect(await h.cold.listSegments(run, 'literals')).toHaveLength(1);
    await expectAllExact();

    for (const id of [run, 'plain']) {
      expect((await h.writer.completeRun(id)).status).not.toBe('running');
      await waitForCompleted(h.reader, id, 30_000);
    }
    const manifest = await h.cold.getManifest(run);
    expect(manifest?.variables.find((v) => v.name === 'literals')).toMatchObject({
      min: -Number.MAX_VALUE,
      max: Number.MAX_VALUE,
    });
    await expectAllExact();

    // Redis lost: the runs live on in S3, their manifests the record.
    await h.hotStore.redis.flushall();
    await expectAllExact();
    // Four full passes of reads, a flush and two merges: minutes on a loaded machine.
  }, 180_000);
});
