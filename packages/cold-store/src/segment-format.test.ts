import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { decodeValue, encodeValue, type SampleChunk, type SampleValue } from '@runstream/domain';
import { UGLY_SAMPLE_VALUES, collect } from '@runstream/testkit';
import { SegmentFormatError } from './cold-store-errors';
import {
  decodeSegment,
  decodeSegmentLines,
  encodeSegment,
  formatChunk,
  parseChunkText,
  segmentLines,
  toSegmentLine,
} from './segment-format';

/** Chunk texts as the hot store stores them: `{"s":…,"t":[…],"v":[…]}`, v wire-encoded. */
function chunkText(first: number, t: number[], values: SampleValue[]): string {
  return `{"s":${first},"t":${JSON.stringify(t)},"v":${JSON.stringify(values.map(encodeValue))}}`;
}

const TEXTS = [
  chunkText(1, [0, 0.1, 0.2], [1.5, NaN, -3]),
  chunkText(4, [0.3, 0.4, 0.5, 0.6], [Infinity, -Infinity, -0, null]),
  chunkText(8, [0.7, 0.8], ['line one\nline two\r\n', 'tab\tand "quotes" and \\ backslash']),
  chunkText(10, [0.9, 1.0, 1.1], [true, false, [1, NaN, -Infinity]]),
  chunkText(13, [1.2, 1.3], ['温度 🙂 °C', 'para\u2028sep\u2029end']),
];

/** Yields `buf` in pieces of the given sizes, cycling: odd splits across gzip and UTF-8 boundaries. */
async function* pieces(buf: Buffer, sizes: number[]): AsyncGenerator<Buffer> {
  let at = 0;
  for (let i = 0; at < buf.length; i++) {
    const size = sizes[i % sizes.length]!;
    yield buf.subarray(at, at + size);
    at += size;
    await Promise.resolve();
  }
}

function valuesOf(chunk: SampleChunk): SampleValue[] {
  return chunk.v.map(decodeValue);
}

