import type { Redis } from 'ioredis';
import { mastersOf, type RedisClient } from './redis-connection';

export interface MemoryReading {
  usedBytes: number;
  /** maxmemory, or the configured budget when Redis has no maxmemory. */
  limitBytes: number;
  /** used / limit; 0 when there is no limit at all. */
  ratio: number;
  /** The node read ('host:port'): on a cluster, the master it stands for. */
  node?: string;
}

/** 'host:port' of one node, as ioredis's cluster slot map names it. */
export function nodeName(node: Redis): string {
  return `${node.options.host ?? '127.0.0.1'}:${node.options.port ?? 6379}`;
}

/** Reads one node's `INFO memory`; `budgetBytes` stands in for a missing maxmemory. */
export async function readNodeMemory(node: Redis, budgetBytes = 0): Promise<MemoryReading> {
  const info = await node.info('memory');
  const field = (name: string): number =>
    Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1] ?? 0);
  const usedBytes = field('used_memory');
  const maxmemory = field('maxmemory');
  const limitBytes = maxmemory > 0 ? maxmemory : budgetBytes;
  return {
    usedBytes,
    limitBytes,
    ratio: limitBytes > 0 ? usedBytes / limitBytes : 0,
    node: nodeName(node),
  };
}

/**
 * Every master's memory (one reading on a single node). Each master holds
 * its own slots' runs and fills on its own: the budget applies per master.
 */
export function readMastersMemory(redis: RedisClient, budgetBytes = 0): Promise<MemoryReading[]> {
  return Promise.all(mastersOf(redis).map((node) => readNodeMemory(node, budgetBytes)));
}

/**
 * The fullest master's memory (the single node's on a single node): what a
 * flush or the drain watchdog judges pressure by, since one full master
 * refuses the writes of every run it holds.
 */
export async function readMemory(redis: RedisClient, budgetBytes = 0): Promise<MemoryReading> {
  return fullestOf(await readMastersMemory(redis, budgetBytes));
}

/** The reading with the highest ratio; throws on none (a cluster whose slot map has no master). */
export function fullestOf(readings: readonly MemoryReading[]): MemoryReading {
  let fullest = readings[0];
  for (const r of readings) if (fullest === undefined || r.ratio > fullest.ratio) fullest = r;
  if (fullest === undefined) throw new Error('no Redis master to read memory from');
  return fullest;
}

/** One master's memory, by name ('host:port'); rejects when it is no longer a master. */
export function readMasterMemory(
  redis: RedisClient,
  node: string,
  budgetBytes = 0,
): Promise<MemoryReading> {
  const master = mastersOf(redis).find((m) => nodeName(m) === node);
  if (master === undefined) return Promise.reject(new Error(`${node} is not a Redis master now`));
  return readNodeMemory(master, budgetBytes);
}
