/**
 * Sample values that break naive encodings: NaN, the infinities and -0 (not
 * JSON), extremes, arrays holding them, strings that look like them, and the
 * other kinds. Every tier must give each back as it was (compare with
 * Object.is semantics, as jest's toEqual does).
 */
export const UGLY_SAMPLE_VALUES: ReadonlyArray<number | number[] | string | boolean | null> = [
  NaN,
  Infinity,
  -Infinity,
  -0,
  0,
  1e308,
  -1e308,
  5e-324,
  Number.MAX_SAFE_INTEGER,
  [1, NaN, -0, Infinity, -Infinity, 2.5],
  [],
  'NaN',
  'Infinity',
  '',
  'ünïcødé ✓ 变量',
  true,
  false,
  null,
];
