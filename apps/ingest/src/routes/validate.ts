import { ValidationError, issuesOf, runIdSchema, variableNameSchema } from '@runstream/domain';
import type { z } from 'zod';

/** Parses `input` with `schema`, or throws ValidationError naming the fields, under `where`. */
export function validate<S extends z.ZodType>(
  schema: S,
  input: unknown,
  where: string,
): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issues = issuesOf(parsed.error, [where]);
  throw new ValidationError(
    `${issues[0]?.path ?? where}: ${issues[0]?.message ?? 'invalid'}`,
    issues,
  );
}

export const runParam = (value: unknown): string => validate(runIdSchema, value, 'run');
export const variableParam = (value: unknown): string =>
  validate(variableNameSchema, value, 'variable');
