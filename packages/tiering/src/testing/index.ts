// Test helpers for the packages and apps built on the tiers (not for production code).
export { expectMerged } from './expect-merged';
export {
  putSignalMerged,
  putSignalSegments,
  seedCompletedVariable,
  seedFlushedRun,
  seedRunningVariable,
  signalChunk,
  type RunningPlan,
  type SeededVariable,
  type Signal,
} from './long-variable';
export { startTieredStores, type TieredStores, type TieredStoresOptions } from './tiered-stores';
export { waitForManifest } from './wait-for-manifest';
export { MIXED_VALUES, writeSamples, writtenSample, type SampleValues } from './write-samples';
