import {
  BENCH_PHASES,
  SMOKE_SETTINGS,
  loadBenchConfig,
  parsePhases,
  withSmokeSettings,
} from './config';

describe('parsePhases', () => {
  it('is every phase for all, or for nothing', () => {
    expect(parsePhases('all')).toEqual([...BENCH_PHASES]);
    expect(parsePhases('')).toEqual([...BENCH_PHASES]);
    expect(parsePhases(' , ')).toEqual([...BENCH_PHASES]);
  });

  it('keeps the fixed order whatever order they are named in, once each', () => {
    expect(parsePhases('snapshot, flush')).toEqual(['flush', 'snapshot']);
    expect(parsePhases('flush,flush')).toEqual(['flush']);
    expect(parsePhases('latency,throughput')).toEqual(['throughput', 'latency']);
    expect(parsePhases('jobs,merge')).toEqual(['merge', 'jobs']);
  });

  it('names an unknown phase', () => {
    expect(parsePhases('flush,snapshots')).toMatch(/unknown phase 'snapshots'/);
  });

  it('refuses latency without throughput (it runs at half the measured rate)', () => {
    expect(parsePhases('latency')).toMatch(/add 'throughput'/);
  });
});

describe('loadBenchConfig', () => {
  it('defaults: every phase, a 5 M-sample snapshot over 55 segments, a 5 M-sample merge of 50', () => {
    const c = loadBenchConfig({});
    expect(c.BENCH_PHASES.join()).toBe(
      'throughput,latency,flush,snapshot,merge,jobs,reads,series,many-flushes,subscribers,snapshot-raw',
    );
    expect(c.BENCH_MERGE_SAMPLES).toBe(5_000_000);
    expect(c.BENCH_MERGE_SEGMENTS).toBe(50);
    expect(c.BENCH_JOBS_FLUSH_VARIABLES).toBe(8);
    expect(c.BENCH_JOBS_FLUSH_SAMPLES).toBe(10_000);
    expect(c.BENCH_JOBS_MERGE_VARIABLES).toBe(20);
    expect(c.BENCH_JOBS_MERGE_SAMPLES).toBe(50_000);
    expect(c.BENCH_JOBS_MERGE_SEGMENTS).toBe(5);
    expect(c.BENCH_SMOKE).toBe(false);
    expect(c.BENCH_ROUNDS).toBe(5);
    expect(c.BENCH_SNAPSHOT_SAMPLES).toBe(5_000_000);
    expect(c.BENCH_SNAPSHOT_SEGMENTS).toBe(55);
    expect(c.BENCH_FLUSH_VARIABLES).toBe(8);
    expect(c.BENCH_TIERING_BATCH).toBe(1000);
  });

  it('reads the phases and sizes from the environment', () => {
    const c = loadBenchConfig({
      BENCH_PHASES: 'flush,snapshot',
      BENCH_SNAPSHOT_SAMPLES: '200000',
      BENCH_FLUSH_SAMPLES: '1000',
    });
    expect(c.BENCH_PHASES).toEqual(['flush', 'snapshot']);
    expect(c.BENCH_SNAPSHOT_SAMPLES).toBe(200_000);
    expect(c.BENCH_FLUSH_SAMPLES).toBe(1000);
  });

  it('fails naming the variable', () => {
    expect(() => loadBenchConfig({ BENCH_PHASES: 'flsh' })).toThrow(
      /BENCH_PHASES: unknown phase 'flsh'/,
    );
    expect(() => loadBenchConfig({ BENCH_SNAPSHOT_SEGMENTS: '0' })).toThrow(
      /BENCH_SNAPSHOT_SEGMENTS/,
    );
  });

  it('refuses more segments than samples, and too few observed runs for the looks', () => {
    expect(() =>
      loadBenchConfig({ BENCH_MERGE_SAMPLES: '10', BENCH_MERGE_SEGMENTS: '50' }),
    ).toThrow(/BENCH_MERGE_SAMPLES: must be at least BENCH_MERGE_SEGMENTS \(50\)/);
    expect(() =>
      loadBenchConfig({ BENCH_JOBS_MERGE_SAMPLES: '2', BENCH_JOBS_MERGE_SEGMENTS: '5' }),
    ).toThrow(/BENCH_JOBS_MERGE_SAMPLES/);
    expect(() =>
      loadBenchConfig({ BENCH_JOBS_OBSERVE_RUNS: '2', BENCH_JOBS_OBSERVE_LOOKS: '1000' }),
    ).toThrow(/BENCH_JOBS_OBSERVE_RUNS: too few runs/);
  });
});

describe('BENCH_SMOKE', () => {
  it('makes every phase small and one round', () => {
    const c = loadBenchConfig({ BENCH_SMOKE: '1' });
    expect(c.BENCH_SMOKE).toBe(true);
    expect(c.BENCH_ROUNDS).toBe(1);
    expect(c.BENCH_MERGE_SAMPLES).toBe(Number(SMOKE_SETTINGS.BENCH_MERGE_SAMPLES));
    expect(c.BENCH_SNAPSHOT_SAMPLES).toBeLessThan(1_000_000);
    expect(c.BENCH_JOBS_OBSERVE_LOOKS).toBeLessThan(200);
  });

  it('lets the environment override it, an empty value not', () => {
    const c = loadBenchConfig({ BENCH_SMOKE: 'true', BENCH_ROUNDS: '3', BENCH_MERGE_SEGMENTS: '' });
    expect(c.BENCH_ROUNDS).toBe(3);
    expect(c.BENCH_MERGE_SEGMENTS).toBe(Number(SMOKE_SETTINGS.BENCH_MERGE_SEGMENTS));
    expect(withSmokeSettings({ BENCH_PHASES: 'merge' }).BENCH_PHASES).toBe('merge');
  });

  it('is off for 0 and refuses other values', () => {
    expect(loadBenchConfig({ BENCH_SMOKE: '0' }).BENCH_ROUNDS).toBe(5);
    expect(() => loadBenchConfig({ BENCH_SMOKE: 'yes' })).toThrow(/BENCH_SMOKE/);
  });
});
