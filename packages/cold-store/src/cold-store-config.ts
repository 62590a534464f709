import type { S3ClientConfig } from '@aws-sdk/client-s3';
import { envRule, optionalEnvFlag, parseEnv } from '@runstream/service-config';
import { z } from 'zod';
import { keyPrefixProblem } from './object-keys';

/** Settings of the cold store; the same shape works for AWS S3, MinIO and s3rver. */
export interface ColdStoreConfig {
  bucket: string;
  /** Signing region; S3-compatible servers accept any, AWS needs the bucket's. */
  region: string;
  /** Unset for AWS S3; `http://minio:9000` or s3rver's URL otherwise. */
  endpoint?: string;
  /** `bucket` in the path instead of the host name: needed by MinIO and s3rver. */
  forcePathStyle: boolean;
  /** Unset: the SDK's default provider chain (env, profile, instance or task role…). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Prepended to every key, e.g. `runstream/` (see object-keys.ts); default ''. */
  keyPrefix?: string;
  /** Multipart part size in bytes; S3's minimum is 5 MiB. Default 8 MiB. */
  partSizeBytes?: number;
  /** Parts uploaded at once; an upload buffers up to partSize × this. Default 4. */
  uploadQueueSize?: number;
  /** SDK attempts per request (first try included); default 3. */
  maxAttempts?: number;
  /** Give up connecting after this long; default 5 s. */
  connectTimeoutMs?: number;
  /**
   * Give up on a socket idle this long; default 60 s. A GetObject stream that
   * its reader leaves paused this long fails too: read objects one at a time.
   */
  idleTimeoutMs?: number;
  /** Bound of the read cache (pieces, index blocks) in bytes; default 256 MiB. */
  readCacheBytes?: number;
}

export const MIN_PART_SIZE_BYTES = 5 * 1024 * 1024;
export const DEFAULT_PART_SIZE_BYTES = 8 * 1024 * 1024;
export const DEFAULT_UPLOAD_QUEUE_SIZE = 4;

/**
 * The S3Client options for `config`. Checksums only WHEN_REQUIRED: since
 * SDK 3.729 the default adds CRC32 checksums (and aws-chunked trailers) to
 * every upload, which S3-compatible servers reject or mishandle; S3 itself
 * still verifies Content-MD5/checksums where an operation requires one
 * (DeleteObjects).
 */
export function s3ClientOptions(config: ColdStoreConfig): S3ClientConfig {
  return {
    region: config.region,
    forcePathStyle: config.forcePathStyle,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: config.maxAttempts ?? 3,
    requestHandler: {
      connectionTimeout: config.connectTimeoutMs ?? 5_000,
      socketTimeout: config.idleTimeoutMs ?? 60_000,
    },
    ...(config.endpoint !== undefined ? { endpoint: config.endpoint } : {}),
    // A copy: the SDK writes bookkeeping ($source) into the object it is given,
    // which fails on a frozen one and would leak into the caller's config.
    ...(config.credentials !== undefined ? { credentials: { ...config.credentials } } : {}),
  };
}

const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v === '' ? undefined : v));

/**
 * The cold store's environment variables, as a zod shape an app spreads into
 * its own config schema (`z.object({ ...coldStoreEnvShape, PORT: … })`,
 * with `.check(coldStoreCredentialsRule)`) so `process.env` is still read
 * once, in the app's config.ts.
 */
