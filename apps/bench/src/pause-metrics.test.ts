import { parsePauseMetrics, roundPauses, runQueueSecondsOf } from './pause-metrics';

const scrape = (gcSum: number, gcCount: number, under10ms: number): string =>
  [
    '# HELP nodejs_eventloop_lag_p99_seconds The 99th percentile of the recorded event loop delays.',
    '# TYPE nodejs_eventloop_lag_p99_seconds gauge',
    'nodejs_eventloop_lag_p99_seconds 0.022',
    'nodejs_eventloop_lag_max_seconds 0.0405',
    'nodejs_eventloop_lag_p99_seconds_extra 9',
    `nodejs_gc_duration_seconds_bucket{le="0.001",kind="minor"} 1`,
    `nodejs_gc_duration_seconds_bucket{le="0.01",kind="minor"} ${under10ms - 1}`,
    `nodejs_gc_duration_seconds_bucket{le="0.01",kind="major"} 1`,
    `nodejs_gc_duration_seconds_sum{kind="minor"} ${gcSum / 2}`,
    `nodejs_gc_duration_seconds_sum{kind="major"} ${gcSum / 2}`,
    `nodejs_gc_duration_seconds_count{kind="minor"} ${gcCount - 1}`,
    `nodejs_gc_duration_seconds_count{kind="major"} 1`,
  ].join('\n');

it('reads the event-loop delay beyond the sampling period and sums GC pauses over every kind', () => {
  expect(parsePauseMetrics(scrape(0.5, 40, 37))).toEqual({
    loopDelayP99Ms: 12,
    loopDelayMaxMs: 30.5,
    gcSeconds: 0.5,
    gcCount: 40,
    gcOver10msCount: 3,
  });
});

it('gives a round its GC time per second and its long pauses', () => {
  const r = roundPauses(
    parsePauseMetrics(scrape(0.5, 40, 37)),
    parsePauseMetrics(scrape(0.8, 60, 55)),
    3,
  );
  expect(r.gcMsPerSecond).toBeCloseTo(100);
  expect(r.gcOver10ms).toBe(2);
  expect(r.loopDelayP99Ms).toBe(12);
});

it("reads this process's run-queue wait", () => {
  expect(runQueueSecondsOf(process.pid)).toBeGreaterThanOrEqual(0);
  expect(runQueueSecondsOf(-1)).toBeUndefined();
});
