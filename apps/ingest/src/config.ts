import { coldStoreEnvShape } from '@runstream/cold-store';
import { z } from 'zod';

const tokenList = z
  .string()
  .default('')
  .transform((s) =>
    s
      .split(',')
      .map((t) => t.trim())
      .filter((t) => t.length > 0),
  )
  .refine(
    (tokens) => tokens.every((t) => t.length >= 16),
    'every token must be at least 16 characters',
  );

const flag = z
  .enum(['', '0', '1', 'true', 'false'])
  .default('')
  .transform((v) => v === '1' || v === 'true');

/** Every setting of the ingest app, read from the environment once, at boot. */
export const ingestConfigSchema = z
  .object({
    /** Port of the HTTP API and Socket.IO. */
    PORT: z.coerce.number().int().min(0).max(65535).default(8080),
    /** Interface to listen on. */
    HOST: z.string().default('0.0.0.0'),
    /** Redis holding the hot store. */
    REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
    /** Comma-separated bearer tokens allowed to write (they may read too). */
    RUNSTREAM_WRITE_TOKENS: tokenList,
    /** Comma-separated bearer tokens allowed to read (history and live). */
    RUNSTREAM_READ_TOKENS: tokenList,
    /** Development only: accept every request without a token. Logged loudly. */
    RUNSTREAM_INSECURE_NO_AUTH: flag,
    /** Largest request body accepted, in bytes (413 above it). */
    INGEST_MAX_BODY_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .default(16 * 1024 * 1024),
    /** Most samples in one socket `snapshot` message (Socket.IO frames stay well under 1 MB). */
    SNAPSHOT_CHUNK_SAMPLES: z.coerce.number().int().min(1).max(100_000).default(5000),
    /** pino level. */
    LOG_LEVEL: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info'),
    /** How long a graceful shutdown may take before the process exits anyway. */
    SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).default(10_000),
    /** Redis memory (used / maxmemory) over which a flush to S3 is requested. */
    FLUSH_THRESHOLD: z.coerce.number().gt(0).lt(1).default(0.7),
    /** Redis memory at or over which writes get 503 + Retry-After until a flush frees memory. */
    HARD_LIMIT: z.coerce.number().gt(0).lte(1).default(0.9),
    /** The memory limit to measure against when Redis has no maxmemory (bytes; 0 = none). */
    REDIS_MEMORY_BUDGET_BYTES: z.coerce.number().int().min(0).default(0),
    /** At most one Redis memory reading per this many ms per ingest process. */
    MEMORY_CHECK_MS: z.coerce.number().int().min(10).default(250),
    /** The cold store (S3, MinIO or a local S3-protocol server) that history is read from. */
    ...coldStoreEnvShape,
  })
  .refine((c) => c.FLUSH_THRESHOLD < c.HARD_LIMIT, {
    message: 'FLUSH_THRESHOLD must be below HARD_LIMIT',
    path: ['FLUSH_THRESHOLD'],
  })
  .refine(
    (c) =>
      c.RUNSTREAM_INSECURE_NO_AUTH ||
      c.RUNSTREAM_WRITE_TOKENS.length + c.RUNSTREAM_READ_TOKENS.length > 0,
    {
      message:
        'set RUNSTREAM_WRITE_TOKENS and/or RUNSTREAM_READ_TOKENS, or RUNSTREAM_INSECURE_NO_AUTH=1 for local development',
      path: ['RUNSTREAM_WRITE_TOKENS'],
    },
  );

export type IngestConfig = z.infer<typeof ingestConfigSchema>;

/** Parses the environment; a bad value fails fast naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): IngestConfig {
  const parsed = ingestConfigSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid ingest configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}
