import type { RunState } from '@runstream/hot-store';
import type { Queues } from '@runstream/queues';
import type { Logger } from 'pino';
import type { WorkerMetrics } from './metrics';

export interface RunSweeperDeps {
  /** Every run Redis holds, with its status (RunStore.ids + states). */
  runs: () => Promise<RunState[]>;
  queues: Pick<Queues, 'ensure'>;
  /** Which repairs this process makes: those of the queues it serves. */
  observers: boolean;
  merges: boolean;
  logger: Logger;
  metrics: WorkerMetrics;
}

export interface SweepReport {
  runs: number;
  /** Running runs that had no live observer and got one (a failed one removed first). */
  observers: number;
  /** Completing (or completed, not yet forgotten) runs that had no live merge job and got one. */
  merges: number;
}

/**
 * Keeps every run moving whatever killed its jobs. Every `intervalMs` it
 * walks the runs Redis holds and
 * - gives a running run without a live observer a new one: an observer that
 *   failed for good is kept under its fixed job id, where adding it again is
 *   a no-op, so it is removed first;
 * - gives a completing run without a live merge job a new one: a merge that
 *   exhausted its attempts, or that BullMQ failed for stalling too often
 *   (its worker killed again and again), leaves the run completing with
 *   nothing to finish it. A completed run Redis still holds (its merge cut
 *   off before forgetting it) gets one too: it only forgets the run.
 * Jobs that are waiting, delayed or active are left alone, and the repairs
 * are idempotent, so every worker process may sweep. Sweeps never overlap.
 */
export class RunSweeper {
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<SweepReport | undefined> | undefined;
  private running = false;

  constructor(
    private readonly deps: RunSweeperDeps,
    private readonly intervalMs: number,
  ) {}

  /** Sweeps every `intervalMs`, the first one interval from now. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule();
  }

  /** Stops sweeping and waits for a sweep in progress. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.current;
  }

  /** One sweep (also used by tests); undefined when it failed (logged) or one was running. */
  sweep(): Promise<SweepReport | undefined> {
    if (this.current !== undefined) return Promise.resolve(undefined);
    const current = this.sweepOnce().catch((err: unknown) => {
      this.deps.metrics.sweeps.inc({ outcome: 'failed' });
      this.deps.logger.warn({ err }, 'run sweep failed');
      return undefined;
    });
    this.current = current;
    void current.finally(() => {
      if (this.current === current) this.current = undefined;
    });
    return current;
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      void this.sweep().finally(() => {
        if (this.running) this.schedule();
      });
    }, this.intervalMs);
    // The workers keep the process alive; this timer alone should not.
    this.timer.unref();
  }

  private async sweepOnce(): Promise<SweepReport> {
    const { queues, logger, metrics } = this.deps;
    const runs = await this.deps.runs();
    const report: SweepReport = { runs: runs.length, observers: 0, merges: 0 };
    for (const run of runs) {
      if (run.status === 'running' && this.deps.observers) {
        const done = await queues.ensure('observe', { run: run.id, lastCount: -1, unchanged: 0 });
        if (done === 'live') continue;
        report.observers++;
        metrics.sweepRepairs.inc({ job: 'observe' });
        logger.warn({ run: run.id, done }, 'running run without a live observer: observer added');
      } else if (run.status !== 'running' && this.deps.merges) {
        const reason = run.reason ?? 'requested';
        const done = await queues.ensure('merge', { run: run.id, reason, requestedAt: Date.now() });
        if (done === 'live') continue;
        report.merges++;
        metrics.sweepRepairs.inc({ job: 'merge' });
        logger.warn(
          { run: run.id, status: run.status, done },
          'run not completed and without a live merge job: merge added',
        );
      }
    }
    metrics.sweeps.inc({ outcome: 'done' });
    return report;
  }
}