export const coldStoreEnvShape = {
  /** S3-compatible endpoint URL (MinIO, s3rver); unset for AWS S3. */
  S3_ENDPOINT: optionalText.pipe(z.url().optional()),
  /** Signing region; any value for MinIO/s3rver. */
  S3_REGION: z.string().min(1).default('us-east-1'),
  /** The bucket holding segments and merged objects. */
  S3_BUCKET: z
    .string({ error: 'S3_BUCKET is required' })
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name (3-63 of a-z 0-9 . -)'),
  /** Static credentials' key id; leave it and the secret unset for the SDK's default provider chain. */
  S3_ACCESS_KEY_ID: optionalText,
  /** Static credentials' secret, set together with S3_ACCESS_KEY_ID. */
  S3_SECRET_ACCESS_KEY: optionalText,
  /** Path-style URLs; default: on when S3_ENDPOINT is set (MinIO, s3rver), off for AWS. */
  S3_FORCE_PATH_STYLE: optionalEnvFlag,
  /** Optional key prefix ending in "/", e.g. "runstream/", to share a bucket. */
  S3_KEY_PREFIX: z
    .string()
    .default('')
    .superRefine((prefix, ctx) => {
      const problem = keyPrefixProblem(prefix);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
    }),
};

export type ColdStoreEnv = z.output<z.ZodObject<typeof coldStoreEnvShape>>;

/** Half a static key pair would quietly fall back to the default provider chain. */
export const coldStoreCredentialsRule = envRule<ColdStoreEnv>(
  ['S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'],
  (env, ctx) => {
    if ((env.S3_ACCESS_KEY_ID === undefined) !== (env.S3_SECRET_ACCESS_KEY === undefined))
      ctx.addIssue({
        code: 'custom',
        path: [env.S3_ACCESS_KEY_ID === undefined ? 'S3_ACCESS_KEY_ID' : 'S3_SECRET_ACCESS_KEY'],
        message: 'set both S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY, or neither',
      });
  },
);

export const coldStoreEnvSchema = z.object(coldStoreEnvShape).check(coldStoreCredentialsRule);

/** The config an already parsed environment describes. */
export function coldStoreConfigFromEnv(env: ColdStoreEnv): ColdStoreConfig {
  return {
    bucket: env.S3_BUCKET,
    region: env.S3_REGION,
    forcePathStyle: env.S3_FORCE_PATH_STYLE ?? env.S3_ENDPOINT !== undefined,
    keyPrefix: env.S3_KEY_PREFIX,
    ...(env.S3_ENDPOINT !== undefined ? { endpoint: env.S3_ENDPOINT } : {}),
    ...(env.S3_ACCESS_KEY_ID !== undefined && env.S3_SECRET_ACCESS_KEY !== undefined
      ? {
          credentials: {
            accessKeyId: env.S3_ACCESS_KEY_ID,
            secretAccessKey: env.S3_SECRET_ACCESS_KEY,
          },
        }
      : {}),
  };
}

/**
 * The environment variables that give `config` back (the inverse of
 * coldStoreConfigFromEnv): how tests and the bench hand an S3 server to an
 * app that reads its settings from the environment.
 */
export function coldStoreEnvOf(
  config: Pick<
    ColdStoreConfig,
    'bucket' | 'region' | 'endpoint' | 'forcePathStyle' | 'credentials' | 'keyPrefix'
  >,
): Record<string, string> {
  return {
    S3_BUCKET: config.bucket,
    S3_REGION: config.region,
    S3_FORCE_PATH_STYLE: config.forcePathStyle ? '1' : '0',
    ...(config.endpoint !== undefined ? { S3_ENDPOINT: config.endpoint } : {}),
    ...(config.keyPrefix !== undefined ? { S3_KEY_PREFIX: config.keyPrefix } : {}),
    ...(config.credentials !== undefined
      ? {
          S3_ACCESS_KEY_ID: config.credentials.accessKeyId,
          S3_SECRET_ACCESS_KEY: config.credentials.secretAccessKey,
        }
      : {}),
  };
}

/**
 * Parses the cold store's variables out of `env` (pass the app's
 * `process.env`); a bad value fails fast naming the variable.
 */
export function parseColdStoreEnv(env: Record<string, string | undefined>): ColdStoreConfig {
  return coldStoreConfigFromEnv(parseEnv(coldStoreEnvSchema, env, 'cold store'));
}
