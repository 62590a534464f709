import { loadLuaScripts } from './lua-scripts';
import type { RedisClient } from './redis-connection';

/**
 * The Lua scripts (`scripts/*.lua`, whose headers document each one's KEYS,
 * ARGV and returns) as ioredis commands (EVALSHA, falling back to EVAL once
 * per connection).
 */
export interface RunstreamCommands {
  rsWriteBatch(numKeys: number, keys: string[], args: (string | Buffer)[]): Promise<string[]>;
  rsCreateRun(
    runKey: string,
    id: string,
    createdAt: string,
    metaJson: string,
    project?: string,
  ): Promise<number>;
  rsBeginCompletion(runKey: string, reason: string): Promise<string | null>;
  rsEndCompletion(runKey: string, completedAt: string): Promise<string | null>;
  rsClaimCompletionTime(runKey: string, completedAt: string): Promise<string | null>;
  rsForgetRun(numKeys: number, keys: string[]): Promise<number | null>;
  rsBeginTransfer(
    buffer: string,
    transfer: string,
    transfers: string,
    pending: string,
    dirty: string,
    run: string,
    variable: string,
  ): Promise<number | null>;
  rsEndTransfer(
    transfer: string,
    transfers: string,
    pending: string,
    variable: string,
  ): Promise<number>;
  rsTrimTransfer(
    transfer: string,
    transfers: string,
    sliceFirst: number,
    chunks: number,
    nextFirst: number,
  ): Promise<number>;
  /** [index of the first entry, ...entries]; [] for an empty list. */
  rsReadChunks(list: string, fromSeq: number, count: number): Promise<(number | string)[]>;
}

/** Commands whose replies are chunk bytes: ioredis defines a `…Buffer` twin of every command. */
export interface RunstreamBufferCommands {
  rsReadChunksBuffer(list: string, fromSeq: number, count: number): Promise<(number | Buffer)[]>;
}

export type RunstreamRedis = RedisClient & RunstreamCommands & RunstreamBufferCommands;

/** Read once, when the package loads: a build that lost them fails at start, not at a first write. */
const SCRIPTS = loadLuaScripts();

export function withRunstreamCommands(redis: RedisClient): RunstreamRedis {
  for (const { command, lua, numberOfKeys } of SCRIPTS) {
    redis.defineCommand(command, { lua, numberOfKeys });
  }
  return redis as RunstreamRedis;
}
