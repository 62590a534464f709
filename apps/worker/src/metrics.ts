import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The worker app's Prometheus metrics, on a registry of its own (tests build many apps). */
export class WorkerMetrics {
  readonly registry = new Registry();

  /**
   * Flushes by why they ran (tiering's FlushReason: pressure, drain,
   * completion, forced) and how they ended: the Flusher's stop reason
   * (low-water, nothing-left, done) or `failed`. Watchdog drains count here
   * with reason `drain`, a merge's flush of its run with `completion`.
   */
  readonly flushes = new Counter({
    name: 'runstream_worker_flushes_total',
    help: 'Flushes run by this process, by reason and outcome.',
    labelNames: ['reason', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly samplesMoved = new Counter({
    name: 'runstream_worker_flush_samples_moved_total',
    help: 'Samples uploaded to S3 segments by flushes (resumed transfers included).',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly bytesMoved = new Counter({
    name: 'runstream_worker_flush_bytes_moved_total',
    help: 'Chunk bytes (as stored in Redis) uploaded to S3 segments by flushes.',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly segmentsWritten = new Counter({
    name: 'runstream_worker_flush_segments_written_total',
    help: 'Segments written by flushes: one per transfer, or several for a transfer larger than FLUSH_SEGMENT_BYTES.',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  /**
   * The process's peak resident set since it started (getrusage's maxrss),
   * where process_resident_memory_bytes is only the reading at scrape time:
   * what bounds a flush's memory is its peak, not a sample between scrapes.
   */
  readonly peakResidentMemory = new Gauge({
    name: 'runstream_worker_peak_resident_memory_bytes',
    help: 'Peak resident memory of this process since it started (maxrss).',
    registers: [this.registry],
    collect: () => {
      this.peakResidentMemory.set(process.resourceUsage().maxRSS * 1024);
    },
  });

  readonly transfersResumed = new Counter({
    name: 'runstream_worker_flush_transfers_resumed_total',
    help: 'Transfer keys left by an interrupted flush and finished by a later one, by reason of the later one.',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly flushDuration = new Histogram({
    name: 'runstream_worker_flush_duration_seconds',
    help: 'Flush duration, by reason and outcome.',
    labelNames: ['reason', 'outcome'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });

  readonly mergeDuration = new Histogram({
    name: 'runstream_worker_merge_duration_seconds',
    help: 'Merge job duration, by the run’s completion reason (requested, idle) and outcome (merged, already-completed, unknown-run, failed).',
    labelNames: ['reason', 'outcome'] as const,
    buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800],
    registers: [this.registry],
  });

  readonly mergeDamagedObjects = new Counter({
    name: 'runstream_worker_merge_damaged_objects_total',
    help: 'Objects a merge found damaged (their variable left unmerged, its segments kept), by the run’s completion reason.',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly samplesMerged = new Counter({
    name: 'runstream_worker_merge_samples_total',
    help: 'Samples written into merged objects, by the run’s completion reason.',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly compactionDuration = new Histogram({
    name: 'runstream_worker_compaction_duration_seconds',
    help: 'Compaction job duration, by outcome (compacted, not-running, failed).',
    labelNames: ['outcome'] as const,
    buckets: [0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });

  readonly segmentsCompacted = new Counter({
    name: 'runstream_worker_compaction_segments_joined_total',
    help: 'Segments joined into bigger ones (and deleted) by compactions.',
    registers: [this.registry],
  });

  /** changed/unchanged: rescheduled; idle: completed the run; gone/completing/completed: ended. */
  readonly observerLooks = new Counter({
    name: 'runstream_worker_observer_looks_total',
    help: 'Looks of the idle-run observer at a run, by what they found.',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly jobs = new Counter({
    name: 'runstream_worker_jobs_total',
    help: 'BullMQ jobs finished by this process, by queue and outcome (completed, failed).',
    labelNames: ['queue', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly queueErrors = new Counter({
    name: 'runstream_worker_queue_errors_total',
    help: 'Errors BullMQ reported and retried by itself (OOM refusals, lost connections…), by queue.',
    labelNames: ['queue'] as const,
    registers: [this.registry],
  });

  readonly memoryRatio = new Gauge({
    name: 'runstream_worker_redis_memory_ratio',
    help: 'Redis used/limit at the drain watchdog’s last reading (0 when there is no limit).',
    registers: [this.registry],
  });

  /** none: under the threshold; request: a flush job was asked for; refused: Redis OOM refused it. */
  readonly drainChecks = new Counter({
    name: 'runstream_worker_drain_checks_total',
    help: 'Drain watchdog checks, by what they did (none, request, refused, drain, error).',
    labelNames: ['action'] as const,
    registers: [this.registry],
  });

  /** The last age flush's reading, and when (performance.now()) it was taken. */
  private oldestUnflushed: { ageMs: number; at: number } | undefined;

  /**
   * From the last age flush's reading (FlushReport.oldestKeptMs) plus the
   * time since: nothing at all Redis holds is older (a sample written since
   * is younger). Only in a process that runs age flushes.
   */
  readonly oldestUnflushedAge = new Gauge({
    name: 'runstream_worker_oldest_unflushed_sample_age_seconds',
    help: 'Age of the oldest sample held only in Redis (not yet in S3), as of the last age flush plus the time since.',
    registers: [this.registry],
    collect: () => {
      const last = this.oldestUnflushed;
      this.oldestUnflushedAge.set(
        last === undefined || last.ageMs === 0
          ? 0
          : (last.ageMs + performance.now() - last.at) / 1000,
      );
    },
  });

  /** Notes an age flush's report of the oldest sample it left in Redis. */
  noteOldestUnflushed(ageMs: number): void {
    this.oldestUnflushed = { ageMs, at: performance.now() };
  }

  readonly sweeps = new Counter({
    name: 'runstream_worker_run_sweeps_total',
    help: 'Sweeps over every run for missing observers and merges, by outcome (done, failed).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  /** observe: a running run had no live observer; merge: a completing run had no live merge job. */
  readonly sweepRepairs = new Counter({
    name: 'runstream_worker_run_sweep_repairs_total',
    help: 'Jobs a run sweep added because the run had no live one, by job (observe, merge).',
    labelNames: ['job'] as const,
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }
}
