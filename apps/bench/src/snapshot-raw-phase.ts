import { CpuMeter } from './cpu-usage';
import { READ_TARGETS } from './read-figures';
import { figures, runRounds, versus, type Figure } from './runner';
import { SeqTally } from './tiering-figures';
import { ReadServer } from './read-server';
import { readListRaw, readObjectsRaw, type RawReadWatch } from './raw-reads';
import { ONE_VARIABLE, buildOneVariable, type HistoryLayout } from './segmented-history';
import { SnapshotClient } from './snapshot-client';
import { evenSplit } from './tiering-data';
import { fmtCpu, fmtInt, type PhaseTable } from './report';
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

type SnapshotRawSubject =
  'subscriberRedis' | 'rawRedis' | 'subscriberSegments' | 'subscriberSegmentsNoCache' | 'rawS3';

const LABELS: Record<SnapshotRawSubject, string> = {
  subscriberRedis: 'subscriber, variable in Redis',
  rawRedis: 'raw LRANGE + decode',
  subscriberSegments: 'subscriber, segments, read cache',
  subscriberSegmentsNoCache: 'subscriber, segments, no read cache',
  rawS3: 'raw GetObject + gunzip + JSON.parse',
};

/** Each subscriber against its raw baseline, rate over rate. */
const COMPARISONS: Partial<Record<SnapshotRawSubject, SnapshotRawSubject>> = {
  subscriberRedis: 'rawRedis',
  subscriberSegments: 'rawS3',
  subscriberSegmentsNoCache: 'rawS3',
};

interface SubjectRound {
  seconds: number;
  cpuPercent: Record<string, number>;
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
 * same stored data in this process: LRANGE of the buffer + the decoding of
 * each chunk (parseStoredChunk: packed doubles read as they are, no text;
 * the variable in Redis), GetObject + gunzip + JSON.parse of
 * each line of the same segment objects (the variable in S3). The S3 one is
 * read by an ingest process with its read cache (warm after the warm-up)
 * and by one without (READ_CACHE_BYTES=0: from s3rver every time, as the
 * raw read). One warm-up pass, then `rounds` rounds over the five.
 */
async function measureSnapshotRaw(
  phase: TierPhase,
  layouts: SnapshotRawLayouts,
): Promise<PhaseTable> {
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
    const names = Object.keys(LABELS) as SnapshotRawSubject[];
    const subjects = names.map((name) => ({
      name: LABELS[name],
      measure: measure[name],
      describe: (r: SubjectRound) =>
        `${r.seconds.toFixed(3)} s ${fmtInt(samples / r.seconds).padStart(11)} samples/s`,
    }));
    const measured = await runRounds(subjects, rounds, log);
    const rows = figures(subjects, measured, {
      figure: 'samples/s',
      value: (r) => samples / r.seconds,
    });
    return {
      phase: 'snapshot-raw',
      title:
        `one subscriber's snapshot (subscribe → ack, Socket.IO JSON decoding, checked 1..N) of ${fmtInt(samples)} ` +
        `samples vs the raw read of the same stored data in the bench process: all in Redis ` +
        `(${fmtInt(layouts.redis.chunks)} chunks), all in ${layouts.segments.segments} segments`,
      figures: names.map((name, i) => {
        const baseline = COMPARISONS[name];
        const row = rows[i] as Figure;
        if (baseline === undefined) return row;
        return versus(rows, LABELS[name], LABELS[baseline], {
          target: READ_TARGETS.snapshotRaw,
          unit: 'share',
        });
      }),
      notes: subjects.map(
        (s, i) => `${s.name}: CPU ${fmtCpu(measured[i] ?? [])} (bench = the decoding or raw read)`,
      ),
      details: { layouts },
    };
  });
}

export const snapshotRawPhase = readPhase(buildSnapshotRawHistories, measureSnapshotRaw);
