export { HotStore } from './hot-store';
export { HotKeys, ACK_WINDOW, ackField } from './keys';
export { RunStore, type RunState } from './run-store';
export { BatchWriter, type WriteReplication, type WriteResult } from './batch-writer';
export {
  HotStoreFullError,
  RedisUnavailableError,
  asRedisUnavailable,
  type RedisTrouble,
} from './redis-unavailable';
export { redisClientOptions } from './redis-client-options';
export { BufferReader } from './buffer-reader';
export { withRunstreamCommands, type RunstreamRedis } from './redis-commands';
export { TransferStore, type Transfer, type TransferSlice } from './transfer-store';
export { chunkRange, parseStoredChunk, storedChunkText } from './stored-chunk';
export {
  decodePackedChunk,
  encodeBody,
  encodePackedChunk,
  packedChunkText,
  storedBytesBound,
} from './packed-chunk';
export {
  fullestOf,
  readMasterMemory,
  readMemory,
  readMastersMemory,
  readNodeMemory,
  nodeName,
  type MemoryReading,
} from './memory-gauge';
export {
  connectRedis,
  isClusterTarget,
  isServing,
  masterNodeFor,
  mastersOf,
  parseClusterNodes,
  queueConnection,
  type RedisClient,
  type RedisTarget,
} from './redis-connection';
export { LiveListeners, type LiveVariable } from './live-listeners';
