import { ForbiddenError, UnauthorizedError } from '@runstream/domain';
import { Authorizer, bearerToken } from './auth';

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
