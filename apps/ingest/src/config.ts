import { coldStoreCredentialsRule, coldStoreEnvShape } from '@runstream/cold-store';
import {
  insecureNoAuthEnvShape,
  memoryEnvShape,
  memoryLimitsRule,
  parseEnv,
  serviceEnvShape,
} from '@runstream/service-config';
import { DEFAULT_MISSING_RUN_TTL_MS } from '@runstream/tiering';
import { z } from 'zod';
import { DEFAULT_LIMITS } from './ingest-limits';
import { LIVE_ADAPTERS } from './live/live-adapter';

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

/**
 * Every setting of the ingest app, read from the environment once, at boot.
 * The settings other apps read too come from @runstream/service-config and
 * the cold store, each declared (and commented) once there.
 */
export const ingestConfigSchema = z
  .object({
    ...serviceEnvShape({ port: 8080, shutdownTimeoutMs: 10_000 }),
    ...memoryEnvShape,
    ...insecureNoAuthEnvShape,
    /** The cold store (S3, MinIO or a local S3-protocol server) that history is read from. */
    ...coldStoreEnvShape,
    /**
     * Acknowledge a batch only once this many replicas of its Redis master
     * have it (WAIT after the write); 0: once the master has it. A replica
     * that does not confirm within REDIS_WRITE_REPLICAS_TIMEOUT_MS makes the
     * answer 503 (written; the producer's retry is a duplicate).
     */
    REDIS_WRITE_REPLICAS: z.coerce.number().int().min(0).max(5).default(0),
    /** WAIT's timeout, in ms; keep it under REDIS_COMMAND_TIMEOUT_MS. */
    REDIS_WRITE_REPLICAS_TIMEOUT_MS: z.coerce.number().int().min(10).max(30_000).default(500),
    /** Comma-separated bearer tokens of the default project allowed to write (they may read too). */
    RUNSTREAM_WRITE_TOKENS: tokenList,
    /** Comma-separated bearer tokens of the default project allowed to read (history and live). */
    RUNSTREAM_READ_TOKENS: tokenList,
    /**
     * A JSON file of tokens of any project, as SHA-256 digests with their
     * project and access (README, "Tenancy"); re-read when it changes.
     */
    RUNSTREAM_TOKENS_FILE: z
      .string()
      .optional()
      .transform((v) => (v === undefined || v.trim() === '' ? undefined : v)),
    /** How often the tokens file is looked at for a change, in ms. */
    RUNSTREAM_TOKENS_RELOAD_MS: z.coerce.number().int().min(100).max(3_600_000).default(2000),
    /** Largest request body accepted, in bytes (413 above it). */
    INGEST_MAX_BODY_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .default(16 * 1024 * 1024),
    /** Most samples in one socket `snapshot` message (Socket.IO frames stay well under 1 MB). */
    SNAPSHOT_CHUNK_SAMPLES: z.coerce.number().int().min(1).max(100_000).default(5000),
    /** At most one Redis memory reading per this many ms per ingest process. */
    MEMORY_CHECK_MS: z.coerce.number().int().min(10).default(250),
    /**
     * Bytes of S3 reads (pieces, index blocks) kept for every reader of this
     * process: many subscribers of one variable read S3 once.
     */
    READ_CACHE_BYTES: z.coerce
      .number()
      .int()
      .min(0)
      .default(256 * 1024 * 1024),
    /**
     * Most variables in one sample batch (413 above it). A write script blocks
     * Redis for everyone while it runs: ~15 µs per variable (README, "Limits").
     */
    INGEST_MAX_BATCH_VARIABLES: z.coerce
      .number()
      .int()
      .min(1)
      .max(4096)
      .default(DEFAULT_LIMITS.maxBatchVariables),
    /** Most samples in one sample batch (413 above it); bounds the write script's time too. */
    INGEST_MAX_BATCH_SAMPLES: z.coerce
      .number()
      .int()
      .min(1)
      .default(DEFAULT_LIMITS.maxBatchSamples),
    /** Live subscriptions one socket may hold; the next subscribe is refused. */
    INGEST_MAX_SUBSCRIPTIONS_PER_SOCKET: z.coerce
      .number()
      .int()
      .min(1)
      .default(DEFAULT_LIMITS.maxSubscriptionsPerSocket),
    /** Open connections (HTTP and Socket.IO) this process accepts; more are closed at once. */
    INGEST_MAX_CONNECTIONS: z.coerce.number().int().min(1).default(DEFAULT_LIMITS.maxConnections),
    /** Time a client has to send a request's headers (then 408 and the connection closed). */
    INGEST_HEADERS_TIMEOUT_MS: z.coerce
      .number()
      .int()
      .min(100)
      .default(DEFAULT_LIMITS.headersTimeoutMs),
    /** Time a client has to send a whole request, body included (then 408): a slow body cannot hold a connection. */
    INGEST_REQUEST_TIMEOUT_MS: z.coerce
      .number()
      .int()
      .min(100)
      .default(DEFAULT_LIMITS.requestTimeoutMs),
    /** Bytes queued for one slow socket past which it is told to resync instead of queueing more. */
    INGEST_LIVE_MAX_BUFFERED_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .default(DEFAULT_LIMITS.liveMaxBufferedBytes),
    /**
     * How live samples reach subscribers of other ingest replicas: `none` (one
     * process: rooms in its memory), `redis-streams` (the Socket.IO Redis
     * Streams adapter: set it whenever more than one ingest process serves one
     * Redis) or `redis-sharded` (the Redis adapter over sharded pub/sub, kept
     * for comparison: README, "Several ingest replicas").
     */
    LIVE_ADAPTER: z.enum(LIVE_ADAPTERS).default('none'),
    /** How long a run found in neither Redis nor S3 is remembered as missing (no S3 read per lookup). */
    INGEST_MISSING_RUN_CACHE_MS: z.coerce.number().int().min(0).default(DEFAULT_MISSING_RUN_TTL_MS),
  })
  .check(memoryLimitsRule, coldStoreCredentialsRule)
  .refine((c) => c.INGEST_HEADERS_TIMEOUT_MS <= c.INGEST_REQUEST_TIMEOUT_MS, {
    message: 'must not be more than INGEST_REQUEST_TIMEOUT_MS',
    path: ['INGEST_HEADERS_TIMEOUT_MS'],
  })
  .refine(
    (c) =>
      c.RUNSTREAM_INSECURE_NO_AUTH ||
      c.RUNSTREAM_TOKENS_FILE !== undefined ||
      c.RUNSTREAM_WRITE_TOKENS.length + c.RUNSTREAM_READ_TOKENS.length > 0,
    {
      message:
        'set RUNSTREAM_WRITE_TOKENS and/or RUNSTREAM_READ_TOKENS, or RUNSTREAM_TOKENS_FILE, or RUNSTREAM_INSECURE_NO_AUTH=1 for local development',
      path: ['RUNSTREAM_WRITE_TOKENS'],
    },
  );

export type IngestConfig = z.infer<typeof ingestConfigSchema>;

/** Parses the environment; a bad value fails fast naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): IngestConfig {
  return parseEnv(ingestConfigSchema, env, 'ingest');
}
