import {
  fmtCpu,
  fmtRatio,
  fmtValue,
  formatReport,
  formatTable,
  table,
  type PhaseTable,
} from './report';

const throughput: PhaseTable = {
  phase: 'throughput',
  title: '10 × 100 batches',
  figures: [
    { subject: 'bare', figure: 'samples/s', perRound: [2_000_000], median: 2_000_000 },
    {
      subject: 'ingest',
      figure: 'samples/s',
      perRound: [1_500_000],
      median: 1_500_000,
      ratio: { to: 'bare', perRound: [0.75], median: 0.75 },
      target: '≥ 85 %',
      met: false,
    },
    { subject: 'ingest', figure: 'Redis B/sample', perRound: [17.25], median: 17.25, met: true },
  ],
  notes: ['CPU, ingest 98%'],
};

describe('formats', () => {
  it('gives figures as many digits as their size needs', () => {
    expect(fmtValue(1_234_567.8)).toBe('1,234,568');
    expect(fmtValue(123.4)).toBe('123');
    expect(fmtValue(12.345)).toBe('12.35');
    expect(fmtValue(0.4123)).toBe('0.412');
  });

  it('gives ratios of rates as shares and of times as factors', () => {
    expect(fmtRatio('samples/s', 0.761)).toBe('76.1 %');
    expect(fmtRatio('p99 ms', 1.214)).toBe('1.21×');
  });

  it('pads every column to its widest cell', () => {
    expect(table(['a', 'bb'], [['xyz', '1']])).toEqual(['  a     bb', '  xyz    1']);
  });
});

describe('formatTable', () => {
  it('prints every phase the same way: figure, median, ratio to baseline, target, met', () => {
    const lines = formatTable(throughput);
    expect(lines[1]).toBe('[throughput] 10 × 100 batches');
    expect(lines[2]).toMatch(/subject\s+figure\s+median\s+ratio \(median of rounds\)\s+target/);
    expect(lines[3]).toMatch(/^ {2}bare\s+samples\/s\s+2,000,000$/);
    expect(lines[4]).toMatch(
      /ingest\s+samples\/s\s+1,500,000\s+75\.0 % of bare\s+≥ 85 %\s+not met$/,
    );
    expect(lines[5]).toMatch(/Redis B\/sample\s+17\.25\s+met$/);
    expect(lines[6]).toBe('  CPU, ingest 98%');
  });
});

describe('formatReport', () => {
  it('prints the machine, then every table, then the duration', () => {
    const text = formatReport({
      startedAt: '2026-01-01T00:00:00.000Z',
      durationSeconds: 61.4,
      machine: { cpus: 2, cpuModel: 'test', node: 'v20' },
      settings: {},
      tables: [throughput, { ...throughput, phase: 'latency' }],
    });
    expect(text).toContain('2 × test, node v20');
    expect(text.indexOf('[throughput]')).toBeLessThan(text.indexOf('[latency]'));
    expect(text).toContain('61 s in all.');
  });
});

describe('fmtCpu', () => {
  it('gives the median share of a core of each process over the passes', () => {
    const passes: { cpuPercent: Record<string, number> }[] = [
      { cpuPercent: { bench: 90, s3rver: 10 } },
      { cpuPercent: { bench: 70 } },
      { cpuPercent: { bench: 80, s3rver: 20 } },
    ];
    expect(fmtCpu(passes)).toBe('bench 80%, s3rver 15%');
  });
});
