import { ForbiddenError, UnauthorizedError } from '@runstream/domain';
import { createHash } from 'node:crypto';

export type Scope = 'read' | 'write';

export interface AuthSettings {
  writeTokens: string[];
  readTokens: string[];
  /** Development only: every caller gets every scope. */
  insecureNoAuth: boolean;
}

const digest = (token: string): string => createHash('sha256').update(token).digest('hex');

/**
 * Bearer-token authorisation. Tokens are kept as SHA-256 digests and looked up
 * by the digest of what the caller sent, so the comparison leaks nothing useful
 * through timing. A write token may also read.
 */
export class Authorizer {
  private readonly scopes = new Map<string, Set<Scope>>();

  constructor(readonly settings: AuthSettings) {
    for (const t of settings.readTokens) this.scopes.set(digest(t), new Set(['read']));
    for (const t of settings.writeTokens) this.scopes.set(digest(t), new Set(['read', 'write']));
  }

  /** Throws UnauthorizedError (no or unknown token) or ForbiddenError (token lacks the scope). */
  check(token: string | undefined, scope: Scope): void {
    if (this.settings.insecureNoAuth) return;
    if (token === undefined || token === '') throw new UnauthorizedError();
    const granted = this.scopes.get(digest(token));
    if (granted === undefined) throw new UnauthorizedError('the bearer token is not valid');
    if (!granted.has(scope)) throw new ForbiddenError(`this token lacks the '${scope}' scope`);
  }
}

/** The token of an `Authorization: Bearer <token>` header. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}
