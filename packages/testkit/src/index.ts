export { freePort } from './free-port';
export { startRedis, type RunningRedis, type RedisServerOptions } from './redis-server';
export {
  startRedisCluster,
  type ClusterNode,
  type RedisClusterOptions,
  type RunningRedisCluster,
} from './redis-cluster';
export {
  REDIS_TOPOLOGIES,
  startRedisTopology,
  type RedisTopology,
  type RunningRedisTopology,
} from './redis-topology';
export { seqCoverageProblem } from './seq-coverage';
export { seqsOf } from './seqs-of';
export { collect } from './collect';
export {
  historyProblem,
  type ExpectedSample,
  type HistoryChunk,
  type SeqCount,
} from './history-problem';
export { UGLY_SAMPLE_VALUES } from './ugly-values';
export { TRICKY_VARIABLE_NAMES } from './tricky-names';
export {
  startS3Server,
  S3RVER_CREDENTIALS,
  type RunningS3Server,
  type S3Connection,
  type S3ServerOptions,
} from './s3-server';
export { buildApp, spawnApp, type AppProcess, type SpawnAppOptions } from './app-process';
export { waitFor, waitUntilReady } from './wait-for';
export {
  startS3RecordingProxy,
  type RecordedDownload,
  type S3RecordingProxy,
} from './s3-recording-proxy';
export { memoryLogger, type LogLine } from './memory-logger';
export { useFixture, type Fixture } from './use-fixture';
export { CHROMIUM, launchChromium, type HeadlessChromium } from './headless-chromium';
