import {
  chunkJson,
  chunkTextSamples,
  joinChunkTexts,
  sliceChunkText,
  splitChunkText,
  type ChunkText,
} from './chunk-text';
import { StoredFormatError } from './errors';
import type { SampleChunk } from './http-api';
import type { WireValue } from './sample-value';
import { randomChunks, randomInt, randomSamples, seededRandom } from './testing/random-samples';

/** A chunk as the write script stores it (compact), or from a pretty-printed body (spaces, breaks). */
const stored = (c: SampleChunk): string =>
  `{"s":${c.first},"t":${JSON.stringify(c.t)},"v":${JSON.stringify(c.v)}}`;
const pretty = (c: SampleChunk): string =>
  ` {\n "s" : ${c.first} ,\t"t":${JSON.stringify(c.t, null, 2)} , "v" :\r\n${JSON.stringify(c.v, null, 1)}\n} `;
/** What a segment line holds for a pretty text: line breaks turned into spaces. */
const segmentLine = (c: SampleChunk): string => pretty(c).replace(/[\n\r]/g, ' ');

const UGLY: WireValue[] = [
  'a,b]["\\',
  '}{',
  '',
  'ünï ✓ 变量 😀',
  '\u2028\n\t"',
  '{"$num":"NaN"}',
  [],
  [1, { $num: 'NaN' }, { $num: '-0' }, -2.5e-300],
  { $num: 'Infinity' },
  { $num: '-0' },
  -0.000001,
  1e308,
  true,
  false,
  null,
  42,
];
const UGLY_CHUNK: SampleChunk = { first: 7, t: UGLY.map((_, i) => i / 3), v: UGLY };

describe('splitChunkText', () => {
  it('finds first, count and the t and v texts without parsing', () => {
    expect(splitChunkText('{"s":12,"t":[1,2.5,3],"v":[[1,2],"a,b",{"$num":"NaN"}]}')).toEqual({
      first: 12,
      count: 3,
      t: '1,2.5,3',
      v: '[1,2],"a,b",{"$num":"NaN"}',
    });
    for (const text of [stored, pretty, segmentLine].map((f) => f(UGLY_CHUNK))) {
      const c = splitChunkText(text);
      expect(c.first).toBe(7);
      expect(c.count).toBe(UGLY.length);
      expect(chunkTextSamples(c)).toEqual(UGLY_CHUNK);
    }
  });

  it('agrees with JSON.parse on random chunks', () => {
    const rand = seededRandom(21);
    const data = randomSamples(rand, 1, 3000, 'mixed');
    for (const chunk of randomChunks(rand, data, 60)) {
      for (const text of [stored(chunk), segmentLine(chunk)]) {
        const c = splitChunkText(text);
        expect([c.first, c.count]).toEqual([chunk.first, chunk.t.length]);
        expect(chunkTextSamples(c)).toEqual(chunk);
      }
    }
  });

  const MALFORMED: Array<[string, RegExp]> = [
    ['', /expected '\{'/],
    ['[1]', /expected '\{'/],
    ['{"t":[1],"s":1,"v":[1]}', /expected key "s"/],
    ['{"s":1,"v":[1],"t":[1]}', /expected key "t"/],
    ['{"s":0,"t":[1],"v":[1]}', /"s" must be a seq/],
    ['{"s":-1,"t":[1],"v":[1]}', /"s" must be a seq/],
    ['{"s":"1","t":[1],"v":[1]}', /"s" must be a seq/],
    ['{"s":99999999999999999,"t":[1],"v":[1]}', /"s" must be a seq/],
    ['{"s":1 "t":[1],"v":[1]}', /expected ','/],
    ['{"s":1,"t":1,"v":[1]}', /"t" must be an array/],
    ['{"s":1,"t":[1,2', /"t" is not closed/],
    ['{"s":1,"t":[ ],"v":[]}', /"t" is empty/],
    ['{"s":1,"t":[1],"v":"x"}', /"v" must be an array/],
    ['{"s":1,"t":[1],"v":["]"}', /expected '\}'/],
    ['{"s":1,"t":[1],"v":[[1]}', /expected '\}'/],
    ['{"s":1,"t":[1],"v":["]}', /"v" is not closed/],
    ['{"s":1,"t":[1],"v":[[1]', /"v" is not closed/],
    ['{"s":1,"t":[1],"v":[1]', /expected '\}'/],
    ['{"s":1,"t":[1],"v":[1],"x":2}', /expected '\}'/],
    ['{"s":1,"t":[1],"v":[1]}x', /continues after the chunk/],
    ['{"s":1,"t":[1],"v":[1]}{"s":2,"t":[1],"v":[1]}', /continues after the chunk/],
  ];

  it.each(MALFORMED)('refuses %j with a StoredFormatError', (text, message) => {
    expect(() => splitChunkText(text)).toThrow(StoredFormatError);
    expect(() => splitChunkText(text)).toThrow(message);
  });
});

