import { z } from 'zod';
import { runIdSchema } from './name-schemas';

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
  /**
   * The run's stored meta could not be read (not JSON, or not a meta object:
   * damaged in Redis by hand or by a bug); `meta` is then `{}`. The run is
   * served and listed all the same, and says so.
   */
  metaDamaged?: true;
  /** The project whose token created the run; absent on runs from before projects (the default one). */
  project?: string;
}

export const MAX_META_ENTRIES = 64;

const isPlainObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

/**
 * A meta object walked by hand, not with z.record: a record schema silently
 * drops a key named `__proto__`, and every key must come back as it was
 * sent. The object itself is kept (JSON.parse gives `__proto__` as an own
 * key; a copy by assignment would turn it into a prototype).
 */
function metaSchema(
  key: z.ZodType<string>,
  value: z.ZodType<RunMeta[string]>,
  maxEntries = Infinity,
): z.ZodType<RunMeta> {
  return z.custom<RunMeta>(isPlainObject, 'meta must be an object').superRefine((meta, ctx) => {
    const keys = Object.keys(meta);
    if (keys.length > maxEntries)
      ctx.addIssue({ code: 'custom', message: `at most ${maxEntries} meta entries` });
    for (const k of keys) {
      for (const [schema, input, where] of [
        [key, k, 'key'],
        [value, meta[k], 'value'],
      ] as const) {
        const parsed = schema.safeParse(input);
        if (!parsed.success)
          for (const issue of parsed.error.issues)
            ctx.addIssue({ code: 'custom', path: [k], message: `${where}: ${issue.message}` });
      }
    }
  });
}

/** Meta as a run holds it (e.g. in its manifest): whatever its creation accepted. */
export const storedMetaSchema = metaSchema(
  z.string(),
  z.union([z.string(), z.number(), z.boolean(), z.null()]),
);

/** A run's meta as stored (JSON text), or undefined when that text is not a meta object. */
export function parseStoredMeta(text: string): RunMeta | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  const meta = storedMetaSchema.safeParse(parsed);
  return meta.success ? meta.data : undefined;
}

export const createRunBodySchema = z.strictObject({
  id: runIdSchema.optional(),
  meta: metaSchema(
    z.string().min(1).max(128),
    z.union([z.string().max(1024), z.number(), z.boolean(), z.null()]),
    MAX_META_ENTRIES,
  ).optional(),
});
export type CreateRunBody = z.infer<typeof createRunBodySchema>;

export const listRunsQuerySchema = z.strictObject({
  status: z.enum(['running', 'completing', 'completed']).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
