import { z } from 'zod';

/** The Redis every app talks to. */
export const redisEnvShape = {
  /** Redis holding the hot store and BullMQ's queues (the `{rs}:q` prefix). */
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  /**
   * A Redis Cluster instead of REDIS_URL: 'host:port,host:port', any of its
   * nodes (the rest are discovered). Unset or empty (compose's default):
   * the single Redis at REDIS_URL.
   */
  REDIS_CLUSTER_NODES: z
    .string()
    .regex(
      /^\s*$|^\s*[^\s,:]+:\d{1,5}\s*(,\s*[^\s,:]+:\d{1,5}\s*)*$/,
      'host:port,host:port (the cluster nodes to start from)',
    )
    .optional(),
  /**
   * Longest wait for one Redis command before it fails (a frozen or
   * overloaded Redis): a request answers 503 within about this long instead
   * of hanging. Far above any one command's work (a batch script takes a few ms).
   */
  REDIS_COMMAND_TIMEOUT_MS: z.coerce.number().int().min(50).max(60_000).default(1000),
};
