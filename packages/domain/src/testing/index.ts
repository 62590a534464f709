// Test helpers of the domain, for every package's tests (`@runstream/domain/testing`):
// the series computed the obvious way, seeded random samples, batches as plain data.
export * from './random-samples';
export * from './series-reference';
export { plainBatch } from './plain-batch';
