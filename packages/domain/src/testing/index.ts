// Test helpers other packages' tests use (`@runstream/domain/testing`): seeded
// random samples and the brute-force series reference.
export * from './random-samples';
export * from './series-reference';
