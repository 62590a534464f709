import { CpuMeter } from './cpu-usage';
import { runRounds } from './runner';

import { READ_TARGETS, crowdTimes, roundsRow } from './read-figures';
import { ReadServer } from './read-server';
import { ONE_VARIABLE } from './segmented-history';
import { SnapshotClient, SubscriberDisconnected } from './snapshot-client';
import type { SnapshotDecoding, SnapshotTiming } from './snapshot-client';
import { buildSnapshotHistory, type SnapshotLayout } from './snapshot-phase';
import { median } from './stats';
import { fmtCpu, fmtInt, type PhaseTable } from './report';
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
async function measureSubscribers(phase: TierPhase, layout: SnapshotLayout): Promise<PhaseTable> {
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
    const runnerSubjects = subjects.map((subject) => ({
      name: `${subject.decoding} ${subject.crowd ? `${subscribers} at once` : 'one alone'}`,
      measure: () => join(subject),
      // The crowd's warm-up is the one alone's (it warms the read cache).
      ...(subject.crowd ? { warmUp: false as const } : {}),
      describe: (r: SubjectRound) => {
        const crowd = crowdTimes(r.doneMs);
        const lost = r.disconnected === 0 ? '' : `; ${r.disconnected} disconnected: ${r.why}`;
        return (
          `median ${(crowd.medianMs / 1000).toFixed(2)} s, slowest ${(crowd.maxMs / 1000).toFixed(2)} s ` +
          `(${fmtCpu([r])})${lost}`
        );
      },
    }));
    const measured = await runRounds(runnerSubjects, rounds, log);

    const of = (decoding: SnapshotDecoding, crowd: boolean): SubjectRound[] =>
      measured[subjects.findIndex((s) => s.decoding === decoding && s.crowd === crowd)] ?? [];
    const decodings = ['json', 'text'] as const;
    return {
      phase: 'subscribers',
      title:
        `subscribers joining one variable of ${fmtInt(layout.samples)} samples (${layout.segments} segments + ` +
        `${fmtInt(layout.inRedis)} in Redis) from seq 1 through ingest's Socket.IO, each checked exactly 1..N: one ` +
        `alone vs ${subscribers} at once (subscribe → ack); json: Socket.IO's own decoding, text: only first seq ` +
        `and length read (the server's share)`,
      figures: decodings.flatMap((decoding) => {
        const alone = of(decoding, false);
        const crowd = of(decoding, true);
        const aloneMs = alone.map((r) => median(r.doneMs));
        const crowdMedian = crowd.map((r) => crowdTimes(r.doneMs).medianMs);
        const crowdMax = crowd.map((r) => crowdTimes(r.doneMs).maxMs);
        const disconnected = [...alone, ...crowd].reduce((n, r) => n + r.disconnected, 0);
        const slowest = roundsRow(`${decoding}: ${subscribers} at once, slowest`, 'ms', crowdMax, {
          to: 'alone',
          baseline: aloneMs,
          target: READ_TARGETS.subscribers,
        });
        // Judged on json (what clients do), with none disconnected; text shows the server's share.
        if (decoding === 'json') slowest.met = slowest.met === true && disconnected === 0;
        else delete slowest.met;
        return [
          roundsRow(`${decoding}: alone`, 'ms', aloneMs),
          roundsRow(`${decoding}: ${subscribers} at once, median`, 'ms', crowdMedian, {
            to: 'alone',
            baseline: aloneMs,
          }),
          slowest,
          roundsRow(
            `${decoding}: alone`,
            'first message ms',
            alone.map((r) => median(r.firstMs)),
          ),
          roundsRow(
            `${decoding}: ${subscribers} at once`,
            'first message ms',
            crowd.map((r) => median(r.firstMs)),
          ),
        ];
      }),
      notes: decodings.map(
        (d) =>
          `${d}: CPU alone ${fmtCpu(of(d, false))}; ${subscribers} at once ${fmtCpu(of(d, true))} (bench = the ` +
          `subscribers); ${[...of(d, false), ...of(d, true)].reduce((n, r) => n + r.disconnected, 0)} disconnected; ` +
          `${subscribers} at once deliver ${fmtInt((subscribers * layout.samples) / (median(of(d, true).map((r) => crowdTimes(r.doneMs).maxMs)) / 1000))} samples/s in all`,
      ),
      details: { layout },
    };
  });
}

export const subscribersPhase = readPhase(buildSubscribersHistory, measureSubscribers);
