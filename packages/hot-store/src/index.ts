export { HotStore } from './hot-store';
export { HotKeys, ACK_WINDOW, ackField } from './keys';
export { RunStore } from './run-store';
export { BatchWriter, HotStoreFullError, type WriteResult } from './batch-writer';
export { BufferReader } from './buffer-reader';
export { withRunstreamCommands, type RunstreamRedis } from './redis-commands';
export { TransferStore, chunkRange, type Transfer } from './transfer-store';
export { readMemory, type MemoryReading } from './memory-gauge';
