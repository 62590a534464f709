import { z } from 'zod';

/**
 * A rule across variables of one fragment (FLUSH_THRESHOLD below
 * HARD_LIMIT, both S3 keys or neither), for an app's schema to run with
 * `.check(rule)`. It runs whenever its own `variables` parsed, even when
 * others did not, so one error names every problem at once (zod would skip
 * a plain refinement after the first bad variable anywhere).
 */
export function envRule<T extends object>(
  variables: readonly (keyof T & string)[],
  rule: (env: T, ctx: z.RefinementCtx<T>) => void,
): z.core.$ZodCheck<T> {
  const own = new Set<PropertyKey>(variables);
  return z.superRefine<T>(rule, {
    // An issue without a path is the environment itself not being an object.
    when: (payload) =>
      payload.issues.every((issue) => {
        const variable = issue.path?.[0];
        return variable !== undefined && !own.has(variable);
      }),
  });
}

/** `lower` must stay below `upper` (e.g. FLUSH_THRESHOLD below HARD_LIMIT); the issue names `lower`. */
export function belowRule<L extends string, U extends string>(
  lower: L,
  upper: U,
): z.core.$ZodCheck<Record<L | U, number>> {
  return envRule<Record<L | U, number>>([lower, upper], (env, ctx) => {
    if (env[lower] >= env[upper])
      ctx.addIssue({
        code: 'custom',
        path: [lower],
        message: `must be below ${upper} (${env[upper]})`,
      });
  });
}
