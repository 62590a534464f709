import { projectNameSchema } from '@runstream/domain';
import { z } from 'zod';
import type { TokenGrant } from './token-table';

const grantSchema = z.strictObject({
  /** A label for people; never used to authorise. */
  name: z.string().min(1).max(128).optional(),
  sha256: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, 'sha256 must be the 64 hex digits of the token\u2019s SHA-256')
    .transform((s) => s.toLowerCase()),
  project: projectNameSchema,
  access: z.enum(['read', 'read-write']),
});

/**
 * The tokens file (RUNSTREAM_TOKENS_FILE): JSON, one entry per token with its
 * digest, project and access. A digest may appear once: two grants for one
 * token would make its project depend on their order.
 */
export const tokenFileSchema = z
  .strictObject({ tokens: z.array(grantSchema) })
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    file.tokens.forEach((grant, i) => {
      if (seen.has(grant.sha256))
        ctx.addIssue({
          code: 'custom',
          path: ['tokens', i, 'sha256'],
          message: 'this digest is listed twice',
        });
      seen.add(grant.sha256);
    });
  });

/** A tokens file that cannot be used; the message names the file and every bad field. */
export class TokenFileError extends Error {
  constructor(path: string, problem: string, options?: { cause?: unknown }) {
    super(`tokens file ${path}: ${problem}`, options);
    this.name = new.target.name;
  }
}

/** Parses a tokens file's text, or throws a TokenFileError naming what is wrong. */
export function parseTokenFile(text: string, path: string): TokenGrant[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new TokenFileError(path, `not valid JSON (${(err as Error).message})`, { cause: err });
  }
  if (holdsPlainToken(json))
    throw new TokenFileError(
      path,
      'an entry has a "token" field: list the token\u2019s SHA-256 digest as "sha256" (npm run token:digest), never the token',
    );
  const parsed = tokenFileSchema.safeParse(json);
  if (!parsed.success)
    throw new TokenFileError(
      path,
      parsed.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`).join('; '),
    );
  return parsed.data.tokens;
}

/** A secret written into the file by mistake is named as such, not as an unknown key. */
function holdsPlainToken(json: unknown): boolean {
  if (typeof json !== 'object' || json === null) return false;
  const tokens = (json as { tokens?: unknown }).tokens;
  return (
    Array.isArray(tokens) &&
    tokens.some((t: unknown) => typeof t === 'object' && t !== null && Object.hasOwn(t, 'token'))
  );
}
