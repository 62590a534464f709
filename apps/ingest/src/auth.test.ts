import { DEFAULT_PROJECT, ForbiddenError, UnauthorizedError } from '@runstream/domain';
import { Authorizer, bearerToken } from './auth';
import { tokenDigest } from './token-table';

const W = 'write-token-0123456789';
const R = 'read-token-0123456789';

describe('Authorizer', () => {
  const auth = new Authorizer({ writeTokens: [W], readTokens: [R], insecureNoAuth: false });

  it('lets a write token write and read, a read token only read', () => {
    expect(() => auth.check(W, 'write')).not.toThrow();
    expect(() => auth.check(W, 'read')).not.toThrow();
    expect(() => auth.check(R, 'read')).not.toThrow();
    expect(() => auth.check(R, 'write')).toThrow(ForbiddenError);
  });

  it('answers a missing or unknown token with UnauthorizedError', () => {
    expect(() => auth.check(undefined, 'read')).toThrow(UnauthorizedError);
    expect(() => auth.check('', 'read')).toThrow(UnauthorizedError);
    expect(() => auth.check(`${R}x`, 'read')).toThrow(UnauthorizedError);
  });

  it('lets everything through only with the explicit development flag', () => {
    const open = new Authorizer({ writeTokens: [], readTokens: [], insecureNoAuth: true });
    expect(() => open.check(undefined, 'write')).not.toThrow();
    expect(open.check(undefined, 'write')).toEqual({
      project: DEFAULT_PROJECT,
      access: 'read-write',
    });
  });

  it('puts the settings tokens in the default project', () => {
    expect(auth.check(W, 'write')).toEqual({ project: DEFAULT_PROJECT, access: 'read-write' });
    expect(auth.check(R, 'read')).toEqual({ project: DEFAULT_PROJECT, access: 'read' });
  });

  it('takes the tokens file beside the settings, and replaces it on every reload', () => {
    const a = new Authorizer({ writeTokens: [W], readTokens: [], insecureNoAuth: false });
    const acme = 'acme-token-0123456789';
    const globex = 'globex-token-0123456789';
    a.useTokenFile([{ sha256: tokenDigest(acme), project: 'acme', access: 'read' }]);
    expect(a.check(acme, 'read')).toEqual({ project: 'acme', access: 'read' });
    expect(() => a.check(acme, 'write')).toThrow(ForbiddenError);

    a.useTokenFile([{ sha256: tokenDigest(globex), project: 'globex', access: 'read-write' }]);
    expect(() => a.check(acme, 'read')).toThrow(UnauthorizedError);
    expect(a.check(globex, 'write')).toEqual({ project: 'globex', access: 'read-write' });
    expect(a.check(W, 'write')).toEqual({ project: DEFAULT_PROJECT, access: 'read-write' });
  });
});

describe('bearerToken', () => {
  it.each([
    ['Bearer abc', 'abc'],
    ['bearer   abc ', 'abc'],
    ['Basic abc', undefined],
    ['Bearer', undefined],
    [undefined, undefined],
  ])('%p → %p', (header, token) => {
    expect(bearerToken(header)).toBe(token);
  });
});
