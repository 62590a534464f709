import {
  BINARY_BODY_CONTENT_TYPE,
  encodeBinaryBody,
  parseBinaryBody,
  type BinaryBodyInput,
} from './columnar-binary';
import { MalformedBodyError, ValidationError } from './errors';
import { MAX_VARIABLES_PER_BATCH, parseIngestBatch } from './ingest-batch';
import { MAX_ARRAY_VALUE_LENGTH } from './sample-value';
import { plainBatch } from './testing';

const outcomeOfJson = (body: unknown): string => {
  try {
    parseIngestBatch(body);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('accepted');
};

const vars = (
  entries: Array<[string, { t: number[]; v: BinaryBodyInput['variables'][string]['v'] }]>,
): BinaryBodyInput['variables'] =>
  Object.assign(Object.create(null) as BinaryBodyInput['variables'], Object.fromEntries(entries));

/** The documented layout, byte by byte (docs/protocol.md, "Binary bodies"). */
function handWritten(): Uint8Array {
  const b: number[] = [];
  const u32 = (x: number): void => {
    b.push(x & 0xff, (x >>> 8) & 0xff, (x >>> 16) & 0xff, x >>> 24);
  };
  const f64 = (x: number): void => {
    const d = new DataView(new ArrayBuffer(8));
    d.setFloat64(0, x, true);
    for (let i = 0; i < 8; i++) b.push(d.getUint8(i));
  };
  b.push(0x52, 0x53, 0x43, 0x42, 1, 1); // "RSCB", version 1, identity
  b.push(3, ...Buffer.from('p-1'));
  u32(7);
  u32(0); // batch 7 as u64
  u32(1); // one variable
  b.push(2, 0, ...Buffer.from('é')); // name: 2 bytes
  u32(3); // 3 samples
  [0, 0.5, 1].forEach(f64);
  [1.5, 0, -0].forEach(f64);
  u32(1); // one sidecar entry
  u32(1);
  b.push(3); // at 1: a string
  u32(2);
  b.push(...Buffer.from('hi'));
  return Uint8Array.from(b);
}

const malformed = (body: Uint8Array): string => {
  try {
    parseBinaryBody(body);
  } catch (err) {
    expect(err).toBeInstanceOf(MalformedBodyError);
    return (err as Error).message;
  }
  throw new Error('accepted');
};

describe('binary columnar bodies', () => {
  it('reads the documented layout as the JSON body of the same batch', () => {
    const batch = parseBinaryBody(handWritten());
    const json = parseIngestBatch({
      producer: 'p-1',
      batch: 7,
      variables: { é: { t: [0, 0.5, 1], v: [1.5, 'hi', { $num: '-0' }] } },
    });
    expect(plainBatch(batch)).toEqual(plainBatch(json));
    expect(BINARY_BODY_CONTENT_TYPE).toBe('application/vnd.runstream.columnar');
  });

  it('the writer writes that layout', () => {
    const bytes = encodeBinaryBody({
      producer: 'p-1',
      batch: 7,
      variables: vars([['é', { t: [0, 0.5, 1], v: [1.5, 'hi', { $num: '-0' }] }]]),
    });
    expect(Buffer.from(bytes).equals(Buffer.from(handWritten()))).toBe(true);
  });

  it('carries every kind of value, and a batch number past 2^32', () => {
    const v = [
      null,
      true,
      false,
      'x',
      [1, { $num: 'NaN' as const }],
      { $num: 'Infinity' as const },
      2,
    ];
    const batch = parseBinaryBody(
      encodeBinaryBody({
        producer: 'p',
        batch: 2 ** 40 + 3,
        variables: vars([['a', { t: [1, 2, 3, 4, 5, 6, 7], v }]]),
      }),
    );
    expect(batch.batch).toBe(2 ** 40 + 3);
    expect(batch.series[0]?.v).toEqual(v);
    expect(batch.series[0]?.summary).toEqual({ min: 2, max: 2 });
  });

  it('refuses a framing that does not add up, saying where', () => {
    const good = handWritten();
    expect(malformed(new Uint8Array(0))).toMatch(/truncated/);
    expect(malformed(good.subarray(0, good.length - 1))).toMatch(/truncated/);
    expect(malformed(Uint8Array.from([...good, 0]))).toMatch(/1 bytes after the last variable/);
    const patch = (at: number, byte: number): Uint8Array => {
      const b = good.slice();
      b[at] = byte;
      return b;
    };
    expect(malformed(patch(0, 0x7b))).toMatch(/does not start with "RSCB"/);
    expect(malformed(patch(4, 2))).toMatch(/version 2 is unknown/);
    expect(malformed(patch(5, 3))).toMatch(/unknown flags/);
    expect(malformed(patch(24, 0xff))).toMatch(/not valid UTF-8/); // the name's first byte
    const sidecarKind = good.length - 7;
    expect(malformed(patch(sidecarKind, 9))).toMatch(/unknown sidecar kind 9/);
    expect(malformed(patch(sidecarKind - 4, 3))).toMatch(/sidecar index 3/);
    expect(malformed(patch(26, 0xff))).toMatch(/truncated/); // a count past the end
  });

  it('refuses what JSON refuses, in the same words', () => {
    const refusal = (input: BinaryBodyInput): string => {
      try {
        parseBinaryBody(encodeBinaryBody(input));
      } catch (err) {
        expect(err).toBeInstanceOf(ValidationError);
        return (err as Error).message;
      }
      throw new Error('accepted');
    };
    expect(refusal({ variables: vars([['x', { t: [0, NaN], v: [1, 2] }]]) })).toMatch(
      /^variables\.x\.t\[1\]/,
    );
    expect(refusal({ variables: vars([]) })).toBe('variables: variables must not be empty');
    expect(refusal({ variables: vars([['x', { t: [], v: [] }]]) })).toBe(
      'variables.x.t: a variable needs at least one sample',
    );
    expect(refusal({ variables: vars([['a\u0000', { t: [1], v: [1] }]]) })).toBe(
      'variables.a\u0000: variable name must not contain control characters',
    );
    expect(
      refusal({ producer: 'bad id', batch: 1, variables: vars([['x', { t: [1], v: [1] }]]) }),
    ).toMatch(/^producer: producer id must be/);
    const long = Array.from({ length: MAX_ARRAY_VALUE_LENGTH + 1 }, (_, i) => i);
    expect(refusal({ variables: vars([['x', { t: [1], v: [long] }]]) })).toBe(
      outcomeOfJson({ variables: { x: { t: [1], v: [long] } } }),
    );
    const many = vars(
      Array.from({ length: MAX_VARIABLES_PER_BATCH + 1 }, (_, i) => [`v${i}`, { t: [1], v: [1] }]),
    );
    expect(refusal({ variables: many })).toBe(
      `variables: at most ${MAX_VARIABLES_PER_BATCH} variables per batch`,
    );
  });

  it('refuses a variable sent twice (JSON would keep the last one silently)', () => {
    const once = encodeBinaryBody({ variables: vars([['x', { t: [1], v: [1] }]]) });
    // Header (10 bytes: magic, version, flags, count), then the variable twice.
    const twice = Uint8Array.from([
      ...once.subarray(0, 10),
      ...once.subarray(10),
      ...once.subarray(10),
    ]);
    new DataView(twice.buffer).setUint32(6, 2, true);
    expect(() => parseBinaryBody(twice)).toThrow(
      'variables.x: the variable appears twice in the body',
    );
  });
});
