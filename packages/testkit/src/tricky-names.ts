/**
 * Variable names that try to leave their folder in an object key or collide
 * with another's: slashes, dots, percent signs, non-ASCII, names of the
 * store's own folders and files, and one long enough to be shortened. Each
 * must stay one path component of its own.
 */
export const TRICKY_VARIABLE_NAMES: readonly string[] = [
  'x',
  'x/',
  'x%2F',
  'x%',
  'a',
  'a b',
  'a/b',
  '../x',
  '..',
  '.',
  '%',
  '%2E%2E',
  'sys.pump.flow',
  'u[3]',
  'temperature/°C',
  '温度',
  '🙂 emoji',
  '温度 🙂',
  'segments',
  'merged.ndjson.gz',
  '~tilde',
  `${'long.name/'.repeat(25)}end`,
];
