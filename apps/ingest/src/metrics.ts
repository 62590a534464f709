import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The ingest app's Prometheus metrics, on a registry of its own (tests build many apps). */
export class IngestMetrics {
  readonly registry = new Registry();

  readonly samplesWritten = new Counter({
    name: 'runstream_ingest_samples_written_total',
    help: 'Samples written to the hot store (duplicates excluded).',
    registers: [this.registry],
  });

  readonly batches = new Counter({
    name: 'runstream_ingest_batches_total',
    help: 'Sample batches answered, by outcome.',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'runstream_ingest_http_request_duration_seconds',
    help: 'HTTP request duration by route and status.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
    registers: [this.registry],
  });

  readonly subscriptions = new Gauge({
    name: 'runstream_ingest_live_subscriptions',
    help: 'Live subscriptions held by this process.',
    registers: [this.registry],
  });

  readonly snapshotSamples = new Counter({
    name: 'runstream_ingest_snapshot_samples_total',
    help: 'Samples sent to subscribers as snapshot history.',
    registers: [this.registry],
  });

  readonly damagedObjects = new Counter({
    name: 'runstream_ingest_damaged_objects_total',
    help: 'Stored data found damaged (unreadable manifests, data objects, indexes) by reads, by kind.',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  readonly limitRefusals = new Counter({
    name: 'runstream_ingest_limit_refusals_total',
    help: 'Requests and subscriptions refused by a limit (batch_variables, batch_samples, subscriptions, connections, request_timeout).',
    labelNames: ['limit'] as const,
    registers: [this.registry],
  });

  readonly connections = new Gauge({
    name: 'runstream_ingest_open_connections',
    help: 'Open TCP connections (HTTP and Socket.IO) of this process.',
    registers: [this.registry],
  });

  readonly liveResyncs = new Counter({
    name: 'runstream_ingest_live_resyncs_total',
    help: 'Subscriptions of slow sockets ended with a resync instead of queueing more live events.',
    registers: [this.registry],
  });

  readonly tokenFileReloadFailures = new Counter({
    name: 'runstream_ingest_token_file_reload_failures_total',
    help: 'Reloads of RUNSTREAM_TOKENS_FILE that failed, the previous tokens kept in force, by reason (invalid, missing).',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly liveRooms = new Counter({
    name: 'runstream_ingest_live_rooms_total',
    help: 'Variables of written batches by how their live emit was decided: local (a subscriber here), cached, asked (Redis said someone listens), skipped (no one does) or error (the question failed: emitted).',
    labelNames: ['decision'] as const,
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }
}
