import fc from 'fast-check';
import {
  encodeBinaryBody,
  encodeValue,
  parseBinaryBody,
  StoredFormatError,
  type IngestBatch,
  type SampleChunk,
  type WireValue,
} from '@runstream/domain';
import {
  decodePackedChunk,
  encodeBody,
  encodeColumnsBody,
  encodePackedChunk,
  packedChunkText,
  packedRange,
  PACKED_HEADER_BYTES,
  storedBytesBound,
} from './packed-chunk';
import { chunkRange, firstSeqOf, parseStoredChunk, storedChunkText } from './stored-chunk';

/** Every kind of double a model produces, specials included. */
const anyDouble = fc.oneof(
  fc.double(),
  fc.constantFrom(NaN, Infinity, -Infinity, -0, 0, Number.MIN_VALUE, -Number.MAX_VALUE),
);

/** Every WireValue kind: numbers (and their tags), arrays of them, strings, booleans, null. */
const wireValue: fc.Arbitrary<WireValue> = fc.oneof(
  { weight: 6, arbitrary: anyDouble.map((x) => encodeValue(x)) },
  { weight: 1, arbitrary: fc.array(anyDouble, { maxLength: 4 }).map((a) => encodeValue(a)) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 8 }) },
  { weight: 1, arbitrary: fc.constantFrom('NaN', '{"$num":"NaN"}', '', '\n\u2028"\\') },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
);

/** Finite times (ingest refuses others), -0 as ingest stores it: 0. */
const time = fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => (x === 0 ? 0 : x));

const chunk: fc.Arbitrary<SampleChunk> = fc
  .array(fc.tuple(time, wireValue), { minLength: 1, maxLength: 40 })
  .chain((samples) =>
    fc.constantFrom(1, 2, 1000, 2 ** 32 - 1, 2 ** 32 + 7, Number.MAX_SAFE_INTEGER).map((first) => ({
      first,
      t: samples.map(([t]) => t),
      v: samples.map(([, v]) => v),
    })),
  );

/** The JSON chunk text an earlier version stored for the same samples. */
const jsonText = (c: SampleChunk): string =>
  `{"s":${c.first},"t":${JSON.stringify(c.t)},"v":${JSON.stringify(c.v)}}`;

describe('packed chunks', () => {
  it('give back every sample exactly, whatever its kind', () => {
    fc.assert(
      fc.property(chunk, (c) => {
        const entry = encodePackedChunk(c);
        expect(decodePackedChunk(entry)).toEqual(c);
        expect(parseStoredChunk(entry)).toEqual(c);
        expect(packedRange(entry)).toEqual({ first: c.first, count: c.t.length });
        expect(chunkRange(entry)).toEqual({ first: c.first, last: c.first + c.t.length - 1 });
        expect(firstSeqOf(entry)).toBe(c.first);
      }),
      { numRuns: 500 },
    );
  });

  it('read as the JSON chunk text that parses to the same samples', () => {
    fc.assert(
      fc.property(chunk, (c) => {
        const text = packedChunkText(encodePackedChunk(c));
        expect(storedChunkText(encodePackedChunk(c))).toBe(text);
        const parsed = JSON.parse(text) as { s: number; t: number[]; v: WireValue[] };
        expect({ first: parsed.s, t: parsed.t, v: parsed.v }).toEqual(c);
        // Numbers the way JSON.stringify writes them: the text an earlier version stored.
        expect(text).toBe(jsonText(c));
      }),
      { numRuns: 500 },
    );
  });

  it('take 16 bytes a numeric sample, plus the header and counts', () => {
    const c = { first: 1, t: [0, 0.1, 0.2], v: [1.5, encodeValue(NaN), -3] };
    expect(encodeBody(c.t, c.v)).toHaveLength(8 + 16 * 3);
    expect(encodePackedChunk(c)).toHaveLength(PACKED_HEADER_BYTES + 8 + 16 * 3);
    // A string beside them: its slot goes, an index (4 bytes) and its JSON come.
    const mixed = { first: 1, t: [0, 1], v: [2, 'ab'] as WireValue[] };
    expect(encodeBody(mixed.t, mixed.v)).toHaveLength(8 + 16 + 8 + 4 + '["ab"]'.length);
  });

  it('keep reading chunk texts an earlier version stored', () => {
    fc.assert(
      fc.property(chunk, (c) => {
        const entry = Buffer.from(jsonText(c), 'utf8');
        expect(parseStoredChunk(entry)).toEqual(c);
        expect(storedChunkText(entry)).toBe(jsonText(c));
        expect(firstSeqOf(entry)).toBe(c.first);
        expect(chunkRange(entry)).toEqual({ first: c.first, last: c.first + c.t.length - 1 });
      }),
      { numRuns: 200 },
    );
  });

  it('refuse bytes that cannot be a packed chunk', () => {
    const entry = encodePackedChunk({ first: 3, t: [1, 2], v: ['a', 2] });
    expect(() => decodePackedChunk(entry.subarray(0, entry.length - 1))).toThrow(StoredFormatError);
    expect(() => decodePackedChunk(entry.subarray(0, 12))).toThrow(StoredFormatError);
    const numeric = encodePackedChunk({ first: 3, t: [1, 2], v: [1, 2] });
    expect(() => packedChunkText(Buffer.concat([numeric, Buffer.from('x')]))).toThrow(
      /cannot hold 2 samples/,
    );
  });

  it("are the same bytes from a binary body's columns as from the arrays JSON gives", () => {
    const numeric = fc.oneof(
      anyDouble.map((x) => encodeValue(x)),
      fc.constantFrom(NaN, -0, Infinity).map((x) => encodeValue(x)),
    );
    const columns = fc
      .array(fc.tuple(fc.oneof(time, fc.constant(-0)), numeric), { minLength: 1, maxLength: 40 })
      .map((samples) => ({ t: samples.map(([t]) => t), v: samples.map(([, v]) => v) }));
    fc.assert(
      fc.property(columns, ({ t, v }) => {
        const [s] = parseBinaryBody(encodeBinaryBody({ variables: { x: { t, v } } })).series;
        if (s?.columns === undefined) throw new Error('a numeric series keeps its columns');
        // -0 in t is the instant 0 either way.
        const times = t.map((x) => (x === 0 ? 0 : x));
        expect(encodeColumnsBody(s.columns)).toEqual(encodeBody(times, v));
        expect([s.t, s.v]).toEqual([times, v]);
      }),
      { numRuns: 300 },
    );
  });

  it('refuse a batch whose t and v differ in length', () => {
    expect(() => encodeBody([1, 2], [1])).toThrow(RangeError);
  });
});

describe('storedBytesBound', () => {
  it('is at least what the packed chunks of a batch take', () => {
    fc.assert(
      fc.property(fc.array(chunk, { minLength: 1, maxLength: 4 }), (chunks) => {
        const series = chunks.map((c) => ({ t: c.t, v: c.v }));
        const text = JSON.stringify({ variables: series });
        const batch = {
          series: series.map((s, i) => ({ name: `v${i}`, ...s })),
          sampleCount: series.reduce((n, s) => n + s.t.length, 0),
        } as unknown as IngestBatch;
        const stored = chunks.reduce((n, c) => n + encodePackedChunk(c).length, 0);
        expect(storedBytesBound(batch, text.length)).toBeGreaterThanOrEqual(stored);
      }),
    );
  });
});
