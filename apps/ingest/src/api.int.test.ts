import {
  decodeValue,
  encodeValue,
  type SampleValue,
  type SamplesAck,
  type VariableStats,
} from '@runstream/domain';
import { UGLY_SAMPLE_VALUES, seqCoverageProblem } from '@runstream/testkit';
import { READ_TOKEN, startIngest, type IngestHarness } from './testing/ingest-harness';
import { httpHistory } from './testing/http-history';

let h: IngestHarness;

beforeAll(async () => {
  h = await startIngest();
});
afterAll(async () => {
  await h.stop();
});

async function createRun(id: string): Promise<void> {
  const res = await h.request('/v1/runs', { json: { id } });
  expect([200, 201]).toContain(res.status);
}

async function post(run: string, body: unknown): Promise<SamplesAck> {
  const res = await h.request(`/v1/runs/${run}/samples`, { json: body });
  const json = (await res.json()) as SamplesAck;
  expect(res.status).toBe(200);
  return json;
}

/** The whole history of a variable, paging through the API. */
const history = (run: string, variable: string, limit?: number) =>
  httpHistory(h, run, variable, limit);

describe('runs', () => {
  it('creates a run with a generated id, and idempotently with a given one', async () => {
    const a = await h.request('/v1/runs', { method: 'POST' });
    expect(a.status).toBe(201);
    const generated = ((await a.json()) as { run: { id: string; status: string } }).run;
    expect(generated.status).toBe('running');
    expect(generated.id).toMatch(/^[A-Za-z0-9._-]+$/);

    const first = await h.request('/v1/runs', { json: { id: 'same', meta: { model: 'lorenz' } } });
    const again = await h.request('/v1/runs', { json: { id: 'same', meta: { model: 'other' } } });
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual(await first.json());

    const list = (await (await h.request('/v1/runs', { token: READ_TOKEN })).json()) as {
      runs: { id: string }[];
    };
    expect(list.runs.map((r) => r.id)).toEqual(expect.arrayContaining(['same', generated.id]));
    const one = await h.request('/v1/runs/same', { token: READ_TOKEN });
    expect(((await one.json()) as { run: { meta: unknown } }).run.meta).toEqual({
      model: 'lorenz',
    });
  });

  it('keeps every meta key, __proto__ and constructor included', async () => {
    const meta = '{"__proto__":"x","constructor":1,"toString":null,"hasOwnProperty":true}';
    const created = await h.request('/v1/runs', {
      method: 'POST',
      body: `{"id":"meta-keys","meta":${meta}}`,
      headers: { 'content-type': 'application/json' },
    });
    expect(created.status).toBe(201);
    const keysOf = async (res: Response): Promise<string> => {
      const text = await res.text();
      const run = (JSON.parse(text) as { run?: { meta: object } }).run;
      return JSON.stringify(run?.meta);
    };
    expect(await keysOf(created)).toBe(meta);
    expect(await keysOf(await h.request('/v1/runs/meta-keys', { token: READ_TOKEN }))).toBe(meta);
    const list = await (await h.request('/v1/runs', { token: READ_TOKEN })).text();
    const listed = (JSON.parse(list) as { runs: Array<{ id: string; meta: object }> }).runs;
    expect(JSON.stringify(listed.find((r) => r.id === 'meta-keys')?.meta)).toBe(meta);
  });
});