describe('segment format', () => {
  it('round-trips chunk texts exactly, one per line', async () => {
    const gz = await encodeSegment(TEXTS);
    expect(await collect(decodeSegmentLines(Readable.from([gz])))).toEqual(
      TEXTS.map(toSegmentLine),
    );
    // JSON.stringify escapes \n, \r and tabs: those texts went through unchanged.
    expect(toSegmentLine(TEXTS[2]!)).toBe(TEXTS[2]);
  });

  it('brings NaN, ±Infinity, -0, strings with newlines and unicode back as they were', async () => {
    const chunks = await collect(decodeSegment(Readable.from([await encodeSegment(TEXTS)])));
    expect(chunks.map((c) => c.first)).toEqual([1, 4, 8, 10, 13]);
    expect(valuesOf(chunks[0]!)).toEqual([1.5, NaN, -3]);
    const special = valuesOf(chunks[1]!);
    expect(special[0]).toBe(Infinity);
    expect(special[1]).toBe(-Infinity);
    expect(Object.is(special[2], -0)).toBe(true);
    expect(special[3]).toBeNull();
    expect(valuesOf(chunks[2]!)).toEqual([
      'line one\nline two\r\n',
      'tab\tand "quotes" and \\ backslash',
    ]);
    expect(valuesOf(chunks[3]!)).toEqual([true, false, [1, NaN, -Infinity]]);
    expect(valuesOf(chunks[4]!)).toEqual(['温度 🙂 °C', 'para\u2028sep\u2029end']);
    expect(chunks[3]!.t).toEqual([0.9, 1.0, 1.1]);
  });

  it("brings testkit's ugly values back as they were", async () => {
    const values = [...UGLY_SAMPLE_VALUES] as SampleValue[];
    const t = values.map((_, i) => i / 10);
    const gz = await encodeSegment([chunkText(1, t, values)]);
    const [chunk] = await collect(decodeSegment(Readable.from([gz])));
    expect(valuesOf(chunk!)).toEqual(values);
    expect(chunk!.t).toEqual(t);
  });

  it('keeps one chunk per line when the stored text holds raw line breaks (JSON whitespace)', async () => {
    // The ingest stores a request's own t/v text; a pretty-printed body has newlines in it.
    const pretty = '{"s":1,"t":[\n  0,\r\n  1\n],"v":[\n  "a\\nb",\n  {"$num": "NaN"}\n]}';
    const gz = await encodeSegment([pretty, TEXTS[1]!]);
    const lines = await collect(decodeSegmentLines(Readable.from([gz])));
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[0]!)).toEqual(JSON.parse(pretty));
    const [chunk] = await collect(decodeSegment(Readable.from([gz])));
    expect(valuesOf(chunk!)).toEqual(['a\nb', NaN]);
  });

  it('escapes U+2028/U+2029 so line-splitting readers see one line, same JSON', () => {
    const text = `{"s":1,"t":[0],"v":["a\u2028b\u2029c"]}`;
    const line = toSegmentLine(text);
    expect(line).not.toMatch(/[\u2028\u2029]/);
    expect(JSON.parse(line)).toEqual(JSON.parse(text));
  });

  it('decodes a gzip stream split into odd piece sizes, across UTF-8 and line boundaries', async () => {
    const many: string[] = [];
    for (let i = 0; i < 300; i++)
      many.push(
        chunkText(i * 3 + 1, [i, i + 0.5, i + 0.25], [`é${'温'.repeat(i % 7)}`, i / 7, NaN]),
      );
    const gz = await encodeSegment(many);
    for (const sizes of [[1], [2, 3], [7, 1, 13], [4093], [gz.length]]) {
      const lines = await collect(decodeSegmentLines(pieces(gz, sizes)));
      expect(lines).toEqual(many);
    }
    // Lines also split across decompressed blocks: a tiny pending piece per step.
    const chunks = await collect(decodeSegment(pieces(gz, [5, 1, 9])));
    expect(chunks).toHaveLength(300);
    expect(chunks[299]!.first).toBe(898);
    expect(chunks[150]!.v[0]).toBe(`é${'温'.repeat(150 % 7)}`);
  });

  it('tolerates CRLF, blank lines, a missing final newline and concatenated gzip members', async () => {
    const text = `${TEXTS[0]}\r\n\n${TEXTS[1]}`;
    const gz = Buffer.concat([gzipSync(text), gzipSync(`\n${TEXTS[2]}\n`)]);
    expect(await collect(decodeSegmentLines(Readable.from([gz])))).toEqual([
      TEXTS[0],
      TEXTS[1],
      TEXTS[2],
    ]);
    expect(await collect(decodeSegmentLines(Readable.from([gzipSync('')])))).toEqual([]);
  });

  it('refuses bytes that are not gzip, a truncated gzip, and lines that are not chunks', async () => {
    const gz = await encodeSegment(TEXTS);
    await expect(
      collect(decodeSegmentLines(Readable.from([Buffer.from('{"s":1}\n')]), { label: 'k1' })),
    ).rejects.toThrow(SegmentFormatError);
    await expect(
      collect(decodeSegmentLines(Readable.from([gz.subarray(0, gz.length - 12)]), { label: 'k2' })),
    ).rejects.toThrow(/k2: not a valid gzip stream/);
    const bad = gzipSync(`${TEXTS[0]}\n{"s":0,"t":[1],"v":[1]}\n`);
    await expect(collect(decodeSegment(Readable.from([bad]), { label: 'k3' }))).rejects.toThrow(
      /k3: chunk 2: "s" must be a seq/,
    );
    await expect(
      collect(
        decodeSegmentLines(Readable.from([gzipSync('x'.repeat(5000))]), { maxLineBytes: 1000 }),
      ),
    ).rejects.toThrow(/longer than 1000 bytes/);
  });

  it('stops reading the source when the reader stops early', async () => {
    const gz = await encodeSegment(TEXTS);
    const source = Readable.from(pieces(gz, [3]));
    for await (const line of decodeSegmentLines(source)) {
      expect(line).toBe(TEXTS[0]);
      break;
    }
    await new Promise((resolve) => setImmediate(resolve));
    expect(source.destroyed).toBe(true);
  });
});

describe('parseChunkText and formatChunk', () => {
  it('parse what the hot store writes, and write it back the same', () => {
    for (const text of TEXTS) expect(formatChunk(parseChunkText(text))).toBe(text);
  });

  it('check the shape', () => {
    expect(() => parseChunkText('not json')).toThrow(SegmentFormatError);
    expect(() => parseChunkText('[1]')).toThrow(/not a chunk object/);
    expect(() => parseChunkText('{"s":1.5,"t":[1],"v":[1]}')).toThrow(/"s" must be a seq/);
    expect(() => parseChunkText('{"s":1,"t":[1,2],"v":[1]}')).toThrow(/equal length/);
    expect(() => parseChunkText('{"s":1,"t":[],"v":[]}')).toThrow(/non-empty/);
  });
});

describe('segmentLines', () => {
  it('writes each chunk text as one UTF-8 line, line breaks inside made harmless', () => {
    const texts = [
      '{"s":1,"t":[0.1],"v":["é ✓ 𝄞"]}',
      '{"s":2,"t":[0.2],"v":["a\nb\u2028c"]}',
      '{"s":3,"t":[0.30000000000000004],"v":[1e+300]}',
    ];
    const bytes = segmentLines(texts);
    expect(bytes.toString('utf8')).toBe(texts.map(toSegmentLine).join('\n') + '\n');
    expect(bytes.toString('utf8').split('\n')).toHaveLength(4);
    expect(segmentLines([])).toHaveLength(0);
  });
});
