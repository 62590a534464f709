import { CpuMeter } from './cpu-usage';
import { loggedRounds } from './runner';
import {
  READ_TARGETS,
  judgedRatio,
  roundsFigure,
  roundsRow,
  type JudgedRatio,
} from './read-figures';
import type { RoundsFigure } from './read-figures';
import { ReadServer } from './read-server';
import { readListRaw, readObjectsRaw, type RawReadWatch } from './raw-reads';
import { ONE_VARIABLE, buildOneVariable, type HistoryLayout } from './segmented-history';
import { SnapshotClient } from './snapshot-client';
import { median } from './stats';
import { fmtInt } from './format';
import { evenSplit } from './tiering-data';
import { SeqTally } from './tiering-figures';
import type { PhaseTable } from './report';
import { readPhase, type TierPhase } from './tier-phase';

/** Segments of the variable held in S3. */
export const SNAPSHOT_RAW_SEGMENTS = 20;

export interface SnapshotRawLayouts {
  samples: number;
  /** All of it in the Redis buffer. */
  redis: HistoryLayout;
  /** All of it in SNAPSHOT_RAW_SEGMENTS segments. */
  segments: HistoryLayout;
}

export type SnapshotRawSubject =
  'subscriberRedis' | 'rawRedis' | 'subscriberSegments' | 'subscriberSegmentsNoCache' | 'rawS3';

export const SNAPSHOT_RAW_SUBJECTS: readonly SnapshotRawSubject[] = [
  'subscriberRedis',
  'rawRedis',
  'subscriberSegments',
  'subscriberSegmentsNoCache',
  'rawS3',
];

export const SNAPSHOT_RAW_LABELS: Record<SnapshotRawSubject, string> = {
  subscriberRedis: 'subscriber, variable in Redis',
  rawRedis: 'raw LRANGE + JSON.parse',
  subscriberSegments: 'subscriber, segments, read cache',
  subscriberSegmentsNoCache: 'subscriber, segments, no read cache',
  rawS3: 'raw GetObject + gunzip + JSON.parse',
};

interface SubjectRound {
  seconds: number;
  cpuPercent: Record<string, number>;
}

export interface SnapshotRawFigures {
  subject: SnapshotRawSubject;
  seconds: RoundsFigure;
  samplesPerSecond: RoundsFigure;
  cpuPercent: Record<string, number>;
}

/** A subscriber against its raw baseline: rate over rate, round by round. */
export interface SnapshotRawComparison {
  subject: SnapshotRawSubject;
  baseline: SnapshotRawSubject;
  /** Against READ_TARGETS.snapshotRaw. */
  ratio: JudgedRatio;
}

export interface SnapshotRawResults {
  layouts: SnapshotRawLayouts;
  rounds: number;
  figures: SnapshotRawFigures[];
  comparisons: SnapshotRawComparison[];
  pass: boolean;
}

/** BENCH_SNAPSHOT_RAW_SAMPLES samples all in the Redis buffer, and the same in SNAPSHOT_RAW_SEGMENTS segments. */
async function buildSnapshotRawHistories(phase: TierPhase): Promise<SnapshotRawLayouts> {
  const samples = phase.config.BENCH_SNAPSHOT_RAW_SAMPLES;
  phase.log(
    `  building ${fmtInt(samples)} samples in Redis and in ${SNAPSHOT_RAW_SEGMENTS} segments`,
  );
  const redis = await buildOneVariable(phase, 'bench-snapshot-raw-redis', {
    segmentSamples: [],
    inRedis: samples,
  });
  const segments = await buildOneVariable(phase, 'bench-snapshot-raw-segments', {
    segmentSamples: evenSplit(samples, SNAPSHOT_RAW_SEGMENTS),
    inRedis: 0,
  });
  return { samples, redis, segments };
}

/**
 * One Socket.IO subscriber's whole snapshot (from `subscribe` to its ack,
 * decoded as every client decodes it: Socket.IO's JSON.parse, checked
 * exactly 1..N) from the real ingest process, against the raw read of the
 * same stored data in this process: LRANGE of the buffer + JSON.parse of
 * each chunk (the variable in Redis), GetObject + gunzip + JSON.parse of
 * each line of the same segment objects (the variable in S3). The S3 one is
 * read by an ingest process with its read cache (warm after the warm-up)
 * and by one without (READ_CACHE_BYTES=0: from s3rver every time, as the
 * raw read). One warm-up pass, then `rounds` rounds over the five.
 */
