import { DEFAULT_PROJECT, ForbiddenError, UnauthorizedError } from '@runstream/domain';
import { TokenTable, grantOf, type Principal, type TokenGrant } from './token-table';

export type Scope = 'read' | 'write';

export interface AuthSettings {
  /** Tokens of the default project that may write (and read): the single-project shorthand. */
  writeTokens: string[];
  /** Tokens of the default project that may only read. */
  readTokens: string[];
  /** Development only: every caller is a read-write member of the default project. */
  insecureNoAuth: boolean;
}

const EVERYONE: Principal = { project: DEFAULT_PROJECT, access: 'read-write' };

/**
 * Bearer-token authorisation: a token names a project and what it may do
 * there. Tokens come from the environment (the default project's, as
 * settings) and from the tokens file (any project, as digests; replaced on
 * every reload). Only digests are kept, matched in constant time (TokenTable).
 */
export class Authorizer {
  private readonly settingsGrants: TokenGrant[];
  private table: TokenTable;

  constructor(readonly settings: AuthSettings) {
    const grant = (access: Principal['access']) => (t: string) =>
      grantOf(t, { project: DEFAULT_PROJECT, access });
    this.settingsGrants = [
      ...settings.writeTokens.map(grant('read-write')),
      ...settings.readTokens.map(grant('read')),
    ];
    this.table = new TokenTable(this.settingsGrants);
  }

  /** Puts the tokens file's grants in force beside the settings' (one swap: no request sees half). */
  useTokenFile(grants: readonly TokenGrant[]): void {
    this.table = new TokenTable([...this.settingsGrants, ...grants]);
  }

  /**
   * The caller's project and access; throws UnauthorizedError (no or unknown
   * token) or ForbiddenError (a read-only token asking to write).
   */
  check(token: string | undefined, scope: Scope): Principal {
    if (this.settings.insecureNoAuth) return EVERYONE;
    if (token === undefined || token === '') throw new UnauthorizedError();
    const principal = this.table.match(token);
    if (principal === undefined) throw new UnauthorizedError('the bearer token is not valid');
    if (scope === 'write' && principal.access !== 'read-write')
      throw new ForbiddenError(`this token lacks the 'write' scope`);
    return principal;
  }
}

/** The token of an `Authorization: Bearer <token>` header. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}
