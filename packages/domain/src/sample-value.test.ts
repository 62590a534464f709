import {
  decodeValue,
  encodeValue,
  normalizeWireValues,
  type SampleValue,
  type WireValue,
} from './sample-value';
import { isWireValue, wireValueSchema } from './sample-value-schema';

const roundTrip = (v: SampleValue): SampleValue =>
  decodeValue(JSON.parse(JSON.stringify(encodeValue(v))) as WireValue);

describe('sample value wire encoding', () => {
  it.each([NaN, Infinity, -Infinity, -0, 0, 1e308, -5e-324, 42])(
    'round-trips the number %p through JSON',
    (n) => {
      expect(Object.is(roundTrip(n), n)).toBe(true);
    },
  );

  it('round-trips arrays with special numbers element by element', () => {
    const out = roundTrip([1, NaN, -0, -Infinity]) as number[];
    expect(out).toHaveLength(4);
    expect([
      Object.is(out[0], 1),
      Number.isNaN(out[1]),
      Object.is(out[2], -0),
      out[3] === -Infinity,
    ]).toEqual([true, true, true, true]);
  });

  it('keeps the string "NaN" a string and passes booleans and null through', () => {
    expect(roundTrip('NaN')).toBe('NaN');
    expect(roundTrip(true)).toBe(true);
    expect(roundTrip(null)).toBeNull();
  });
});

describe('normalizeWireValues', () => {
  it('tags a literal -0 in place and computes min/max over finite scalars only', () => {
    const values: WireValue[] = [3, -0, { $num: 'NaN' }, [-0, 1e9], 'x', -7, true];
    const summary = normalizeWireValues(values);
    expect(values[1]).toEqual({ $num: '-0' });
    expect(values[3]).toEqual([{ $num: '-0' }, 1e9]);
    expect(summary).toEqual({ min: -7, max: 3 });
  });

  it('reports no min/max when there is no numeric scalar', () => {
    expect(normalizeWireValues(['a', null, [1]])).toEqual({ min: undefined, max: undefined });
  });
});

describe('isWireValue', () => {
  const candidates: unknown[] = [
    1,
    -0,
    1e308,
    'x',
    '',
    'y'.repeat(65_537),
    true,
    null,
    undefined,
    {},
    { $num: 'NaN' },
    { $num: 'nan' },
    { $num: 'NaN', extra: 1 },
    { other: 'NaN' },
    [],
    [1, 2],
    [1, { $num: '-0' }],
    [[1]],
    ['a'],
    [null],
    new Array(65_537).fill(0),
    () => 1,
    Symbol('s'),
    10n,
  ];

  it('agrees with wireValueSchema on every candidate', () => {
    for (const c of candidates)
      expect([c, isWireValue(c)]).toEqual([c, wireValueSchema.safeParse(c).success]);
  });
});
