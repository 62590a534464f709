import type { JobCountsByQueue } from './job-counts';
import { DashboardMetrics } from './metrics';

const counts = (waiting: number, failed: number): JobCountsByQueue[string] => ({
  waiting,
  active: 0,
  delayed: 0,
  prioritized: 0,
  'waiting-children': 0,
  completed: 0,
  failed,
});

describe('DashboardMetrics', () => {
  it('reads job counts per queue and state on every scrape', async () => {
    let waiting = 3;
    const m = new DashboardMetrics({
      defaultMetrics: false,
      jobCounts: () => Promise.resolve({ flush: counts(waiting, 1), merge: counts(0, 2) }),
    });
    let text = await m.registry.metrics();
    expect(text).toMatch(/^runstream_dashboard_queue_jobs\{queue="flush",state="waiting"\} 3$/m);
    expect(text).toMatch(/^runstream_dashboard_queue_jobs\{queue="flush",state="failed"\} 1$/m);
    expect(text).toMatch(/^runstream_dashboard_queue_jobs\{queue="merge",state="failed"\} 2$/m);
    expect(text).toMatch(
      /^runstream_dashboard_queue_jobs\{queue="merge",state="waiting-children"\} 0$/m,
    );
    waiting = 7;
    text = await m.registry.metrics();
    expect(text).toMatch(/^runstream_dashboard_queue_jobs\{queue="flush",state="waiting"\} 7$/m);
  });

  it('drops stale counts and counts the error when Redis does not answer', async () => {
    let fail = false;
    const m = new DashboardMetrics({
      defaultMetrics: false,
      jobCountsTimeoutMs: 50,
      jobCounts: () =>
        fail ? new Promise<never>(() => undefined) : Promise.resolve({ flush: counts(5, 0) }),
    });
    expect(await m.registry.metrics()).toMatch(/state="waiting"\} 5/);
    fail = true;
    const text = await m.registry.metrics();
    expect(text).not.toMatch(/^runstream_dashboard_queue_jobs\{/m);
    expect(text).toMatch(/^runstream_dashboard_job_count_errors_total 1$/m);
  });

  it('includes Node default metrics unless told not to', async () => {
    const jobCounts = (): Promise<JobCountsByQueue> => Promise.resolve({});
    expect(await new DashboardMetrics({ jobCounts }).registry.metrics()).toMatch(
      /process_cpu_user_seconds_total/,
    );
    expect(
      await new DashboardMetrics({ jobCounts, defaultMetrics: false }).registry.metrics(),
    ).not.toMatch(/process_cpu_user_seconds_total/);
  });
});
