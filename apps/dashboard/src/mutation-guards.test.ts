import { RunstreamError } from '@runstream/domain';
import type { Request, Response } from 'express';
import { readOnlyGuard, sameSiteActionsOnly } from './mutation-guards';

/** Runs a middleware on a bare request; returns what it passed to next() and the headers it set. */
function run(
  guard: ReturnType<typeof readOnlyGuard>,
  method: string,
  headers: Record<string, string> = {},
): { passed: unknown; headers: Record<string, string> } {
  const set: Record<string, string> = {};
  const res = { setHeader: (k: string, v: string) => (set[k] = v) } as unknown as Response;
  let passed: unknown = 'next() not called';
  void guard({ method, headers } as Request, res, (err?: unknown) => {
    passed = err;
  });
  return { passed, headers: set };
}

describe('readOnlyGuard', () => {
  it.each(['GET', 'HEAD'])('lets %s through', (method) => {
    expect(run(readOnlyGuard(), method).passed).toBeUndefined();
  });

  it.each(['PUT', 'POST', 'PATCH', 'DELETE', 'OPTIONS'])('refuses %s with 405', (method) => {
    const { passed, headers } = run(readOnlyGuard(), method);
    expect(passed).toBeInstanceOf(RunstreamError);
    expect(passed).toMatchObject({ code: 'read_only', httpStatus: 405 });
    expect(headers).toEqual({ Allow: 'GET, HEAD' });
  });
});

describe('sameSiteActionsOnly', () => {
  it('lets reads through from anywhere', () => {
    expect(run(sameSiteActionsOnly(), 'GET', { 'sec-fetch-site': 'cross-site' }).passed).toBe(
      undefined,
    );
  });

  it('lets actions through from the board itself and from non-browser clients', () => {
    expect(run(sameSiteActionsOnly(), 'PUT', { 'sec-fetch-site': 'same-origin' }).passed).toBe(
      undefined,
    );
    expect(run(sameSiteActionsOnly(), 'PUT').passed).toBeUndefined();
  });

  it.each(['cross-site', 'same-site', 'none'])(
    'refuses an action a browser sends with Sec-Fetch-Site: %s',
    (site) => {
      expect(run(sameSiteActionsOnly(), 'PUT', { 'sec-fetch-site': site }).passed).toMatchObject({
        code: 'forbidden',
        httpStatus: 403,
      });
    },
  );
});
