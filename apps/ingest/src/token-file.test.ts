import { parseTokenFile, TokenFileError } from './token-file';
import { tokenDigest } from './token-table';

const A = tokenDigest('token-a-0123456789');
const B = tokenDigest('token-b-0123456789');

const file = (tokens: unknown): string => JSON.stringify({ tokens });

describe('parseTokenFile', () => {
  it('reads each entry: digest (any case, kept lowercase), project, access, optional name', () => {
    const grants = parseTokenFile(
      file([
        { sha256: A.toUpperCase(), project: 'acme', access: 'read-write', name: 'acme CI' },
        { sha256: B, project: 'globex', access: 'read' },
      ]),
      'tokens.json',
    );
    expect(grants).toEqual([
      { sha256: A, project: 'acme', access: 'read-write', name: 'acme CI' },
      { sha256: B, project: 'globex', access: 'read' },
    ]);
  });

  it('accepts a file with no tokens', () => {
    expect(parseTokenFile(file([]), 'tokens.json')).toEqual([]);
  });

  it.each([
    ['not JSON', '{"tokens": [', /tokens\.json: not valid JSON/],
    ['no tokens list', '{}', /tokens: /],
    ['a list at the top', '[]', /\(file\)/],
    [
      'a short digest',
      file([{ sha256: 'abc', project: 'p', access: 'read' }]),
      /tokens\.0\.sha256/,
    ],
    ['no project', file([{ sha256: A, access: 'read' }]), /tokens\.0\.project/],
    [
      'a project outside the run-id alphabet',
      file([{ sha256: A, project: 'a/b', access: 'read' }]),
      /tokens\.0\.project/,
    ],
    [
      'an unknown access',
      file([{ sha256: A, project: 'p', access: 'admin' }]),
      /tokens\.0\.access/,
    ],
    ['an unknown field', file([{ sha256: A, project: 'p', access: 'read', x: 1 }]), /tokens\.0/],
    [
      'a digest listed twice',
      file([
        { sha256: A, project: 'p', access: 'read' },
        { sha256: A.toUpperCase(), project: 'q', access: 'read' },
      ]),
      /tokens\.1\.sha256: this digest is listed twice/,
    ],
  ])('refuses %s, naming the field', (_what, text, message) => {
    expect(() => parseTokenFile(text, 'tokens.json')).toThrow(TokenFileError);
    expect(() => parseTokenFile(text, 'tokens.json')).toThrow(message);
  });

  it('refuses a token written in the clear, and does not repeat it', () => {
    const secret = 'plain-secret-0123456789';
    const text = file([{ token: secret, project: 'p', access: 'read' }]);
    expect(() => parseTokenFile(text, 'tokens.json')).toThrow(/never the token/);
    try {
      parseTokenFile(text, 'tokens.json');
    } catch (err) {
      expect((err as Error).message).not.toContain(secret);
    }
  });
});
