import { withTimeout } from '@runstream/process-lifecycle';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { JOB_STATES, type JobCountsByQueue } from './job-counts';

export interface DashboardMetricsOptions {
  /** Where the per-queue job counts come from; read on every scrape. */
  jobCounts: () => Promise<JobCountsByQueue>;
  /** A scrape waits at most this long for the counts (default 2000 ms). */
  jobCountsTimeoutMs?: number;
  /** Node's default process metrics (default true). */
  defaultMetrics?: boolean;
}

/** The dashboard's Prometheus metrics, on a registry of its own (tests build many apps). */
export class DashboardMetrics {
  readonly registry = new Registry();

  /** missing: no credentials (a browser's first request); invalid: wrong or malformed. */
  readonly authFailures = new Counter({
    name: 'runstream_dashboard_auth_failures_total',
    help: 'Requests to the board refused for want of valid credentials, by reason (missing, invalid, throttled).',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly jobCountErrors: Counter;

  /**
   * Jobs per queue and state, read from Redis when scraped rather than kept
   * up to date: the dashboard sees no job events, and a scrape every few
   * seconds costs one round trip per queue.
   */
  readonly jobs: Gauge<'queue' | 'state'>;

  private readonly readJobCounts: () => Promise<JobCountsByQueue>;
  private readonly jobCountsTimeoutMs: number;
  private pendingRead: Promise<JobCountsByQueue | undefined> | undefined;

  constructor(options: DashboardMetricsOptions) {
    this.readJobCounts = options.jobCounts;
    this.jobCountsTimeoutMs = options.jobCountsTimeoutMs ?? 2000;
    const read = (): Promise<JobCountsByQueue | undefined> => this.readOncePerScrape();
    this.jobCountErrors = new Counter({
      name: 'runstream_dashboard_job_count_errors_total',
      help: 'Scrapes whose per-queue job counts could not be read from Redis (the gauge is then empty).',
      registers: [this.registry],
      // Waits for this scrape's read, so the count it shows includes that read.
      async collect() {
        await read();
      },
    });
    this.jobs = new Gauge({
      name: 'runstream_dashboard_queue_jobs',
      help: 'BullMQ jobs per queue and state, read from Redis at scrape time.',
      labelNames: ['queue', 'state'] as const,
      registers: [this.registry],
      async collect() {
        // Old values must not outlive a failed read: an empty gauge plus the
        // error counter is honest, a stale count is not.
        this.reset();
        const counts = await read();
        for (const [queue, byState] of Object.entries(counts ?? {}))
          for (const state of JOB_STATES) this.set({ queue, state }, byState[state]);
      },
    });
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /**
   * One Redis read shared by every collector of a scrape: prom-client
   * collects all metrics at once, and the counts and the error counter must
   * describe the same read. Undefined when it failed or timed out.
   */
  private readOncePerScrape(): Promise<JobCountsByQueue | undefined> {
    this.pendingRead ??= withTimeout(this.readJobCounts(), this.jobCountsTimeoutMs, 'job counts')
      .catch(() => {
        this.jobCountErrors.inc();
        return undefined;
      })
      .finally(() => {
        this.pendingRead = undefined;
      });
    return this.pendingRead;
  }
}
