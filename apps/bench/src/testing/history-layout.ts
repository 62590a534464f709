import type { HistoryLayout } from '../segmented-history';

/** A history layout for report tests: 5 M samples of one variable in 50 segments, as `over` changes it. */
export function historyLayout(over: Partial<HistoryLayout> = {}): HistoryLayout {
  return {
    run: 'bench-merge-x',
    variables: ['plant.flow'],
    samplesPerVariable: 5_000_000,
    segments: 50,
    flushes: 50,
    inTransfer: 0,
    inRedis: 0,
    chunks: 5000,
    segmentBytes: 72_000_000,
    segmentTextBytes: 200_000_000,
    redisTextBytes: 0,
    buildSeconds: 12,
    writeSeconds: 5,
    flushSeconds: 4,
    ...over,
  };
}
