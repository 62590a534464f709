import { findSeriesSpans } from './raw-series-spans';

const spansOf = (text: string): Record<string, { t: unknown; v: unknown }> | undefined => {
  const spans = findSeriesSpans(text);
  if (spans === undefined) return undefined;
  return Object.fromEntries(
    [...spans].map(([name, s]) => [
      name,
      { t: JSON.parse(s.t) as unknown, v: JSON.parse(s.v) as unknown },
    ]),
  );
};

describe('findSeriesSpans', () => {
  it('finds every variable’s raw t and v, equal to what JSON.parse reads', () => {
    const body = {
      producer: 'p',
      batch: 3,
      variables: {
        x: { t: [0, 1.5, -2e-7], v: [1, { $num: 'NaN' }, null] },
        'a "quoted" ]} name \\': { v: ['s]}"tr', [1, [2]], true], t: [1, 2, 3] },
        ünï: { t: [1], v: ['{'] },
      },
    };
    const text = JSON.stringify(body, null, 2);
    const expected = Object.fromEntries(
      Object.entries(body.variables).map(([k, s]) => [k, { t: s.t, v: s.v }]),
    );
    expect(spansOf(text)).toEqual(expected);
    expect(spansOf(JSON.stringify(body))).toEqual(expected);
  });

  it('keeps the last of duplicate keys, as JSON.parse does', () => {
    expect(spansOf('{"variables":{"x":{"t":[1],"v":[1]},"x":{"t":[2],"v":[2]}}}')).toEqual({
      x: { t: [2], v: [2] },
    });
  });

  it('gives up on the row form and on a series without t or v', () => {
    expect(spansOf('{"samples":[{"variable":"x","t":1,"v":1}]}')).toEqual({});
    expect(spansOf('{"variables":{"x":{"t":[1]}}}')).toBeUndefined();
    expect(spansOf('[1,2]')).toBeUndefined();
  });
});
