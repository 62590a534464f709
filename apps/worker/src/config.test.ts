import { ageFlushOlderThanMs, loadConfig } from './config';

const s3 = { S3_BUCKET: 'runstream-test' };

describe('loadConfig', () => {
  it('has defaults for everything but the bucket', () => {
    const c = loadConfig(s3);
    expect(c).toMatchObject({
      REDIS_URL: 'redis://127.0.0.1:6379',
      WORKER_QUEUES: ['flush', 'merge', 'observe', 'compact'],
      FLUSH_CONCURRENCY: 1,
      MERGE_CONCURRENCY: 1,
      MERGE_VARIABLE_CONCURRENCY: 4,
      MERGE_QUIESCENCE_MS: 1000,
      OBSERVE_CONCURRENCY: 10,
      COMPACT_SEGMENTS: 16,
      COMPACT_FANIN: 8,
      COMPACT_CONCURRENCY: 1,
      OBSERVER_INTERVAL_MS: 60_000,
      OBSERVER_REPEATS: 5,
      OBSERVER_DELAY_STRATEGY: 'constant',
      FLUSH_LOW_WATER: 0.5,
      FLUSH_THRESHOLD: 0.7,
      HARD_LIMIT: 0.9,
      REDIS_MEMORY_BUDGET_BYTES: 0,
      DRAIN_CHECK_MS: 1000,
      JOB_LOCK_MS: 30_000,
      JOB_STALLED_CHECK_MS: 30_000,
      FLUSH_MAX_AGE_S: 600,
      FLUSH_AGE_CHECK_MS: 30_000,
      SWEEP_INTERVAL_MS: 60_000,
      PORT: 8081,
      HOST: '0.0.0.0',
      LOG_LEVEL: 'info',
      SHUTDOWN_TIMEOUT_MS: 30_000,
      S3_BUCKET: 'runstream-test',
      S3_REGION: 'us-east-1',
    });
    expect(c.RUNSTREAM_TEST_CRASH_AT).toBeUndefined();
    expect(() => loadConfig({})).toThrow(/S3_BUCKET/);
  });

  it('reads a queue list, and an empty one as every queue', () => {
    expect(loadConfig({ ...s3, WORKER_QUEUES: ' flush , flush' }).WORKER_QUEUES).toEqual(['flush']);
    expect(loadConfig({ ...s3, WORKER_QUEUES: 'observe,merge' }).WORKER_QUEUES).toEqual([
      'observe',
      'merge',
    ]);
    expect(loadConfig({ ...s3, WORKER_QUEUES: '' }).WORKER_QUEUES).toEqual([
      'flush',
      'merge',
      'observe',
      'compact',
    ]);
  });

  it('refuses an unknown observer delay strategy', () => {
    expect(loadConfig({ ...s3, OBSERVER_DELAY_STRATEGY: 'divided' }).OBSERVER_DELAY_STRATEGY).toBe(
      'divided',
    );
    expect(() => loadConfig({ ...s3, OBSERVER_DELAY_STRATEGY: 'linear' })).toThrow(
      /OBSERVER_DELAY_STRATEGY/,
    );
  });

  it('refuses a queue the catalog does not have', () => {
    expect(() => loadConfig({ ...s3, WORKER_QUEUES: 'flush,mergee' })).toThrow(
      /WORKER_QUEUES: unknown queue\(s\) 'mergee'; the catalog has flush, merge, observe, compact/,
    );
  });

  it('names the variable of a bad number', () => {
    expect(() => loadConfig({ ...s3, FLUSH_CONCURRENCY: 'two' })).toThrow(/FLUSH_CONCURRENCY/);
    expect(() => loadConfig({ ...s3, FLUSH_CONCURRENCY: '0' })).toThrow(/FLUSH_CONCURRENCY/);
    expect(() => loadConfig({ ...s3, DRAIN_CHECK_MS: '1.5' })).toThrow(/DRAIN_CHECK_MS/);
    expect(() => loadConfig({ ...s3, HARD_LIMIT: '1.5' })).toThrow(/HARD_LIMIT/);
    expect(() => loadConfig({ ...s3, REDIS_MEMORY_BUDGET_BYTES: '-1' })).toThrow(
      /REDIS_MEMORY_BUDGET_BYTES/,
    );
    expect(() => loadConfig({ ...s3, PORT: 'http' })).toThrow(/PORT/);
  });

  it('keeps the low-water mark below the threshold and the threshold below the hard limit', () => {
    expect(() => loadConfig({ ...s3, FLUSH_LOW_WATER: '0.8' })).toThrow(
      /FLUSH_LOW_WATER: must be below FLUSH_THRESHOLD/,
    );
    expect(() => loadConfig({ ...s3, FLUSH_THRESHOLD: '0.95' })).toThrow(
      /FLUSH_THRESHOLD: must be below HARD_LIMIT/,
    );
    expect(loadConfig({ ...s3, FLUSH_LOW_WATER: '0' }).FLUSH_LOW_WATER).toBe(0);
  });

  it('keeps the compaction fan-in within the segment limit', () => {
    expect(() => loadConfig({ ...s3, COMPACT_FANIN: '20' })).toThrow(
      /COMPACT_FANIN: must be at most COMPACT_SEGMENTS \(16\)/,
    );
    expect(loadConfig({ ...s3, COMPACT_FANIN: '4', COMPACT_SEGMENTS: '4' })).toMatchObject({
      COMPACT_FANIN: 4,
      COMPACT_SEGMENTS: 4,
    });
    expect(() => loadConfig({ ...s3, COMPACT_FANIN: '1' })).toThrow(/COMPACT_FANIN/);
  });

  it('keeps the age check at most a quarter of the max age, and moves buffers two checks early', () => {
    expect(() => loadConfig({ ...s3, FLUSH_MAX_AGE_S: '60', FLUSH_AGE_CHECK_MS: '20000' })).toThrow(
      /FLUSH_AGE_CHECK_MS: must be at most a quarter of FLUSH_MAX_AGE_S \(60 s\)/,
    );
    expect(ageFlushOlderThanMs(loadConfig(s3))).toBe(540_000);
    const off = loadConfig({ ...s3, FLUSH_MAX_AGE_S: '0', FLUSH_AGE_CHECK_MS: '20000' });
    expect(ageFlushOlderThanMs(off)).toBeUndefined();
  });

  it('accepts only a Flusher probe point as RUNSTREAM_TEST_CRASH_AT', () => {
    expect(loadConfig({ ...s3, RUNSTREAM_TEST_CRASH_AT: 'after-upload' })).toMatchObject({
      RUNSTREAM_TEST_CRASH_AT: 'after-upload',
    });
    expect(loadConfig({ ...s3, RUNSTREAM_TEST_CRASH_AT: '' }).RUNSTREAM_TEST_CRASH_AT).toBe(
      undefined,
    );
    expect(() => loadConfig({ ...s3, RUNSTREAM_TEST_CRASH_AT: 'sometimes' })).toThrow(
      /RUNSTREAM_TEST_CRASH_AT/,
    );
  });

  it('checks the S3 settings with the cold store’s own rules, in the same error', () => {
    expect(() => loadConfig({ ...s3, S3_ACCESS_KEY_ID: 'key', FLUSH_CONCURRENCY: 'x' })).toThrow(
      /FLUSH_CONCURRENCY[\s\S]*S3_SECRET_ACCESS_KEY: set both/,
    );
    expect(() => loadConfig({ S3_BUCKET: 'Not_A_Bucket' })).toThrow(/S3_BUCKET/);
  });
});
