import { Readable } from 'node:stream';
import { lines } from './byte-lines';

async function collect(blocks: Buffer[]): Promise<string[]> {
  const out: string[] = [];
  for await (const line of lines(Readable.from(blocks) as AsyncIterable<Buffer>)) out.push(line);
  return out;
}

const buffers = (...texts: string[]): Buffer[] => texts.map((t) => Buffer.from(t));

describe('lines', () => {
  it('splits at newlines, across blocks, and keeps a last line without one', async () => {
    expect(await collect(buffers('{"s":1}\n{"s"', ':2}\n', '{"s":3}'))).toEqual([
      '{"s":1}',
      '{"s":2}',
      '{"s":3}',
    ]);
  });

  it('skips empty lines', async () => {
    expect(await collect(buffers('a\n\n', '\nb\n'))).toEqual(['a', 'b']);
  });

  it('does not cut a multi-byte character split between blocks', async () => {
    const bytes = Buffer.from('é\n');
    expect(await collect([bytes.subarray(0, 1), bytes.subarray(1)])).toEqual(['é']);
  });
});
