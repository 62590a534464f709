import { z } from 'zod';
import { RUN_ID_PATTERN, variableNameProblem } from './names';

// The zod schemas of names, apart from names.ts: browser bundles (the viewer,
// the SDK's Subscriber) use the names' plain checks without zod.

export const runIdSchema = z
  .string()
  .regex(RUN_ID_PATTERN, 'run id must be 1-128 characters of A-Z a-z 0-9 . _ -');

/** Producer ids follow the run-id alphabet: they end up in Redis hash fields. */
export const producerIdSchema = z
  .string()
  .regex(RUN_ID_PATTERN, 'producer id must be 1-128 characters of A-Z a-z 0-9 . _ -');

export const variableNameSchema = z.string().superRefine((name, ctx) => {
  const problem = variableNameProblem(name);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
});
