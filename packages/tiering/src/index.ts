export {
  DEFAULT_FLUSH_SEGMENT_BYTES,
  Flusher,
  type FlushedSegment,
  type FlusherOptions,
  type FlushExecutor,
  type FlushOptions,
  type FlushPoint,
  type FlushReason,
  type FlushReport,
} from './flusher';
export type { SegmentSink } from './segment-sink';
export { TieredHistory } from './tiered-history';
export {
  RedisHistory,
  parsedChunks,
  type ChunkTextSource,
  type ReadOptions,
} from './chunk-text-source';
export { coveringSegment, mergedObject } from './data-objects';
export { MemoryPressure, type MemoryPressureOptions } from './memory-pressure';
export { MasterPressure, type WriteAdmission } from './master-pressure';
export { Merger, type MergeOptions, type MergePoint, type MergeReport } from './merger';
export {
  Compactor,
  nextWindow,
  sizeClass,
  type CompactOptions,
  type CompactPoint,
  type CompactReason,
  type CompactReport,
} from './compactor';
export { CompactionTrigger } from './compaction-trigger';
export { buildPyramid, joinPyramids, PyramidBuilder } from './pyramid';
export { joinedMembers, planJoin, type JoinInput, type JoinPlan } from './object-join';
export { coveringInputs, segmentChain } from './segment-chain';
export {
  compactFraction,
  flushFraction,
  mergeFraction,
  MERGE_PHASES,
  type CompactProgress,
  type FlushProgress,
  type MergePhase,
  type MergeProgress,
} from './progress';
export { DEFAULT_MISSING_RUN_TTL_MS, RunCatalog, type RunCatalogOptions } from './run-catalog';
export { damagedObject, isFormatError, type DamageReporter } from './damaged-data';
export { mapWithConcurrency } from './bounded-concurrency';
export { SeriesReader, type SeriesRange, type SeriesResult } from './series-reader';
export { TimeSeek } from './time-seek';
