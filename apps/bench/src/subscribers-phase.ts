import { CpuMeter } from './cpu-usage';
import { fmtInt } from './format';
import { loggedRounds } from './runner';
import {
  READ_TARGETS,
  crowdTimes,
  judgedRatio,
  roundRatio,
  roundsFigure,
  roundsRow,
} from './read-figures';
import type { JudgedRatio, RoundRatio, RoundsFigure } from './read-figures';
import { ReadServer } from './read-server';
import { ONE_VARIABLE } from './segmented-history';
import { SnapshotClient, SubscriberDisconnected } from './snapshot-client';
import type { SnapshotDecoding, SnapshotTiming } from './snapshot-client';
import { buildSnapshotHistory, type SnapshotLayout } from './snapshot-phase';
import { median } from './stats';
import type { PhaseTable } from './report';
import { readPhase, type TierPhase } from './tier-phase';

/** Segments the joined variable is spread over (the rest, about half of one, in Redis). */
export const SUBSCRIBERS_SEGMENTS = 20;

/** How many subscribe together, decoding their snapshots how. */
interface Subject {
  decoding: SnapshotDecoding;
  crowd: boolean;
}

interface SubjectRound {
  /** Each subscriber's time from the common start to its ack, ms (those not disconnected). */
  doneMs: number[];
  firstMs: number[];
  cpuPercent: Record<string, number>;
  /** Subscribers whose socket went away before their ack, and the first one's error. */
  disconnected: number;
  why?: string;
}

export interface DecodingFigures {
  decoding: SnapshotDecoding;
  /** One subscriber alone: to its ack, and to its first message, ms. */
  aloneMs: RoundsFigure;
  aloneFirstMs: RoundsFigure;
  /** Many at once: the median subscriber and the slowest, to their ack, ms. */
  crowdMedianMs: RoundsFigure;
  crowdMaxMs: RoundsFigure;
  crowdFirstMs: RoundsFigure;
  /** The slowest of many over one alone (against READ_TARGETS.subscribers), and the median one's. */
  maxToAlone: JudgedRatio;
  medianToAlone: RoundRatio;
  /** Median share of a core per process, alone and in the crowd. */
  aloneCpu: Record<string, number>;
  crowdCpu: Record<string, number>;
  /** Subscribers disconnected before their ack, over every round (none for a pass). */
  disconnected: number;
}

export interface SubscribersResults {
  layout: SnapshotLayout;
  rounds: number;
  subscribers: number;
  figures: DecodingFigures[];
  /** Judged on the `json` subscribers (what clients do); `text` shows the server's own share. */
  pass: boolean;
}

/** The variable they join: SUBSCRIBERS_SEGMENTS segments and the Redis buffer. */
async function buildSubscribersHistory(phase: TierPhase): Promise<SnapshotLayout> {
  const { BENCH_SUBSCRIBERS_SAMPLES: samples, BENCH_TIERING_BATCH: batchSamples } = phase.config;
  phase.log(`  building ${fmtInt(samples)} samples over ${SUBSCRIBERS_SEGMENTS} segments + Redis`);
  const plan = {
    rounds: phase.config.BENCH_ROUNDS,
    samples,
    segments: SUBSCRIBERS_SEGMENTS,
    batchSamples,
  };
  const layout = await buildSnapshotHistory(phase, plan);
  phase.log(
    `  built: ${fmtInt(layout.samples)} samples, ${layout.segments} segments + ${fmtInt(layout.inRedis)} in Redis`,
  );
  return layout;
}

/**
 * Socket.IO subscribers of the real ingest process (default read cache)
 * joining one variable from seq 1: one alone, and `subscribers` at once
 * (all connected first, then every `subscribe` sent in the same tick: the
 * clock starts there). Each checks it got exactly 1..N in order and ends at
 * its ack. The subscribers run in this process and share the 2 cores with
 * ingest, so each is measured twice: decoding as every client does
 * (`json`: Socket.IO's JSON.parse of each message) and `text` (only the
 * message's first seq and length read: what is left is the server's work).
 * CPU per process (ingest, bench = the subscribers, redis, s3rver) says
 * which is bound. One warm-up of each alone (it warms the read cache),
 * then `rounds` rounds over the four subjects.
 */
