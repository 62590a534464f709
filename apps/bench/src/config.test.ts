import { BENCH_PHASES, loadBenchConfig, parsePhases } from './config';

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
  });

  it('names an unknown phase', () => {
    expect(parsePhases('flush,snapshots')).toMatch(/unknown phase 'snapshots'/);
  });

  it('refuses latency without throughput (it runs at half the measured rate)', () => {
    expect(parsePhases('latency')).toMatch(/add 'throughput'/);
  });
});

describe('loadBenchConfig', () => {
  it('defaults: every phase, a 5 M-sample snapshot over 55 segments', () => {
    const c = loadBenchConfig({});
    expect(c.BENCH_PHASES).toEqual(['throughput', 'latency', 'flush', 'snapshot']);
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
});
