import { UnauthorizedError, toErrorBody } from '@runstream/domain';
import type { Request, RequestHandler } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';

export interface BasicCredentials {
  user: string;
  password: string;
}

/**
 * Why a request was turned away: no Authorization header (a browser's first
 * try) or one that is not the configured pair (wrong, malformed, not Basic).
 */
export type AuthFailure = 'missing' | 'invalid';

export interface BasicAuthOptions {
  realm: string;
  /** Told about every refusal (metrics, logs); must not throw. */
  onFailure?: (reason: AuthFailure, req: Request) => void;
}

/**
 * The user and password of an `Authorization: Basic <base64(user:password)>`
 * header (RFC 7617), or undefined when there is none or it is malformed. The
 * password may contain ':'; the user cannot.
 */
export function parseBasicAuth(header: string | undefined): BasicCredentials | undefined {
  if (header === undefined) return undefined;
  const match = /^Basic +([A-Za-z0-9+/]+={0,2}) *$/i.exec(header);
  if (match === null) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

// Digests have one length whatever was sent, which timingSafeEqual needs, and
// comparing them tells an attacker nothing about how long the secret is.
const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** Checks credentials against the one configured pair in constant time. */
export class CredentialsChecker {
  private readonly user: Buffer;
  private readonly password: Buffer;

  constructor(expected: BasicCredentials) {
    this.user = digest(expected.user);
    this.password = digest(expected.password);
  }

  matches(given: BasicCredentials | undefined): boolean {
    // Both halves are compared every time (no &&-short-circuit), so the time
    // taken does not tell a right user name from a wrong one.
    const userOk = timingSafeEqual(digest(given?.user ?? ''), this.user);
    const passwordOk = timingSafeEqual(digest(given?.password ?? ''), this.password);
    return given !== undefined && userOk && passwordOk;
  }
}

/**
 * HTTP Basic in front of everything mounted after it. A refusal is a 401 that
 * makes browsers ask for the password, with the API's one error shape.
 */
export function basicAuth(expected: BasicCredentials, options: BasicAuthOptions): RequestHandler {
  const checker = new CredentialsChecker(expected);
  // A realm with a quote or backslash would break the header's quoted-string.
  if (!/^[\x20-\x7e]*$/.test(options.realm) || /["\\]/.test(options.realm))
    throw new Error(`realm ${JSON.stringify(options.realm)} cannot be sent in a header`);
  const challenge = `Basic realm="${options.realm}"`;
  const body = toErrorBody(
    new UnauthorizedError('this dashboard needs a user name and password (HTTP Basic)'),
  );
  return (req, res, next) => {
    const given = parseBasicAuth(req.headers.authorization);
    if (checker.matches(given)) return next();
    options.onFailure?.(req.headers.authorization === undefined ? 'missing' : 'invalid', req);
    res.setHeader('WWW-Authenticate', challenge);
    res.setHeader('Cache-Control', 'no-store');
    res.status(401).json(body);
  };
}
