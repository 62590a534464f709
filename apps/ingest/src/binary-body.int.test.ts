import {
  BINARY_BODY_CONTENT_TYPE,
  decodeValue,
  encodeBinaryBody,
  encodeValue,
  type BinaryBodyInput,
  type SampleValue,
  type SamplesAck,
  type WireValue,
} from '@runstream/domain';
import { UGLY_SAMPLE_VALUES, seqCoverageProblem, waitFor } from '@runstream/testkit';
import { startIngest, type IngestHarness } from './testing/ingest-harness';
import { httpHistory } from './testing/http-history';
import { redisFingerprint } from './testing/redis-fingerprint';

// The binary columnar body (docs/protocol.md, "Binary bodies") on the real
// route against a real Redis: batches read back exactly 1..N through the
// history API, every odd value comes back as it was, a resent batch is a
// duplicate, and every mistake JSON is refused for, or a broken framing, is
// a 4xx with the JSON error shape and nothing written.

let h: IngestHarness;
const LIMIT = 64 * 1024;

beforeAll(async () => {
  h = await startIngest({ maxBodyBytes: LIMIT });
  await h.request('/v1/runs', { json: { id: 'bin' } });
  await h.request('/v1/runs', { json: { id: 'done' } });
  await h.hotStore.redis.hset(h.hotStore.keys.run('done'), 'status', 'completed');
});
afterAll(async () => {
  await h.stop();
});

const vars = (
  entries: Array<[string, { t: number[]; v: WireValue[] }]>,
): BinaryBodyInput['variables'] =>
  Object.assign(Object.create(null) as BinaryBodyInput['variables'], Object.fromEntries(entries));

const postBinary = (
  run: string,
  body: Uint8Array<ArrayBuffer>,
  contentType = BINARY_BODY_CONTENT_TYPE,
): Promise<Response> =>
  h.request(`/v1/runs/${run}/samples`, {
    method: 'POST',
    body,
    headers: { 'content-type': contentType },
  });

/** The whole history of a variable, paging through the API. */
const history = (run: string, variable: string, limit?: number) =>
  httpHistory(h, run, variable, limit);

