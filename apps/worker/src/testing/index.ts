// What other apps' end-to-end tests use to run a real worker (ingest's tests
// start one in their own process): @runstream/worker/testing.
export { FLUSH_EVERYTHING, startWorker, workerEnv, type TestWorker } from './start-worker';
export { waitForIdleQueue } from './wait-for-idle-queue';
export { buildWorker, spawnWorker, type WorkerProcess } from './worker-process';