async function measureSubscribers(
  phase: TierPhase,
  layout: SnapshotLayout,
): Promise<SubscribersResults> {
  const { log } = phase;
  const rounds = phase.config.BENCH_ROUNDS;
  const subscribers = phase.config.BENCH_SUBSCRIBERS;
  const subjects: Subject[] = (['json', 'text'] as const).flatMap((decoding) => [
    { decoding, crowd: false },
    { decoding, crowd: true },
  ]);
  return ReadServer.using(phase, { label: 'subscribers' }, async (server) => {
    const cpu = new CpuMeter(server.pids());
    const join = async (subject: Subject): Promise<SubjectRound> => {
      const count = subject.crowd ? subscribers : 1;
      const clients: SnapshotClient[] = [];
      try {
        for (let i = 0; i < count; i++)
          clients.push(await SnapshotClient.connect(server, subject.decoding));
        cpu.start();
        const started = performance.now();
        const settled = await Promise.allSettled(
          clients.map((c) => c.snapshot(layout.run, ONE_VARIABLE, layout.samples, started)),
        );
        const timings: SnapshotTiming[] = [];
        const lost: string[] = [];
        for (const s of settled) {
          if (s.status === 'fulfilled') timings.push(s.value);
          else if (s.reason instanceof SubscriberDisconnected) lost.push(s.reason.message);
          else throw s.reason; // a wrong snapshot fails the bench
        }
        if (timings.length === 0) throw new Error(`every subscriber was disconnected: ${lost[0]}`);
        return {
          doneMs: timings.map((t) => t.doneMs),
          firstMs: timings.map((t) => t.firstMs),
          cpuPercent: cpu.stop(),
          disconnected: lost.length,
          ...(lost[0] !== undefined ? { why: lost[0] } : {}),
        };
      } finally {
        for (const c of clients) c.close();
      }
    };
    const describe = (subject: Subject, r: SubjectRound): string => {
      const crowd = crowdTimes(r.doneMs);
      const who = subject.crowd ? `${subscribers} at once` : 'one alone';
      const cpuText = Object.entries(r.cpuPercent)
        .map(([name, pct]) => `${name} ${pct}%`)
        .join(', ');
      const lost = r.disconnected === 0 ? '' : `; ${r.disconnected} disconnected: ${r.why}`;
      return (
        `${subject.decoding.padEnd(4)} ${who.padEnd(12)} median ${(crowd.medianMs / 1000).toFixed(2)} s, ` +
        `slowest ${(crowd.maxMs / 1000).toFixed(2)} s (${cpuText})${lost}`
      );
    };
    const measured = await loggedRounds(
      subjects,
      rounds,
      log,
      join,
      describe,
      (subject) => !subject.crowd,
    );

    const of = (decoding: SnapshotDecoding, crowd: boolean): SubjectRound[] =>
      measured[subjects.findIndex((s) => s.decoding === decoding && s.crowd === crowd)] ?? [];
    const cpuMedians = (rs: SubjectRound[]): Record<string, number> => {
      const names = new Set(rs.flatMap((r) => Object.keys(r.cpuPercent)));
      return Object.fromEntries(
        [...names].map((n) => [n, median(rs.map((r) => r.cpuPercent[n] ?? 0))]),
      );
    };
    const figures = (['json', 'text'] as const).map((decoding): DecodingFigures => {
      const alone = of(decoding, false);
      const crowd = of(decoding, true);
      const aloneMs = alone.map((r) => median(r.doneMs));
      const crowdMedian = crowd.map((r) => crowdTimes(r.doneMs).medianMs);
      const crowdMax = crowd.map((r) => crowdTimes(r.doneMs).maxMs);
      const maxToAlone = judgedRatio(crowdMax, aloneMs, READ_TARGETS.subscribers);
      return {
        decoding,
        aloneMs: roundsFigure(aloneMs),
        aloneFirstMs: roundsFigure(alone.map((r) => median(r.firstMs))),
        crowdMedianMs: roundsFigure(crowdMedian),
        crowdMaxMs: roundsFigure(crowdMax),
        crowdFirstMs: roundsFigure(crowd.map((r) => median(r.firstMs))),
        maxToAlone,
        medianToAlone: roundRatio(crowdMedian, aloneMs),
        aloneCpu: cpuMedians(alone),
        crowdCpu: cpuMedians(crowd),
        disconnected: [...alone, ...crowd].reduce((n, r) => n + r.disconnected, 0),
      };
    });
    const json = figures.find((f) => f.decoding === 'json');
    const met = json !== undefined && json.maxToAlone.pass && json.disconnected === 0;
    return { layout, rounds, subscribers, figures, pass: met };
  });
}

function subscribersTable(r: SubscribersResults): PhaseTable {
  const l = r.layout;
  const n = r.subscribers;
  const cpu = (c: Record<string, number>): string =>
    Object.entries(c)
      .map(([name, pct]) => `${name} ${Math.round(pct)}%`)
      .join(', ');
  return {
    phase: 'subscribers',
    title:
      `subscribers joining one variable of ${fmtInt(l.samples)} samples (${l.segments} segments + ${fmtInt(l.inRedis)} ` +
      `in Redis) from seq 1 through ingest's Socket.IO, each checked exactly 1..N: one alone vs ${n} at once ` +
      `(subscribe → ack); json: Socket.IO's own decoding, text: only first seq and length read (the server's share)`,
    figures: r.figures.flatMap((f) => {
      const slowest = roundsRow(`${f.decoding}: ${n} at once, slowest`, 'ms', f.crowdMaxMs, {
        to: 'alone',
        ratio: f.maxToAlone,
        target: READ_TARGETS.subscribers,
      });
      // Judged on json (what clients do) and with none disconnected.
      slowest.met = f.decoding === 'json' ? f.maxToAlone.pass && f.disconnected === 0 : undefined;
      if (slowest.met === undefined) delete slowest.met;
      return [
        roundsRow(`${f.decoding}: alone`, 'ms', f.aloneMs),
        roundsRow(`${f.decoding}: ${n} at once, median`, 'ms', f.crowdMedianMs, {
          to: 'alone',
          ratio: f.medianToAlone,
        }),
        slowest,
        roundsRow(`${f.decoding}: alone`, 'first message ms', f.aloneFirstMs),
        roundsRow(`${f.decoding}: ${n} at once`, 'first message ms', f.crowdFirstMs),
      ];
    }),
    notes: r.figures.map(
      (f) =>
        `${f.decoding}: CPU alone ${cpu(f.aloneCpu)}; ${n} at once ${cpu(f.crowdCpu)} (bench = the subscribers); ` +
        `${f.disconnected} disconnected; ${n} at once deliver ` +
        `${fmtInt((n * l.samples) / (f.crowdMaxMs.median / 1000))} samples/s in all`,
    ),
    details: { layout: r.layout },
  };
}

export const subscribersPhase = readPhase(
  buildSubscribersHistory,
  measureSubscribers,
  subscribersTable,
);
