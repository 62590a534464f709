export {
  ColdStore,
  failedDeletes,
  S3_BATCH_LIMIT,
  type ObjectInfo,
  type SegmentInfo,
} from './cold-store';
export {
  ColdStoreError,
  DeleteObjectsError,
  ObjectMissingError,
  SegmentFormatError,
  type FailedDelete,
} from './cold-store-errors';
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
export {
  chunkTextHead,
  type ChunkHead,
  decodeSegment,
  decodeSegmentLines,
  encodeSegment,
  formatChunk,
  parseChunkText,
  toSegmentLine,
  MAX_LINE_BYTES,
  SEGMENT_CONTENT_TYPE,
  SEGMENT_GZIP_LEVEL,
  type DecodeOptions,
  type EncodeOptions,
} from './segment-format';
export {
  encodeObjectIndex,
  parseIndexHead,
  decodeIndexBlock,
  blocksFor,
  INDEX_BLOCK_CELLS,
  INDEX_HEAD_BYTES,
  type IndexBlock,
  type IndexLevel,
  type IndexLevelInput,
  type ObjectIndex,
  type ObjectIndexInput,
} from './object-index';
export {
  ObjectReader,
  StaleIndexError,
  firstSeqOfLine,
  type DataObject,
  type RangeSource,
} from './object-reader';
export {
  encodePieces,
  groupIntoPieces,
  pieceIndexOf,
  hasIndex,
  PIECE_MAX_SAMPLES,
  type ChunkEntry,
  type EncodedPieces,
  type PieceEntry,
} from './piece-format';
export { ReadCache, DEFAULT_READ_CACHE_BYTES } from './read-cache';