describe('binary sample bodies', () => {
  it('batches read back exactly 1..N, a resent batch is a duplicate, odd values come back as sent', async () => {
    const BATCHES = 7;
    const N = 100;
    const names = ['a', 'b.c/d', '__proto__', 'é 变量'];
    for (let b = 0; b < BATCHES; b++) {
      const body = encodeBinaryBody({
        producer: 'p-bin',
        batch: b,
        variables: vars(
          names.map((name, k) => [
            name,
            {
              t: Array.from({ length: N }, (_, i) => b * N + i),
              v: Array.from({ length: N }, (_, i) => Math.sin(k + b * N + i)),
            },
          ]),
        ),
      });
      const res = await postBinary('bin', body);
      expect(res.status).toBe(200);
      const ack = (await res.json()) as SamplesAck;
      expect(ack.duplicate).toBe(false);
      if (b === 3) {
        // The same bytes again: acknowledged with the same ranges, nothing written twice.
        const again = await postBinary('bin', body);
        expect(again.status).toBe(200);
        expect(await again.json()).toEqual({ ...ack, duplicate: true });
      }
    }
    for (const [k, name] of names.entries()) {
      const got = await history('bin', name);
      expect(seqCoverageProblem(got.seqs, BATCHES * N)).toBeUndefined();
      expect(got.t).toEqual(Array.from({ length: BATCHES * N }, (_, i) => i));
      expect(got.v).toEqual(Array.from({ length: BATCHES * N }, (_, i) => Math.sin(k + i)));
    }

    const ugly = [...UGLY_SAMPLE_VALUES] as SampleValue[];
    const res = await postBinary(
      'bin',
      encodeBinaryBody({
        variables: vars([
          ['ugly', { t: ugly.map((_, i) => (i === 0 ? -0 : i)), v: ugly.map(encodeValue) }],
        ]),
      }),
    );
    expect(res.status).toBe(200);
    const got = await history('bin', 'ugly');
    expect(seqCoverageProblem(got.seqs, ugly.length)).toBeUndefined();
    expect(got.t).toEqual(ugly.map((_, i) => i)); // a time of -0 is the instant 0
    expect(got.v.map(decodeValue)).toEqual(ugly);
  });

  it('reaches a live subscriber exactly as sent (the arrays made from the columns only for it)', async () => {
    const N = 50;
    const BATCHES = 6;
    const values = (b: number): number[] =>
      Array.from({ length: N }, (_, i) => [NaN, -0, Infinity][i % 7] ?? Math.cos(b * N + i));
    const post = async (b: number): Promise<void> => {
      const t = Array.from({ length: N }, (_, i) => b * N + i);
      const body = encodeBinaryBody({
        variables: vars([['live', { t, v: values(b).map((x) => encodeValue(x)) }]]),
      });
      expect((await postBinary('bin', body)).status).toBe(200);
    };
    const seen: { seqs: number[]; t: number[]; v: SampleValue[] } = { seqs: [], t: [], v: [] };
    h.subscriber().subscribe('bin', 'live', (c) => {
      c.t.forEach((t, i) => {
        seen.seqs.push(c.first + i);
        seen.t.push(t);
        seen.v.push(c.v[i] as SampleValue);
      });
    });
    await post(0);
    await waitFor('the first batch', () => seen.seqs.length >= N || undefined);
    // In the room now: the rest comes as live events.
    for (let b = 1; b < BATCHES; b++) await post(b);
    await waitFor('every batch', () => seen.seqs.length >= BATCHES * N || undefined);
    expect(seqCoverageProblem(seen.seqs, BATCHES * N)).toBeUndefined();
    expect(seen.t).toEqual(Array.from({ length: BATCHES * N }, (_, i) => i));
    expect(seen.v).toEqual(Array.from({ length: BATCHES }, (_, b) => values(b)).flat());
  });

  it('refuses what JSON refuses with the same code, and a broken framing with malformed_body; nothing written', async () => {
    const good = encodeBinaryBody({ variables: vars([['x', { t: [1, 2], v: [1, 'two'] }]]) });
    const cases: Array<{
      name: string;
      body: Uint8Array<ArrayBuffer>;
      json?: unknown;
      run?: string;
      status: number;
      code: string;
      says?: RegExp;
    }> = [
      {
        name: 'empty body',
        body: new Uint8Array(0),
        status: 400,
        code: 'malformed_body',
        says: /truncated/,
      },
      {
        name: 'truncated',
        body: good.subarray(0, good.length - 3),
        status: 400,
        code: 'malformed_body',
        says: /truncated/,
      },
      {
        name: 'trailing bytes',
        body: Uint8Array.from([...good, 0, 0]),
        status: 400,
        code: 'malformed_body',
        says: /after the last variable/,
      },
      {
        name: 'JSON sent as binary',
        body: new TextEncoder().encode('{"variables":{}}'),
        status: 400,
        code: 'malformed_body',
        says: /RSCB/,
      },
      {
        name: 'name not UTF-8',
        body: (() => {
          const b = good.slice();
          b[12] = 0xff; // the name's one byte, after magic, version, flags, count and its length
          return b;
        })(),
        status: 400,
        code: 'malformed_body',
        says: /UTF-8/,
      },
      {
        name: 'NaN time',
        body: encodeBinaryBody({ variables: vars([['x', { t: [NaN], v: [1] }]]) }),
        json: { variables: { x: { t: [{ $num: 'NaN' }], v: [1] } } },
        status: 400,
        code: 'invalid_request',
        says: /variables\.x\.t\[0\]/,
      },
      {
        name: 'no variables',
        body: encodeBinaryBody({ variables: vars([]) }),
        json: { variables: {} },
        status: 400,
        code: 'invalid_request',
      },
      {
        name: 'control character in a name',
        body: encodeBinaryBody({ variables: vars([['a\u0001', { t: [1], v: [1] }]]) }),
        json: { variables: { 'a\u0001': { t: [1], v: [1] } } },
        status: 400,
        code: 'invalid_request',
      },
      {
        name: 'bad producer',
        body: encodeBinaryBody({
          producer: 'p 1',
          batch: 1,
          variables: vars([['x', { t: [1], v: [1] }]]),
        }),
        json: { producer: 'p 1', batch: 1, variables: { x: { t: [1], v: [1] } } },
        status: 400,
        code: 'invalid_request',
      },
      {
        name: 'over the body limit',
        body: encodeBinaryBody({
          variables: vars([
            [
              'x',
              { t: new Array<number>(LIMIT / 8).fill(1), v: new Array<number>(LIMIT / 8).fill(1) },
            ],
          ]),
        }),
        status: 413,
        code: 'payload_too_large',
      },
      {
        name: 'unknown run',
        body: good,
        run: 'nope',
        json: { variables: { x: { t: [1], v: [1] } } },
        status: 404,
        code: 'run_not_found',
      },
      {
        name: 'completed run',
        body: good,
        run: 'done',
        json: { variables: { x: { t: [1], v: [1] } } },
        status: 409,
        code: 'run_not_running',
      },
      {
        name: 'bad run id',
        body: good,
        run: 'a b',
        json: { variables: { x: { t: [1], v: [1] } } },
        status: 400,
        code: 'invalid_request',
      },
    ];
    const before = await redisFingerprint(h.hotStore.redis);
    for (const c of cases) {
      const run = c.run ?? 'bin';
      const res = await postBinary(encodeURIComponent(run), c.body);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect({ name: c.name, status: res.status, code: body.error.code }).toEqual({
        name: c.name,
        status: c.status,
        code: c.code,
      });
      if (c.says) expect(body.error.message).toMatch(c.says);
      if (c.json !== undefined) {
        const viaJson = await h.request(`/v1/runs/${encodeURIComponent(run)}/samples`, {
          json: c.json,
        });
        const jsonError = ((await viaJson.json()) as { error: { code: string } }).error;
        expect({ name: c.name, status: viaJson.status, code: jsonError.code }).toEqual({
          name: c.name,
          status: c.status,
          code: c.code,
        });
      }
    }
    const wrongType = await postBinary('bin', good, 'application/octet-stream');
    expect(wrongType.status).toBe(415);
    expect(((await wrongType.json()) as { error: { message: string } }).error.message).toContain(
      BINARY_BODY_CONTENT_TYPE,
    );
    expect(await redisFingerprint(h.hotStore.redis)).toBe(before);
  });
});
