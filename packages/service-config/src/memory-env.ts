import { z } from 'zod';
import { belowRule } from './env-rule';

/**
 * Redis memory settings. Ingest and the worker must read them alike: ingest
 * asks for flushes and refuses writes by them, the worker's drain watchdog
 * flushes by them.
 */
export const memoryEnvShape = {
  /** Redis memory (used / limit) over which a flush to S3 is requested (ingest as it writes, the worker's watchdog as it polls). */
  FLUSH_THRESHOLD: z.coerce.number().gt(0).lt(1).default(0.7),
  /**
   * At or over this used/limit ingest answers writes with 503 + Retry-After
   * until a flush frees memory, and the worker's watchdog flushes directly,
   * not through BullMQ: near maxmemory Redis refuses BullMQ's own writes.
   */
  HARD_LIMIT: z.coerce.number().gt(0).lte(1).default(0.9),
  /** The memory limit to measure against when Redis has no maxmemory (bytes; 0 = none). */
  REDIS_MEMORY_BUDGET_BYTES: z.coerce.number().int().min(0).default(0),
};

/** A flush is asked for before writes are refused, never after. */
export const memoryLimitsRule = belowRule('FLUSH_THRESHOLD', 'HARD_LIMIT');
