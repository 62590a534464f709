import type * as nodeCrypto from 'node:crypto';
import { timingSafeEqual } from 'node:crypto';
import { TokenTable, grantOf, tokenDigest, type Access, type TokenGrant } from './token-table';

// Counts the comparisons (the real one does the work): a match must not stop them early.
jest.mock('node:crypto', () => {
  const actual = jest.requireActual<typeof nodeCrypto>('node:crypto');
  return { ...actual, timingSafeEqual: jest.fn(actual.timingSafeEqual) };
});
const compare = jest.mocked(timingSafeEqual);

const grant = (token: string, project: string, access: Access): TokenGrant =>
  grantOf(token, { project, access });

describe('grantOf', () => {
  it('holds the digest, never the token', () => {
    expect(grantOf('abc-token', { project: 'p', access: 'read' }, 'label')).toEqual({
      name: 'label',
      sha256: tokenDigest('abc-token'),
      project: 'p',
      access: 'read',
    });
  });
});

describe('tokenDigest', () => {
  it('is the SHA-256 of the token, as 64 lowercase hex digits', () => {
    // echo -n abc | sha256sum
    expect(tokenDigest('abc')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });
});

describe('TokenTable', () => {
  const table = new TokenTable([
    grant('token-of-acme-0123456789', 'acme', 'read-write'),
    grant('reader-of-acme-0123456789', 'acme', 'read'),
    grant('token-of-globex-0123456789', 'globex', 'read-write'),
  ]);

  it.each([
    ['token-of-acme-0123456789', { project: 'acme', access: 'read-write' }],
    ['reader-of-acme-0123456789', { project: 'acme', access: 'read' }],
    ['token-of-globex-0123456789', { project: 'globex', access: 'read-write' }],
    ['token-of-acme-012345678', undefined],
    ['token-of-acme-0123456789 ', undefined],
    ['', undefined],
  ])('%p → %p', (token, principal) => {
    expect(table.match(token)).toEqual(principal);
  });

  it('gives the first grant of a digest listed twice', () => {
    const twice = new TokenTable([
      grant('same-token-0123456789', 'first', 'read'),
      grant('same-token-0123456789', 'second', 'read-write'),
    ]);
    expect(twice.match('same-token-0123456789')).toEqual({ project: 'first', access: 'read' });
  });

  it('compares with every digest, in constant time, whether or not one matches', () => {
    for (const token of ['token-of-acme-0123456789', 'token-of-globex-0123456789', 'nope']) {
      compare.mockClear();
      table.match(token);
      expect(compare).toHaveBeenCalledTimes(table.size);
    }
  });
});