async function measureSnapshotRaw(
  phase: TierPhase,
  layouts: SnapshotRawLayouts,
): Promise<SnapshotRawResults> {
  const { stores, log, config } = phase;
  const { samples } = layouts;
  const rounds = config.BENCH_ROUNDS;
  const segmentKeys = (await stores.cold.listSegments(layouts.segments.run, ONE_VARIABLE)).map(
    (s) => s.key,
  );
  const bufferKey = stores.hot.keys.buffer(layouts.redis.run, ONE_VARIABLE);
  return ReadServer.usingPair(phase, 'snapshot-raw', async (servers) => {
    // Each subscriber's figure counts the ingest process that serves it (raw reads: the first).
    const cpu = (server: ReadServer): CpuMeter => new CpuMeter(server.pids());
    /** Connects (untimed), then times subscribe → ack. */
    const subscriber = async (server: ReadServer, run: string): Promise<SubjectRound> => {
      const client = await SnapshotClient.connect(server, 'json');
      try {
        return await cpu(server).measure(() => client.snapshot(run, ONE_VARIABLE, samples));
      } finally {
        client.close();
      }
    };
    const raw = (read: (watch: RawReadWatch) => Promise<void>): Promise<SubjectRound> =>
      cpu(servers.warm).measure(async () => {
        const tally = new SeqTally();
        await read({ data: () => undefined, chunk: (first, count) => tally.add(first, count) });
        const problem = tally.check(samples);
        if (problem !== undefined) throw new Error(`raw read: ${problem}`);
      });
    const measure: Record<SnapshotRawSubject, () => Promise<SubjectRound>> = {
      subscriberRedis: () => subscriber(servers.warm, layouts.redis.run),
      rawRedis: () => raw((watch) => readListRaw(stores.hot.redis, bufferKey, true, watch)),
      subscriberSegments: () => subscriber(servers.warm, layouts.segments.run),
      subscriberSegmentsNoCache: () => subscriber(servers.none, layouts.segments.run),
      rawS3: () => raw((watch) => readObjectsRaw(stores, segmentKeys, 'parse', watch)),
    };
    const describe = (subject: SnapshotRawSubject, r: SubjectRound): string =>
      `${SNAPSHOT_RAW_LABELS[subject].padEnd(36)} ${r.seconds.toFixed(3)} s ` +
      `${Math.round(samples / r.seconds)
        .toLocaleString('en-US')
        .padStart(11)} samples/s`;
    const measured = await loggedRounds(
      SNAPSHOT_RAW_SUBJECTS,
      rounds,
      log,
      (s) => measure[s](),
      describe,
    );
    const secondsOf = (s: SnapshotRawSubject): number[] =>
      (measured[SNAPSHOT_RAW_SUBJECTS.indexOf(s)] ?? []).map((r) => r.seconds);
    const figures = SNAPSHOT_RAW_SUBJECTS.map((subject, i): SnapshotRawFigures => {
      const of = measured[i] ?? [];
      const names = new Set(of.flatMap((r) => Object.keys(r.cpuPercent)));
      return {
        subject,
        seconds: roundsFigure(of.map((r) => r.seconds)),
        samplesPerSecond: roundsFigure(of.map((r) => samples / r.seconds)),
        cpuPercent: Object.fromEntries(
          [...names].map((n) => [n, median(of.map((r) => r.cpuPercent[n] ?? 0))]),
        ),
      };
    });
    const compare = (
      subject: SnapshotRawSubject,
      baseline: SnapshotRawSubject,
    ): SnapshotRawComparison => {
      // Rates over the same samples: the baseline's time over the subject's.
      const ratio = judgedRatio(secondsOf(baseline), secondsOf(subject), READ_TARGETS.snapshotRaw);
      return { subject, baseline, ratio };
    };
    const comparisons = [
      compare('subscriberRedis', 'rawRedis'),
      compare('subscriberSegments', 'rawS3'),
      compare('subscriberSegmentsNoCache', 'rawS3'),
    ];
    const met = comparisons.every((c) => c.ratio.pass);
    return { layouts, rounds, figures, comparisons, pass: met };
  });
}

function snapshotRawTable(r: SnapshotRawResults): PhaseTable {
  const l = r.layouts;
  const cpu = (c: Record<string, number>): string =>
    Object.entries(c)
      .map(([name, pct]) => `${name} ${Math.round(pct)}%`)
      .join(', ');
  return {
    phase: 'snapshot-raw',
    title:
      `one subscriber's snapshot (subscribe → ack, Socket.IO JSON decoding, checked 1..N) of ${fmtInt(l.samples)} ` +
      `samples vs the raw read of the same stored data in the bench process: all in Redis ` +
      `(${fmtInt(l.redis.chunks)} chunks), all in ${l.segments.segments} segments`,
    figures: r.figures.map((f) => {
      const cmp = r.comparisons.find((c) => c.subject === f.subject);
      return roundsRow(
        SNAPSHOT_RAW_LABELS[f.subject],
        'samples/s',
        f.samplesPerSecond,
        cmp && {
          to: SNAPSHOT_RAW_LABELS[cmp.baseline],
          ratio: cmp.ratio,
          target: READ_TARGETS.snapshotRaw,
        },
      );
    }),
    notes: r.figures.map(
      (f) =>
        `${SNAPSHOT_RAW_LABELS[f.subject]}: CPU ${cpu(f.cpuPercent)} (bench = the decoding or raw read)`,
    ),
    details: { layouts: r.layouts },
  };
}

export const snapshotRawPhase = readPhase(
  buildSnapshotRawHistories,
  measureSnapshotRaw,
  snapshotRawTable,
);
