import type { HotStore, LiveListeners } from '@runstream/hot-store';
import { HttpDrain, healthRoutes, type ReadinessCheck } from '@runstream/process-lifecycle';
import express, { type Express } from 'express';
import type { Server as HttpServer } from 'node:http';
import { viewerAssetsDir } from '@runstream/viewer';
import type { Logger } from 'pino';
import { Server } from 'socket.io';
import type { Authorizer } from './auth';
import { damageReporter } from './damage-report';
import { RunAccess } from './run-access';
import { answerErrors, errorHandler, notFound } from './http-errors';
import { createLimitedServer } from './http-server-limits';
import { DEFAULT_LIMITS, type IngestLimits } from './ingest-limits';
import type { LiveAdapter } from './live/live-adapter';
import { LiveAudience } from './live/live-audience';
import { LivePublisher } from './live/live-publisher';
import type { LiveServer } from './live/live-server';
import { attachLiveSubscriptions } from './live/live-subscriptions';
import type { IngestMetrics } from './metrics';
import { observeRequests, requestObserver } from './request-observer';
import {
  RedisHistory,
  RunCatalog,
  SeriesReader,
  TimeSeek,
  type ChunkTextSource,
  type WriteAdmission,
} from '@runstream/tiering';
import { runsRouter, type RunJobs } from './routes/runs';
import { SAMPLES_PATH, samplesRoute, takeSamples } from './routes/samples';
import { samplesDirect } from './routes/samples-direct';
import { exportRouter } from './routes/export';
import { parquetRouter, type ParquetDeps } from './routes/parquet';
import { seriesRouter } from './routes/series';
import { variablesRouter } from './routes/variables';
import { rawJsonParser } from './live/raw-json-parser';

export interface IngestDeps {
  hotStore: HotStore;
  /**
   * Runs and variables: Redis, then S3 manifests. Defaults to Redis alone.
   * Give it `onDamage: damageReporter(logger, metrics)`, so a damaged
   * manifest a listing leaves out is logged and counted.
   */
  catalog?: RunCatalog;
  /** The queues a run's life adds jobs to (observe at creation, merge at completion). */
  jobs: RunJobs;
  /** History as stored chunk texts: TieredHistory; defaults to the Redis buffer alone. */
  history?: ChunkTextSource;
  /** Downsampled series; defaults to reading every sample of `history`. */
  series?: SeriesReader;
  /** The S3 objects of completed runs (their Parquet files); without it none is served. */
  objects?: ParquetDeps['objects'];
  authorizer: Authorizer;
  metrics: IngestMetrics;
  logger: Logger;
  config: {
    maxBodyBytes: number;
    snapshotChunkSamples: number;
    /** What one client may cost; each unset one is its DEFAULT_LIMITS value. */
    limits?: Partial<IngestLimits>;
  };
  /** Redis memory watch: requests flushes and refuses writes at the hard limit. */
  pressure?: WriteAdmission;
  /** Extra readiness checks beside Redis (e.g. the cold store). */
  readiness?: Record<string, ReadinessCheck>;
  /**
   * Several ingest replicas: the Socket.IO adapter that carries live samples
   * between them, and the Redis registry of which replica listens to what
   * (the cheap path for variables no one watches). Without it, rooms live in
   * this process alone.
   */
  replicas?: { adapter: LiveAdapter; listeners: LiveListeners };
}

export interface IngestApp {
  app: Express;
  server: HttpServer;
  io: LiveServer;
  /**
   * Drains: stops taking connections, answers new requests on open ones 503
   * (closing them), lets in-flight requests finish (closing their
   * connections after), closes sockets, and resolves once all are closed.
   */
  close(): Promise<void>;
}

/** Builds the ingest HTTP API and Socket.IO server without listening (main.ts listens). */
export function createApp(deps: IngestDeps): IngestApp {
  const { hotStore, authorizer, metrics, logger, config } = deps;
  const limits: IngestLimits = { ...DEFAULT_LIMITS, ...config.limits };
  const history = deps.history ?? new RedisHistory(hotStore);
  const catalog = deps.catalog ?? new RunCatalog(hotStore);
  const series = deps.series ?? new SeriesReader(history, catalog);
  const time = new TimeSeek(history);
  const reportDamage = damageReporter(logger, metrics);
  const access = new RunAccess(catalog);
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  // A sample batch is taken before Express sees it (samples-direct); every other request goes to the app.
  const server = createLimitedServer(
    (req, res) => {
      if (!directSamples(req, res)) app(req, res);
    },
    limits,
    metrics,
    logger,
  );
  // Snapshot messages are spliced from stored chunk text (RawJson), not serialised again.
  const io: LiveServer = new Server(server, {
    maxHttpBufferSize: 1e6,
    parser: rawJsonParser,
    ...(deps.replicas !== undefined ? { adapter: deps.replicas.adapter.adapter } : {}),
  });
  const audience = new LiveAudience(io, metrics, logger, deps.replicas?.listeners);
  const live = new LivePublisher(io, {
    audience,
    maxBufferedBytes: limits.liveMaxBufferedBytes,
    metrics,
    logger,
  });
  attachLiveSubscriptions(io, {
    access,
    history,
    audience,
    authorizer,
    metrics,
    logger,
    reportDamage,
    snapshotChunkSamples: config.snapshotChunkSamples,
    maxSubscriptionsPerSocket: limits.maxSubscriptionsPerSocket,
  });

  const observe = observeRequests(logger, metrics);
  app.use(requestObserver(observe));
  // Once closing: new requests 503, those under way finish, every connection closes after.
  const drain = new HttpDrain(server);
  app.use(drain.middleware);

  const maxBodyBytes = config.maxBodyBytes;
  const answerError = answerErrors(logger, maxBodyBytes, reportDamage);
  const take = takeSamples({
    hotStore,
    catalog,
    access,
    live,
    metrics,
    limits,
    pressure: deps.pressure,
  });
  const directSamples = samplesDirect({
    take,
    authorizer,
    drain,
    observe,
    answerError,
    maxBodyBytes,
  });
  // The hot path's other requests first: they pass no other router's layers on their way.
  app.post(SAMPLES_PATH, ...samplesRoute(authorizer, maxBodyBytes, take));
  app.use(healthRoutes({ checks: { redis: () => hotStore.ping(), ...deps.readiness }, metrics }));
  app.use(
    '/v1',
    runsRouter({ hotStore, catalog, jobs: deps.jobs, authorizer, access, maxBodyBytes }),
  );
  const reads = { catalog, time, authorizer, access };
  app.use('/v1', variablesRouter({ ...reads, history }));
  app.use('/v1', seriesRouter({ ...reads, series }));
  app.use('/v1', exportRouter({ ...reads, history }));
  app.use('/v1', parquetRouter({ ...reads, objects: deps.objects }));
  // The viewer page (packages/viewer, built) holds no data: it asks the API, with the user's token, for everything.
  app.use(express.static(viewerAssetsDir, { index: 'index.html' }));
  app.use(notFound);
  app.use(errorHandler(answerError));

  return {
    app,
    server,
    io,
    close: () =>
      new Promise<void>((resolve) => {
        drain.start();
        audience.close();
        // io.close() also closes the HTTP server and waits for its connections.
        void io.close(() => resolve());
      }),
  };
}
