import { READ_TARGETS, judgedRatio, roundRatio, roundsFigure } from './read-figures';
import { fmtBytes, formatReads, formatSnapshotRaw, formatSubscribers, table } from './read-report';
import type { ReadsResults } from './reads-phase';
import type { SnapshotRawResults } from './snapshot-raw-phase';
import type { SubscribersResults } from './subscribers-phase';
import { historyLayout } from './testing/history-layout';

const history = historyLayout;

describe('table', () => {
  it('pads every column to its widest cell, the first to the left, the others to the right', () => {
    expect(
      table(
        ['name', 'ms'],
        [
          ['a', '1.0'],
          ['longer', '10.5'],
        ],
      ),
    ).toEqual(['  name       ms', '  a         1.0', '  longer   10.5']);
  });
});

describe('fmtBytes', () => {
  it('says B, kB or MB (10^3, 10^6)', () => {
    expect(fmtBytes(512)).toBe('512 B');
    expect(fmtBytes(395_800)).toBe('395.8 kB');
    expect(fmtBytes(72_000_000)).toBe('72.0 MB');
  });
});

describe('formatReads', () => {
  it('gives each layout its times, the ratio and met or not met', () => {
    const row = (
      tier: 'redis' | 'merged',
      cache: 'warm' | 'none',
      first: number[],
      last: number[],
    ) => ({
      tier,
      cache,
      firstMs: roundsFigure(first),
      lastMs: roundsFigure(last),
      ratio: judgedRatio(last, first, READ_TARGETS.reads),
      pageBytes: 395_800,
    });
    const r: ReadsResults = {
      layouts: {
        samples: 5_000_000,
        redis: history({ segments: 0, inRedis: 5_000_000 }),
        segments: history(),
        merged: { run: 'm', bytes: 72_000_000, seconds: 3 },
      },
      rounds: 3,
      requests: 11,
      limit: 10_000,
      rows: [
        row('redis', 'warm', [20, 22, 24], [18, 20, 22]),
        row('merged', 'none', [50, 60, 55], [100, 90, 95]),
      ],
      pass: false,
    };
    const text = formatReads(r).join('\n');
    expect(text).toContain('of one variable of 5,000,000 samples');
    expect(text).toMatch(/Redis buffer\s+22\.0 ms\s+20\.0 ms\s+395\.8 kB\s+0\.91×\s+≤ 1\.5×\s+met/);
    expect(text).toMatch(
      /merged object, no read cache\s+55\.0 ms\s+95\.0 ms\s+395\.8 kB\s+1\.73×\s+≤ 1\.5×\s+not met/,
    );
  });
});

describe('formatSubscribers', () => {
  const figures = (
    decoding: 'json' | 'text',
    alone: number,
    slowest: number,
    disconnected = 0,
  ) => ({
    decoding,
    aloneMs: roundsFigure([alone]),
    aloneFirstMs: roundsFigure([20]),
    crowdMedianMs: roundsFigure([slowest - 100]),
    crowdMaxMs: roundsFigure([slowest]),
    crowdFirstMs: roundsFigure([2000]),
    maxToAlone: judgedRatio([slowest], [alone], READ_TARGETS.subscribers),
    medianToAlone: roundRatio([slowest - 100], [alone]),
    aloneCpu: { ingest: 50, bench: 40 },
    crowdCpu: { ingest: 60, bench: 90 },
    disconnected,
  });

  it('judges json subscribers, shows text as the server side, and counts the disconnected', () => {
    const r: SubscribersResults = {
      layout: {
        ...history({ segments: 20, inRedis: 48_800 }),
        variable: 'plant.flow',
        samples: 2_000_000,
        samplesPerSegment: 97_560,
      },
      rounds: 1,
      subscribers: 50,
      figures: [figures('json', 600, 31_000, 2), figures('text', 400, 1_000)],
      pass: false,
    };
    const text = formatSubscribers(r).join('\n');
    expect(text).toMatch(
      /json\s+0\.60 s\s+30\.90 s\s+31\.00 s\s+51\.67×\s+51\.50×\s+≤ 3×\s+not met \(2 disconnected\)/,
    );
    expect(text).toMatch(/text\s+0\.40 s.*2\.50×\s+2\.25×\s+≤ 3×\s+\(server side: met\)/);
    expect(text).toContain('50 at once ingest 60%, bench 90%');
  });
});

describe('formatSnapshotRaw', () => {
  it('gives each subscriber its rate as a share of its raw baseline', () => {
    const figure = (subject: SnapshotRawResults['figures'][number]['subject'], s: number) => ({
      subject,
      seconds: roundsFigure([s]),
      samplesPerSecond: roundsFigure([2_000_000 / s]),
      cpuPercent: { bench: 80 },
    });
    const r: SnapshotRawResults = {
      layouts: {
        samples: 2_000_000,
        redis: history({ segments: 0, chunks: 2000 }),
        segments: history({ segments: 20, segmentBytes: 28_300_000 }),
      },
      rounds: 1,
      figures: [figure('subscriberRedis', 1), figure('rawRedis', 0.5)],
      comparisons: [
        {
          subject: 'subscriberRedis',
          baseline: 'rawRedis',
          ratio: judgedRatio([0.5], [1], READ_TARGETS.snapshotRaw),
        },
      ],
      pass: false,
    };
    const text = formatSnapshotRaw(r).join('\n');
    expect(text).toMatch(/subscriber, variable in Redis\s+1\.000 s\s+2,000,000\s+bench 80%/);
    expect(text).toMatch(
      /subscriber, variable in Redis\s+raw LRANGE \+ JSON\.parse\s+50\.0 %\s+≥ 80 %\s+not met/,
    );
  });
});
