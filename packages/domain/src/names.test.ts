import { encodeName, decodeName, variableNameProblem } from './names';

describe('encodeName', () => {
  const names = [
    'x',
    'a/b',
    '../x',
    '..',
    '.',
    '%',
    '%25',
    'a b',
    '{t}',
    '}{',
    'a:b',
    'ünï 变量 ✓',
    "it's(1)*!~",
    '__proto__',
  ];

  it('leaves only [A-Za-z0-9_-] and %XX escapes', () => {
    for (const n of names) expect(encodeName(n)).toMatch(/^(?:[A-Za-z0-9_-]|%[0-9A-F]{2})+$/);
  });

  it('is injective and reversible', () => {
    const encoded = names.map(encodeName);
    expect(new Set(encoded).size).toBe(names.length);
    for (const n of names) expect(decodeName(encodeName(n))).toBe(n);
  });
});

describe('variableNameProblem', () => {
  it.each([
    ['x'],
    ['sys.pump.flow'],
    ['u[3]'],
    ['with space'],
    ['变量'],
    ['é'.repeat(128)],
    ['😀'.repeat(64)],
    ['€'.repeat(85) + 'a'],
  ])('accepts %p', (n) => {
    expect(variableNameProblem(n)).toBeUndefined();
  });

  it.each([
    ['', /empty/],
    ['a\nb', /control/],
    ['a\u0000', /control/],
    ['\uD800', /UTF-8/],
    ['é'.repeat(129), /256 bytes/],
    ['😀'.repeat(64) + 'a', /256 bytes/],
    ['€'.repeat(86), /256 bytes/],
  ])('rejects %p', (n, why) => {
    expect(variableNameProblem(n)).toMatch(why);
  });
});
