import type { RequestHandler, Response } from 'express';
import { bearerToken, type Authorizer, type Scope } from '../auth';
import type { Principal } from '../token-table';

/**
 * Rejects the request (401/403) before its body is read unless its token has
 * `scope`; otherwise keeps who the caller is for the handler (principalOf).
 */
export function requireScope(authorizer: Authorizer, scope: Scope): RequestHandler {
  return (req, res, next) => {
    res.locals.principal = authorizer.check(bearerToken(req.headers.authorization), scope);
    next();
  };
}

/** The caller requireScope let through. */
export function principalOf(res: Response): Principal {
  const principal = res.locals.principal as Principal | undefined;
  if (principal === undefined) throw new Error('principalOf: the route has no requireScope');
  return principal;
}
