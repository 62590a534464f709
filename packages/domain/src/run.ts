import { z } from 'zod';
import { runIdSchema } from './names';

export type RunStatus = 'running' | 'completing' | 'completed';
export type CompletionReason = 'requested' | 'idle';
export type RunMeta = Record<string, string | number | boolean | null>;

export interface Run {
  id: string;
  status: RunStatus;
  /** ISO-8601 */
  createdAt: string;
  completedAt?: string;
  reason?: CompletionReason;
  /** Samples written to the run so far, over all its variables. */
  samples: number;
  meta: RunMeta;
  /** The project whose token created the run; absent on runs from before projects (the default one). */
  project?: string;
}

const metaKeySchema = z
  .string()
  .min(1)
  .max(128)
  .refine((k) => k !== '__proto__', 'meta key __proto__ is reserved');

export const createRunBodySchema = z.strictObject({
  id: runIdSchema.optional(),
  meta: z
    .record(metaKeySchema, z.union([z.string().max(1024), z.number(), z.boolean(), z.null()]))
    .refine((m) => Object.keys(m).length <= 64, 'at most 64 meta entries')
    .optional(),
});
export type CreateRunBody = z.infer<typeof createRunBodySchema>;

export const listRunsQuerySchema = z.strictObject({
  status: z.enum(['running', 'completing', 'completed']).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
