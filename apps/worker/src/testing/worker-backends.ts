import { Queues } from '@runstream/queues';
import { queueConnection } from '@runstream/hot-store';
import type { Fixture, RedisTopology } from '@runstream/testkit';
import { startTieredStores, type TieredStores } from '@runstream/tiering/testing';
import { startWorker, workerEnv, type TestWorker } from './start-worker';
import { spawnWorker, type WorkerProcess } from './worker-process';

/**
 * What the worker's integration tests run against: a real Redis (one node
 * or a cluster) and s3rver with the stores a test inspects them with, the catalog's queues, and
 * the workers the test starts, closed for it.
 */
export interface WorkerBackends extends TieredStores, Fixture {
  /** What a worker needs to reach both servers (workerEnv). */
  env: Record<string, string>;
  queues: Queues;
  /** The workers started with the backends (`workers` option), closed after the file's tests. */
  workers: TestWorker[];
  /**
   * Starts a worker in this process (startWorker) with `overrides` over
   * `env`. It is closed after the test that started it; one started in a
   * beforeAll, after the file's tests.
   */
  worker(overrides?: Record<string, string>): Promise<TestWorker>;
  /**
   * Runs the built worker (buildWorker) as a process with `overrides` over
   * `env`; SIGKILLed after the test if it still runs.
   */
  process(overrides?: Record<string, string>): WorkerProcess;
}

export interface WorkerBackendsOptions {
  /** Redis maxmemory, e.g. '16mb' (default: none); per node on a cluster. */
  maxmemory?: string;
  /** A single redis-server (default) or a local 3-master cluster with a replica each. */
  topology?: RedisTopology;
  /** Settings of workers to start with the backends, one each (default: none). */
  workers?: Record<string, string>[];
}

/** Starts the backends; `useFixture(() => startWorkerBackends())` also closes them. */
export async function startWorkerBackends(
  options: WorkerBackendsOptions = {},
): Promise<WorkerBackends> {
  const { workers: workerSettings = [], ...storeOptions } = options;
  const stores = await startTieredStores(storeOptions);
  const env = { ...workerEnv(stores.redis.url, stores.s3.connection), ...stores.redis.env };
  const queues = new Queues(
    queueConnection({ url: stores.redis.url, clusterNodes: stores.redis.clusterNodes }),
  );
  const fileWorkers = await Promise.all(
    workerSettings.map((settings) => startWorker(env, settings)),
  );
  let testWorkers: TestWorker[] | undefined; // between beginTest and endTest
  let processes: WorkerProcess[] = [];
  const killProcesses = async (): Promise<void> => {
    await Promise.all(processes.map((p) => p.kill()));
    processes = [];
  };
  return {
    ...stores,
    env,
    queues,
    workers: [...fileWorkers],
    worker: async (overrides = {}) => {
      const worker = await startWorker(env, overrides);
      (testWorkers ?? fileWorkers).push(worker);
      return worker;
    },
    process: (overrides = {}) => {
      const child = spawnWorker({ ...env, ...overrides });
      processes.push(child);
      return child;
    },
    beginTest: () => {
      testWorkers = [];
    },
    endTest: async () => {
      await killProcesses();
      await Promise.all((testWorkers ?? []).map((w) => w.app.close()));
      testWorkers = undefined;
    },
    stop: async () => {
      await killProcesses();
      await Promise.all(fileWorkers.map((w) => w.app.close()));
      await queues.close(); // before Redis stops: a queue closed after it waits for a dead socket
      await stores.stop();
    },
  };
}