describe('sliceChunkText', () => {
  const parsedSlice = (c: SampleChunk, from: number, to: number): SampleChunk => ({
    first: c.first + from,
    t: c.t.slice(from, to),
    v: c.v.slice(from, to),
  });

  it('cuts at every pair of sample indexes as slicing the parsed arrays does', () => {
    for (const text of [stored(UGLY_CHUNK), segmentLine(UGLY_CHUNK)]) {
      const c = splitChunkText(text);
      for (let from = 0; from <= c.count; from++)
        for (let to = from; to <= c.count; to++) {
          const s = sliceChunkText(c, from, to);
          expect([s.first, s.count]).toEqual([7 + from, to - from]);
          if (to > from) expect(chunkTextSamples(s)).toEqual(parsedSlice(UGLY_CHUNK, from, to));
          else expect(s).toEqual({ first: 7 + from, count: 0, t: '', v: '' });
        }
    }
  });

  it('agrees with parsing on random chunks and cuts', () => {
    const rand = seededRandom(22);
    const data = randomSamples(rand, 100, 4000, 'mixed');
    for (const chunk of randomChunks(rand, data, 200)) {
      const c = splitChunkText(rand() < 0.5 ? stored(chunk) : segmentLine(chunk));
      const from = randomInt(rand, 0, c.count - 1);
      const to = randomInt(rand, from + 1, c.count);
      expect(chunkTextSamples(sliceChunkText(c, from, to))).toEqual(parsedSlice(chunk, from, to));
    }
  });

  it('refuses indexes outside the chunk and separators that are not there', () => {
    const c = splitChunkText(stored(UGLY_CHUNK));
    expect(() => sliceChunkText(c, -1, 2)).toThrow(RangeError);
    expect(() => sliceChunkText(c, 3, 2)).toThrow(RangeError);
    expect(() => sliceChunkText(c, 0, c.count + 1)).toThrow(RangeError);
    const broken: ChunkText = { first: 1, count: 3, t: '1,2,3', v: '1 2,3' };
    expect(() => sliceChunkText(broken, 0, 2)).toThrow(StoredFormatError);
    const short: ChunkText = { first: 1, count: 3, t: '1,2,3', v: '1,"unterminated' };
    expect(() => sliceChunkText(short, 0, 2)).toThrow(StoredFormatError);
  });
});

describe('joinChunkTexts / chunkJson', () => {
  it('builds the JSON text JSON.stringify gives for the parsed page', () => {
    const rand = seededRandom(23);
    const data = randomSamples(rand, 50, 2500, 'mixed');
    data.v.splice(0, UGLY.length, ...UGLY);
    for (let k = 0; k < 30; k++) {
      const chunks = randomChunks(rand, data, 300).map((c) => splitChunkText(stored(c)));
      // A page from seq `from`, `limit` samples: the first and last chunk cut.
      const from = randomInt(rand, 50, 2549);
      const limit = randomInt(rand, 1, 2550 - from);
      const parts = chunks
        .filter((c) => c.first + c.count > from && c.first < from + limit)
        .map((c) =>
          sliceChunkText(c, Math.max(0, from - c.first), Math.min(c.count, from + limit - c.first)),
        );
      const joined = joinChunkTexts(parts, from);
      expect(joined.count).toBe(limit);
      const extra = { nextSeq: from + limit, more: from + limit < 2550, skipped: undefined };
      const text = chunkJson('run "1"', 'vär,]', joined, extra);
      const expected = {
        run: 'run "1"',
        variable: 'vär,]',
        first: from,
        t: data.t.slice(from - 50, from - 50 + limit),
        v: data.v.slice(from - 50, from - 50 + limit),
        ...extra,
      };
      expect(JSON.parse(text)).toEqual(expected);
      expect(text).toBe(JSON.stringify(expected));
    }
  });

  it('joins nothing into an empty chunk, and refuses gaps, overlaps and clashing fields', () => {
    const empty = joinChunkTexts([], 9);
    expect(empty).toEqual({ first: 9, count: 0, t: '', v: '' });
    expect(JSON.parse(chunkJson('r', 'x', empty, { more: false }))).toEqual({
      run: 'r',
      variable: 'x',
      first: 9,
      t: [],
      v: [],
      more: false,
    });
    const a = splitChunkText('{"s":1,"t":[1,2],"v":[1,2]}');
    const b = splitChunkText('{"s":3,"t":[3],"v":[3]}');
    expect(joinChunkTexts([a, sliceChunkText(b, 0, 0), b], 1)).toMatchObject({
      count: 3,
      t: '1,2,3',
    });
    expect(() => joinChunkTexts([b], 1)).toThrow(RangeError);
    expect(() => joinChunkTexts([a, a], 1)).toThrow(RangeError);
    expect(() => chunkJson('r', 'x', a, { first: 2 })).toThrow(RangeError);
  });
});
