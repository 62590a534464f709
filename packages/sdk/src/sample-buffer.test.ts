import { buildBatch, splitParts } from './outgoing-batch';
import { SampleBuffer, type BatchPart } from './sample-buffer';

function fill(buffer: SampleBuffer, name: string, from: number, to: number): void {
  const column = buffer.get(name) ?? buffer.add(name);
  for (let i = from; i <= to; i++) buffer.append(column, i, i);
}

const names = (parts: BatchPart[]): string[] => parts.map((p) => p.column.name);
const ts = (parts: BatchPart[], name: string): number[] =>
  parts.filter((p) => p.column.name === name).flatMap((p) => p.t);

describe('SampleBuffer', () => {
  it('takes everything when under the limit, oldest first per variable', () => {
    const b = new SampleBuffer();
    fill(b, 'a', 1, 3);
    fill(b, 'b', 1, 2);
    fill(b, 'a', 4, 5);
    const parts = b.take(100);
    expect(ts(parts, 'a')).toEqual([1, 2, 3, 4, 5]);
    expect(ts(parts, 'b')).toEqual([1, 2]);
    expect(b.size).toBe(0);
    expect(b.take(100)).toEqual([]);
  });

  it('cuts at the limit and keeps the rest in order', () => {
    const b = new SampleBuffer();
    fill(b, 'a', 1, 10);
    const first = b.take(4);
    expect(ts(first, 'a')).toEqual([1, 2, 3, 4]);
    expect(b.size).toBe(6);
    fill(b, 'a', 11, 12);
    expect(ts(b.take(100), 'a')).toEqual([5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it('serves variables round-robin so a chatty one cannot starve the others', () => {
    const b = new SampleBuffer();
    fill(b, 'chatty', 1, 100);
    fill(b, 'quiet', 1, 1);
    const first = b.take(50);
    expect(names(first)).toEqual(['chatty']);
    const second = b.take(50);
    expect(names(second)).toEqual(['quiet', 'chatty']);
    expect(ts(second, 'chatty')).toEqual(Array.from({ length: 49 }, (_, i) => 51 + i));
  });

  it('knows what a flush must wait for', () => {
    const b = new SampleBuffer();
    fill(b, 'a', 1, 3);
    fill(b, 'b', 1, 1);
    const targets = b.flushTargets();
    expect(targets.map((x) => [x.column.name, x.until])).toEqual([
      ['a', 3],
      ['b', 1],
    ]);
  });
});

describe('splitParts', () => {
  it('halves a batch keeping each variable in order across the halves', () => {
    const b = new SampleBuffer();
    fill(b, 'a', 1, 5);
    fill(b, 'b', 1, 4);
    const [x, y] = splitParts(b.take(100));
    expect(x.reduce((n, p) => n + p.t.length, 0)).toBe(5);
    expect(y.reduce((n, p) => n + p.t.length, 0)).toBe(4);
    expect([...ts(x, 'a'), ...ts(y, 'a')]).toEqual([1, 2, 3, 4, 5]);
    expect([...ts(x, 'b'), ...ts(y, 'b')]).toEqual([1, 2, 3, 4]);
  });

  it('builds bodies whose variables survive a name like __proto__', () => {
    const b = new SampleBuffer();
    fill(b, '__proto__', 1, 2);
    const batch = buildBatch('p', 7, b.take(10));
    const wire = JSON.parse(JSON.stringify(batch.body)) as Record<string, unknown>;
    expect(wire).toEqual({
      producer: 'p',
      batch: 7,
      variables: { ['__proto__']: { t: [1, 2], v: [1, 2] } },
    });
    expect(Object.keys(wire.variables as object)).toEqual(['__proto__']);
    expect(batch.count).toBe(2);
  });
});
