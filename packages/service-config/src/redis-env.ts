import { z } from 'zod';

/** The Redis every app talks to. */
export const redisEnvShape = {
  /** Redis holding the hot store and BullMQ's queues (the `{rs}:q` prefix). */
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
};
