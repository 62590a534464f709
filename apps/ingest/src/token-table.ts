import { createHash, timingSafeEqual } from 'node:crypto';

/** What a token may do within its project: `read-write` may also read. */
export type Access = 'read' | 'read-write';

/** Who a request is: the project its token belongs to, and what it may do there. */
export interface Principal {
  project: string;
  access: Access;
}

/** One token as configured: never the token itself, only its SHA-256 digest. */
export interface TokenGrant extends Principal {
  /** SHA-256 of the token's UTF-8 bytes, 64 lowercase hex digits. */
  sha256: string;
  /** A label for people (which CI, which user); never used to authorise. */
  name?: string;
}

/** The digest a token is configured by (`npm run token:digest` prints it). */
export function tokenDigest(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The grant of `token`: what goes into the tokens file (or stands for a settings token). */
export function grantOf(token: string, principal: Principal, name?: string): TokenGrant {
  return {
    ...(name !== undefined ? { name } : {}),
    sha256: tokenDigest(token),
    project: principal.project,
    access: principal.access,
  };
}

/**
 * The tokens one ingest process accepts, as digests. A token is found by
 * comparing its digest with every configured digest in constant time, and
 * without stopping at a match: how long a look-up takes says nothing of
 * which digest (if any) matched, or how much of it.
 */
export class TokenTable {
  private readonly entries: readonly { digest: Buffer; principal: Principal }[];

  constructor(grants: readonly TokenGrant[]) {
    this.entries = grants.map((g) => ({
      digest: Buffer.from(g.sha256, 'hex'),
      principal: { project: g.project, access: g.access },
    }));
  }

  get size(): number {
    return this.entries.length;
  }

  /** The principal of `token`, or undefined for a token not configured. The first grant wins. */
  match(token: string): Principal | undefined {
    const digest = createHash('sha256').update(token, 'utf8').digest();
    let found: Principal | undefined;
    for (const entry of this.entries) {
      // Every entry is compared whatever came before: no early exit.
      const equal = timingSafeEqual(entry.digest, digest);
      if (equal && found === undefined) found = entry.principal;
    }
    return found;
  }
}
