import {
  blocksFor,
  decodeIndexBlock,
  encodeObjectIndex,
  INDEX_BLOCK_CELLS,
  parseIndexHead,
  type ObjectIndexInput,
} from './object-index';
import { SegmentFormatError } from './cold-store-errors';

const pieces = [
  { first: 1, firstT: 0, offset: 0, length: 500 },
  { first: 16_385, firstT: 16.384, offset: 500, length: 480 },
];

function input(records: number): ObjectIndexInput {
  return {
    first: 1,
    last: 20_000,
    dataBytes: 980,
    pieces,
    levels: [
      { shift: 8, firstCell: 0, records: Array.from({ length: records }, (_, i) => [i, 'r']) },
      { shift: 10, firstCell: 3, records: [[3, 'top']] },
    ],
  };
}

describe('object index', () => {
  it('round-trips the header, and every block holds the records of its cells', async () => {
    const records = INDEX_BLOCK_CELLS * 2 + 5;
    const bytes = await encodeObjectIndex(input(records));
    const parsed = parseIndexHead(bytes, 'idx');
    if (!('index' in parsed)) throw new Error('header not parsed');
    const { index } = parsed;
    expect(index).toMatchObject({ first: 1, last: 20_000, dataBytes: 980, pieces });
    expect(index.levels.map((l) => [l.shift, l.blocks.map((b) => [b.firstCell, b.cells])])).toEqual(
      [
        [
          8,
          [
            [0, 1024],
            [1024, 1024],
            [2048, 5],
          ],
        ],
        [10, [[3, 1]]],
      ],
    );
    const all: unknown[] = [];
    for (const block of index.levels[0]!.blocks)
      all.push(
        ...(await decodeIndexBlock(bytes.subarray(block.offset, block.offset + block.length), 'b')),
      );
    expect(all).toEqual(input(records).levels[0]!.records);
    const top = index.levels[1]!.blocks[0]!;
    expect(
      await decodeIndexBlock(bytes.subarray(top.offset, top.offset + top.length), 'b'),
    ).toEqual([[3, 'top']]);
    expect(blocksFor(index.levels[0]!, 1000, 1030).map((b) => b.firstCell)).toEqual([0, 1024]);
    expect(blocksFor(index.levels[0]!, 2052, 9999).map((b) => b.firstCell)).toEqual([2048]);
  });

  it('says how many bytes a header needs when the head read was short', async () => {
    const bytes = await encodeObjectIndex(input(3));
    const parsed = parseIndexHead(bytes.subarray(0, 20), 'idx');
    expect(parsed).toEqual({ needBytes: expect.any(Number) as number });
    if (!('needBytes' in parsed)) throw new Error('expected needBytes');
    expect('index' in parseIndexHead(bytes.subarray(0, parsed.needBytes), 'idx')).toBe(true);
  });

  it.each([
    ['not an index', () => Buffer.from('{"s":1}')],
    ['another version', () => Buffer.from('RSIX\x02\x00\x00\x00\x00\x00\x00\x00', 'latin1')],
    ['a header that is not JSON', () => withHeader('{nope')],
    [
      'a header without pieces',
      () => withHeader('{"first":1,"last":2,"dataBytes":1,"pieces":[],"levels":[]}'),
    ],
    [
      'last before first',
      () => withHeader('{"first":5,"last":2,"dataBytes":1,"pieces":[[5,0,0,1]],"levels":[]}'),
    ],
    [
      'a bad block entry',
      () =>
        withHeader(
          '{"first":1,"last":2,"dataBytes":1,"pieces":[[1,0,0,1]],"levels":[{"shift":8,"blocks":[[0,-1,0,1]]}]}',
        ),
    ],
  ])('refuses %s with a SegmentFormatError naming the object', (_what, bytes) => {
    expect(() => parseIndexHead(bytes(), 'the/key.index')).toThrow(SegmentFormatError);
    expect(() => parseIndexHead(bytes(), 'the/key.index')).toThrow(/^the\/key\.index: /);
  });

  it('refuses a damaged block', async () => {
    await expect(decodeIndexBlock(Buffer.from('not gzip'), 'k')).rejects.toThrow(
      SegmentFormatError,
    );
  });
});

function withHeader(json: string): Buffer {
  const header = Buffer.from(json);
  const pre = Buffer.alloc(12);
  pre.write('RSIX', 0, 'latin1');
  pre.writeUInt32LE(1, 4);
  pre.writeUInt32LE(header.length, 8);
  return Buffer.concat([pre, header]);
}
