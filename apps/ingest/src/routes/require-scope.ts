import type { RequestHandler } from 'express';
import { bearerToken, type Authorizer, type Scope } from '../auth';

/** Rejects the request (401/403) before its body is read unless its token has `scope`. */
export function requireScope(authorizer: Authorizer, scope: Scope): RequestHandler {
  return (req, _res, next) => {
    authorizer.check(bearerToken(req.headers.authorization), scope);
    next();
  };
}
