import { UGLY_SAMPLE_VALUES } from '@runstream/testkit';
import {
  BINARY_BODY_CONTENT_TYPE,
  decodeValue,
  parseBinaryBody,
  type SampleValue,
} from '@runstream/domain';
import { RunstreamClient } from './runstream-client';
import { RunstreamConfigError } from './errors';
import { sendError, type RecordedRequest } from './testing/scripted-http-server';
import { startHarness, type Harness } from './testing/harness';

/** The samples a recorded binary request carries, read as the server reads them. */
const samplesIn = (req: RecordedRequest): number => parseBinaryBody(req.bytes).sampleCount;

describe('Producer with bodyFormat: binary', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(() => h.close());

  it('sends every kind of value in the binary form, stored exactly as logged', async () => {
    const values = [...UGLY_SAMPLE_VALUES] as SampleValue[];
    const producer = h.producer('r1', { minIntervalMs: 10, bodyFormat: 'binary' });
    values.forEach((v, i) => producer.log('v', i, v));
    producer.log('__proto__', 0, 1);
    await producer.flush();
    const [request] = h.batches();
    expect(request?.headers['content-type']).toBe(BINARY_BODY_CONTENT_TYPE);
    expect(request?.bytes.subarray(0, 4).toString('latin1')).toBe('RSCB');
    expect(h.ingest.variable('r1', 'v')?.v.map(decodeValue)).toEqual(values);
    expect(h.ingest.variable('r1', 'v')?.t).toEqual(values.map((_, i) => i));
    expect(h.ingest.variable('r1', '__proto__')?.v).toEqual([1]);
    await producer.close();
  });

  it('splits a batch the server finds too large (413) and resends the same bytes after a 503', async () => {
    const LIMIT = 40;
    let unavailable = 1;
    h.server.respond((req, res) => {
      if (samplesIn(req) > LIMIT)
        return sendError(res, 413, 'payload_too_large', 'request body is larger than 1 bytes');
      if (unavailable-- > 0) return sendError(res, 503, 'unavailable', 'later');
      h.ingest.handle(req, res);
    });
    const producer = h.producer('r1', {
      minIntervalMs: 5,
      bodyFormat: 'binary',
      retry: { baseMs: 1, capMs: 5 },
    });
    for (let k = 0; k < 100; k++) {
      producer.log('a', k, k);
      if (k % 2 === 0) producer.log('b', k, `s${k}`);
    }
    await producer.flush();
    expect(h.ingest.variable('r1', 'a')?.t).toEqual(Array.from({ length: 100 }, (_, n) => n));
    expect(h.ingest.variable('r1', 'b')?.v).toEqual(
      Array.from({ length: 50 }, (_, n) => `s${2 * n}`),
    );
    expect(producer.stats.splits).toBeGreaterThanOrEqual(2);
    const fitting = h.batches().filter((r) => samplesIn(r) <= LIMIT);
    // The first fitting attempt was answered 503; its retry carried the same bytes.
    expect(fitting[1]?.bytes.equals(fitting[0]?.bytes ?? Buffer.alloc(0))).toBe(true);
    await producer.close();
  });

  it('takes the format from RUNSTREAM_BODY_FORMAT, and refuses an unknown one', async () => {
    const client = new RunstreamClient({
      url: h.server.url,
      token: 'tok',
      env: { RUNSTREAM_BODY_FORMAT: 'binary' },
    });
    const producer = client.producer('r1', { minIntervalMs: 5 });
    expect(producer.bodyFormat).toBe('binary');
    producer.log('x', 1, 2);
    await producer.flush();
    expect(h.batches()[0]?.headers['content-type']).toBe(BINARY_BODY_CONTENT_TYPE);
    await producer.close();
    expect(
      () =>
        new RunstreamClient({
          url: h.server.url,
          token: 'tok',
          env: { RUNSTREAM_BODY_FORMAT: 'msgpack' },
        }),
    ).toThrow(RunstreamConfigError);
    expect(() => h.producer('r1', { bodyFormat: 'xml' as 'json' })).toThrow(/options.bodyFormat/);
  });
});
