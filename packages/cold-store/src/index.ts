export {
  ColdStore,
  failedDeletes,
  S3_BATCH_LIMIT,
  type IndexToWrite,
  type ObjectInfo,
  type SegmentInfo,
  type SegmentLevels,
} from './cold-store';
// Every error class and the whole segment format are public.
export * from './cold-store-errors';
export {
  coldStoreConfigFromEnv,
  coldStoreCredentialsRule,
  coldStoreEnvOf,
  coldStoreEnvSchema,
  coldStoreEnvShape,
  parseColdStoreEnv,
  s3ClientOptions,
  DEFAULT_PART_SIZE_BYTES,
  DEFAULT_UPLOAD_QUEUE_SIZE,
  MIN_PART_SIZE_BYTES,
  type ColdStoreConfig,
  type ColdStoreEnv,
} from './cold-store-config';
export {
  ObjectKeys,
  parseSegmentKey,
  keyPrefixProblem,
  SEGMENT_SUFFIX,
  type SeqSpan,
} from './object-keys';
export * from './run-parquet';
export * from './segment-format';
export * from './object-index';
export * from './object-reader';
export * from './piece-format';
export * from './read-cache';
