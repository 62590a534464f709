export { createWorkerApp, type WorkerApp, type WorkerAppDeps } from './worker-app';
export { loadConfig, workerConfigSchema, CRASH_POINTS, type WorkerConfig } from './config';
export { WorkerMetrics } from './metrics';
export {
  ProcessorRegistry,
  MissingProcessorError,
  DuplicateProcessorError,
  type JobProcessor,
} from './processors';
export { DrainWatchdog, isRedisOomError, type DrainAction } from './drain-watchdog';
export { FlushRunner, type FlushSettings } from './flush-runner';
