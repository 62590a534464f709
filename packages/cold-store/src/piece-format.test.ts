import { gunzipSync } from 'node:zlib';
import {
  encodePieces,
  groupIntoPieces,
  hasIndex,
  pieceIndexOf,
  PIECE_MAX_SAMPLES,
  type ChunkEntry,
} from './piece-format';
import { chunkTextHead } from './segment-format';

function chunk(first: number, count: number): ChunkEntry {
  const t = Array.from({ length: count }, (_, i) => (first + i) / 10);
  const v = t.map((x) => x * 2);
  const text = `{"s":${first},"t":${JSON.stringify(t)},"v":${JSON.stringify(v)}}`;
  return { text, first, count, firstT: t[0]! };
}

function chunks(sizes: number[]): ChunkEntry[] {
  let first = 1;
  return sizes.map((n) => {
    const c = chunk(first, n);
    first += n;
    return c;
  });
}

describe('groupIntoPieces', () => {
  it.each([
    ['small chunks fill pieces up to the bound', [5000, 5000, 5000, 5000], [3, 1]],
    ['a chunk that would pass the bound starts a new piece', [16_000, 400, 100], [1, 2]],
    [
      'a chunk larger than the bound is a piece alone',
      [100, PIECE_MAX_SAMPLES * 3, 100],
      [1, 1, 1],
    ],
    ['exactly the bound stays one piece', [PIECE_MAX_SAMPLES / 2, PIECE_MAX_SAMPLES / 2], [2]],
    ['one chunk', [1], [1]],
  ])('%s', (_what, sizes, groupSizes) => {
    const groups = groupIntoPieces(sizes.map((count) => ({ count })));
    expect(groups.map((g) => g.length)).toEqual(groupSizes);
    expect(groups.flat().map((c) => c.count)).toEqual(sizes);
  });

  it('gives nothing for no chunks', () => {
    expect(groupIntoPieces([])).toEqual([]);
  });
});

describe('encodePieces', () => {
  it('writes one gzip member per piece at the offsets the table gives, and gunzip reads them as one stream', async () => {
    const input = chunks([9000, 9000, 9000, 1, 20_000, 3]);
    const { body, pieces } = await encodePieces(input);
    expect(pieces.map((p) => p.first)).toEqual([1, 9001, 18_001, 27_002, 47_002]);
    expect(pieces.map((p) => p.firstT)).toEqual([0.1, 900.1, 1800.1, 2700.2, 4700.2]);
    let offset = 0;
    for (const p of pieces) {
      expect(p.offset).toBe(offset);
      const lines = gunzipSync(body.subarray(p.offset, p.offset + p.length))
        .toString('utf8')
        .split('\n')
        .filter((l) => l !== '');
      expect(chunkTextHead(lines[0]!).first).toBe(p.first);
      offset += p.length;
    }
    expect(offset).toBe(body.length);
    // Multi-member gzip: ordinary readers see the whole NDJSON stream.
    expect(gunzipSync(body).toString('utf8')).toBe(input.map((c) => c.text + '\n').join(''));
  });
});

describe('pieceIndexOf', () => {
  const pieces = [1, 100, 250].map((first, i) => ({ first, firstT: 0, offset: i, length: 1 }));
  it.each([
    [1, 0],
    [99, 0],
    [100, 1],
    [249, 1],
    [250, 2],
    [10_000, 2],
    [0, -1],
  ])('seq %d is in piece %d', (seq, index) => {
    expect(pieceIndexOf(pieces, seq)).toBe(index);
  });
});

describe('hasIndex', () => {
  it('only objects that may hold more than one piece have an index', () => {
    expect(hasIndex({ first: 1, last: PIECE_MAX_SAMPLES })).toBe(false);
    expect(hasIndex({ first: 1, last: PIECE_MAX_SAMPLES + 1 })).toBe(true);
    expect(hasIndex({ first: 10, last: 10 + PIECE_MAX_SAMPLES })).toBe(true);
  });
});

describe('chunkTextHead', () => {
  it.each([
    [
      '{"s":7,"t":[1.5,2,3e2],"v":["a,b]",[1,2],{"$num":"NaN"}]}',
      { first: 7, count: 3, firstT: 1.5 },
    ],
    ['{ "s" : 1 , "t" : [ -0.25 ] , "v" : [ null ] }', { first: 1, count: 1, firstT: -0.25 }],
    ['{"s":3,"t":[1e999,2],"v":[1,2]}', { first: 3, count: 2, firstT: Number.MAX_VALUE }],
  ])('reads %s', (text, head) => {
    expect(chunkTextHead(text)).toEqual(head);
  });

  it.each([
    ['not a chunk', '{"t":[1],"s":1,"v":[1]}'],
    ['t not closed', '{"s":1,"t":[1,2'],
    ['empty t', '{"s":1,"t":[],"v":[]}'],
    ['t not numbers', '{"s":1,"t":["x"],"v":[1]}'],
  ])('refuses %s', (_what, text) => {
    expect(() => chunkTextHead(text, 'here')).toThrow(/^here: /);
  });
});