describe('samples', () => {
  it('takes columnar and row batches and reads them back in seq order with stats', async () => {
    await createRun('forms');
    const a = await post('forms', {
      variables: { x: { t: [0, 1], v: [10, 11] }, y: { t: [0], v: [true] } },
    });
    expect(a.ranges).toEqual([
      { variable: 'x', first: 1, last: 2 },
      { variable: 'y', first: 1, last: 1 },
    ]);
    const b = await post('forms', {
      samples: [
        { variable: 'x', t: 2, v: 12 },
        { variable: 'y', t: 1, v: false },
        { variable: 'x', t: 3, v: 9 },
      ],
    });
    expect(b.ranges).toEqual([
      { variable: 'x', first: 3, last: 4 },
      { variable: 'y', first: 2, last: 2 },
    ]);
    const x = await history('forms', 'x', 3);
    expect(x).toEqual({ seqs: [1, 2, 3, 4], t: [0, 1, 2, 3], v: [10, 11, 12, 9] });

    const vars = (await (
      await h.request('/v1/runs/forms/variables', { token: READ_TOKEN })
    ).json()) as {
      variables: VariableStats[];
    };
    expect(vars.variables).toEqual([
      { name: 'x', count: 4, min: 9, max: 12, lastT: 3, lastV: 9, tOrdered: true },
      { name: 'y', count: 2, lastT: 1, lastV: false, tOrdered: true },
    ]);
  });

  it('acknowledges a retried batch with the same ranges and writes it once', async () => {
    await createRun('retry');
    const body = { producer: 'prod-1', batch: 3, variables: { x: { t: [1, 2, 3], v: [1, 2, 3] } } };
    const first = await post('retry', body);
    const second = await post('retry', body);
    expect(first.duplicate).toBe(false);
    expect(second).toEqual({ ...first, duplicate: true });
    const next = await post('retry', { ...body, batch: 4 });
    expect(next.ranges).toEqual([{ variable: 'x', first: 4, last: 6 }]);
    expect((await history('retry', 'x')).seqs).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('keeps 8 concurrent producers x 200 batches dense and every acknowledged sample readable', async () => {
    await createRun('concurrent');
    const shared = ['a', 'b', 'c.d'];
    const acked = new Map<string, Map<number, { t: number; v: number }>>(
      shared.map((s) => [s, new Map()]),
    );
    await Promise.all(
      Array.from({ length: 8 }, async (_, p) => {
        for (let b = 0; b < 200; b++) {
          const n = 1 + ((p + b) % 4);
          const t = Array.from({ length: n }, (_, i) => b + i / 10);
          const v = t.map((_, i) => p * 1e6 + b * 10 + i);
          const ack = await post('concurrent', {
            producer: `p${p}`,
            batch: b,
            variables: Object.fromEntries(shared.map((name) => [name, { t, v }])),
          });
          for (const r of ack.ranges) {
            for (let i = 0; i <= r.last - r.first; i++) {
              acked.get(r.variable)?.set(r.first + i, { t: t[i] as number, v: v[i] as number });
            }
          }
        }
      }),
    );
    for (const name of shared) {
      const read = await history('concurrent', name, 5000);
      const expected = acked.get(name) as Map<number, { t: number; v: number }>;
      expect(seqCoverageProblem(read.seqs, expected.size)).toBeUndefined();
      read.seqs.forEach((seq, i) => {
        expect({ t: read.t[i], v: read.v[i] }).toEqual(expected.get(seq));
      });
    }
  });

  it('round-trips NaN, +/-Infinity, -0, 1e308, arrays, strings, booleans and null', async () => {
    await createRun('values');
    const values = [...UGLY_SAMPLE_VALUES] as SampleValue[];
    await post('values', {
      variables: { v: { t: values.map((_, i) => i), v: values.map(encodeValue) } },
    });
    // -0 sent as a literal JSON number must survive too, not only as a tag.
    const raw = await h.request('/v1/runs/values/samples', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"variables":{"z":{"t":[0],"v":[-0]}}}',
    });
    expect(raw.status).toBe(200);
    const read = await history('values', 'v');
    const decoded = read.v.map((w) => decodeValue(w as never));
    values.forEach((value, i) =>
      expect(
        Object.is(decoded[i], value) || (Array.isArray(value) && sameArray(decoded[i], value)),
      ).toBe(true),
    );
    const z = await history('values', 'z');
    expect(Object.is(decodeValue(z.v[0] as never), -0)).toBe(true);
  });

  it('stores odd variable names apart, with no collision and no escape', async () => {
    await createRun('names');
    const names = [
      'a/b',
      '../x',
      'x',
      '%2F',
      'a%2Fb',
      'with space',
      '{tag}',
      '}{',
      'ünïcødé ✓ 变量',
      'a:b',
      '__proto__',
      'constructor',
      '.',
      '..',
    ];
    const ack = await post('names', {
      variables: Object.fromEntries(names.map((n, i) => [n, { t: [i], v: [n] }])),
    });
    expect(ack.ranges.map((r) => r.variable)).toEqual(names);
    for (const [i, n] of names.entries()) {
      const read = await history('names', n);
      expect(read).toEqual({ seqs: [1], t: [i], v: [n] });
    }
    // Every key the run wrote carries the run's hash tag: no name moved a key elsewhere.
    const keys = await h.hotStore.redis.keys('*');
    // BullMQ's keys (prefix `{rs}:q:`, e.g. the run's observer job) are not the hot store's.
    const namesKeys = keys.filter((k) => k.includes('names') && !k.startsWith('{rs}:q:'));
    expect(namesKeys.every((k) => k.startsWith('rs:{names}:') || k === 'rs:runs')).toBe(true);
    expect(namesKeys.filter((k) => k.endsWith(':buf'))).toHaveLength(names.length);
    const vars = (await (
      await h.request('/v1/runs/names/variables', { token: READ_TOKEN })
    ).json()) as {
      variables: VariableStats[];
    };
    expect(vars.variables.map((v) => v.name).sort()).toEqual([...names].sort());
  });
});

function sameArray(a: unknown, b: number[]): boolean {
  return Array.isArray(a) && a.length === b.length && a.every((x, i) => Object.is(x, b[i]));
}
