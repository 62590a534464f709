// Test helpers of the domain, for every package's tests (`@runstream/domain/testing`):
// the series computed the obvious way, and seeded random samples.
export * from './random-samples';
export * from './series-reference';
