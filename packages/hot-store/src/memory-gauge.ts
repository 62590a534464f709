import type { Redis } from 'ioredis';

export interface MemoryReading {
  usedBytes: number;
  /** maxmemory, or the configured budget when Redis has no maxmemory. */
  limitBytes: number;
  /** used / limit; 0 when there is no limit at all. */
  ratio: number;
}

/** Reads `INFO memory` (per node: on a cluster, ask each master). */
export async function readMemory(redis: Redis, budgetBytes = 0): Promise<MemoryReading> {
  const info = await redis.info('memory');
  const field = (name: string): number =>
    Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1] ?? 0);
  const usedBytes = field('used_memory');
  const maxmemory = field('maxmemory');
  const limitBytes = maxmemory > 0 ? maxmemory : budgetBytes;
  return { usedBytes, limitBytes, ratio: limitBytes > 0 ? usedBytes / limitBytes : 0 };
}
