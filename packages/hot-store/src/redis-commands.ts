import type { Redis } from 'ioredis';
import { CREATE_RUN_LUA } from './scripts/create-run';
import { BEGIN_COMPLETION_LUA, END_COMPLETION_LUA, FORGET_RUN_LUA } from './scripts/run-status';
import { BEGIN_TRANSFER_LUA, END_TRANSFER_LUA } from './scripts/transfer';
import { WRITE_BATCH_LUA } from './scripts/write-batch';

/** The Lua scripts as ioredis commands (EVALSHA, falling back to EVAL once per connection). */
export interface RunstreamCommands {
  rsWriteBatch(numKeys: number, keys: string[], args: string[]): Promise<string[]>;
  rsCreateRun(runKey: string, id: string, createdAt: string, metaJson: string): Promise<number>;
  rsBeginCompletion(runKey: string, reason: string): Promise<string | null>;
  rsEndCompletion(runKey: string, completedAt: string): Promise<string | null>;
  rsForgetRun(numKeys: number, keys: string[]): Promise<number | null>;
  rsBeginTransfer(
    buffer: string,
    transfer: string,
    transfers: string,
    pending: string,
    dirty: string,
    variable: string,
  ): Promise<number | null>;
  rsEndTransfer(
    transfer: string,
    transfers: string,
    pending: string,
    variable: string,
  ): Promise<number>;
}

export type RunstreamRedis = Redis & RunstreamCommands;

export function withRunstreamCommands(redis: Redis): RunstreamRedis {
  redis.defineCommand('rsWriteBatch', { lua: WRITE_BATCH_LUA });
  redis.defineCommand('rsCreateRun', { lua: CREATE_RUN_LUA, numberOfKeys: 1 });
  redis.defineCommand('rsBeginCompletion', { lua: BEGIN_COMPLETION_LUA, numberOfKeys: 1 });
  redis.defineCommand('rsEndCompletion', { lua: END_COMPLETION_LUA, numberOfKeys: 1 });
  redis.defineCommand('rsForgetRun', { lua: FORGET_RUN_LUA });
  redis.defineCommand('rsBeginTransfer', { lua: BEGIN_TRANSFER_LUA, numberOfKeys: 5 });
  redis.defineCommand('rsEndTransfer', { lua: END_TRANSFER_LUA, numberOfKeys: 3 });
  return redis as RunstreamRedis;
}
