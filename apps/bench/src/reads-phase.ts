import { runRounds } from './runner';
import { mergeNow } from './merge-phase';
import { READ_TARGETS, fmtBytes, roundsRow } from './read-figures';
import { ReadServer, pageProblem, type CacheSetting } from './read-server';
import { ONE_VARIABLE, buildOneVariable, cloneFlushedHistory } from './segmented-history';
import type { HistoryLayout } from './segmented-history';
import { median } from './stats';
import { evenSplit } from './tiering-data';
import { fmtInt, type PhaseTable } from './report';
import { readPhase, type TierPhase } from './tier-phase';

/** Samples per history page, as a client pages through a variable. */
export const HISTORY_PAGE_LIMIT = 10_000;

export type ReadsTier = 'redis' | 'segments' | 'merged';

/** Where the variable lives, and which ingest process reads it (see CachePair). */
export interface ReadsRow {
  tier: ReadsTier;
  cache: CacheSetting;
}

export interface ReadsLayouts {
  samples: number;
  redis: HistoryLayout;
  segments: HistoryLayout;
  merged: { run: string; bytes: number; seconds: number };
}

const ROWS: readonly ReadsRow[] = [
  { tier: 'redis', cache: 'warm' },
  { tier: 'segments', cache: 'warm' },
  { tier: 'segments', cache: 'none' },
  { tier: 'merged', cache: 'warm' },
  { tier: 'merged', cache: 'none' },
];

/**
 * The same variable (BENCH_READS_SAMPLES) three times: all in the Redis
 * buffer; in BENCH_READS_SEGMENTS segments; merged (a copy of the segment
 * run, merged by the Merger).
 */
async function buildReadsHistories(phase: TierPhase): Promise<ReadsLayouts> {
  const { stores, log, config } = phase;
  const samples = config.BENCH_READS_SAMPLES;
  log(`  building ${fmtInt(samples)} samples in Redis, in segments, merged`);
  const redis = await buildOneVariable(phase, 'bench-reads-redis', {
    segmentSamples: [],
    inRedis: samples,
  });
  const segments = await buildOneVariable(phase, 'bench-reads-segments', {
    segmentSamples: evenSplit(samples, config.BENCH_READS_SEGMENTS),
    inRedis: 0,
  });
  const run = `${segments.run}-merged`;
  const started = performance.now();
  await cloneFlushedHistory(stores, segments, run);
  const report = await mergeNow(stores, run);
  if (report.outcome !== 'merged' || report.samples !== samples)
    throw new Error(`merge of ${run}: ${report.outcome}, ${report.samples} samples`);
  const seconds = (performance.now() - started) / 1000;
  log(
    `  built: ${segments.segments} segments; merged ${fmtInt(report.bytes)} bytes in ${seconds.toFixed(1)} s`,
  );
  return { samples, redis, segments, merged: { run, bytes: report.bytes, seconds } };
}

/**
 * History pages through the real ingest process's HTTP route (GET
 * …/samples?variable=&fromSeq=&limit=10000, the stored chunk text joined
 * as it is), the page at seq 1 against the page ending at the last seq, in
 * each layout, from both of a CachePair. In a round, each row's two pages
 * are asked alternately, BENCH_READS_REQUESTS times each; every answer is
 * checked (the seqs asked for, nextSeq). One warm-up pass, then
 * BENCH_ROUNDS rounds.
 */
async function measureReads(phase: TierPhase, layouts: ReadsLayouts): Promise<PhaseTable> {
  const { log, config } = phase;
  const { BENCH_ROUNDS: rounds, BENCH_READS_REQUESTS: requests } = config;
  const runs: Record<ReadsTier, string> = {
    redis: layouts.redis.run,
    segments: layouts.segments.run,
    merged: layouts.merged.run,
  };
  const lastFrom = layouts.samples - HISTORY_PAGE_LIMIT + 1;
  return ReadServer.usingPair(phase, 'reads', async (servers) => {
    let pageBytes = 0;
    const page = async (row: ReadsRow, fromSeq: number): Promise<number> => {
      const server = servers[row.cache];
      const answer = await server.page(runs[row.tier], ONE_VARIABLE, fromSeq, HISTORY_PAGE_LIMIT);
      const problem = pageProblem(answer.body, fromSeq, HISTORY_PAGE_LIMIT);
      if (problem !== undefined) throw new Error(`${row.tier}: ${problem}`);
      pageBytes = answer.bytes;
      return answer.ms;
    };
    const pass = async (row: ReadsRow): Promise<{ firstMs: number; lastMs: number }> => {
      const firsts: number[] = [];
      const lasts: number[] = [];
      for (let i = 0; i < requests; i++) {
        // Alternating which goes first, so neither always follows the other.
        if (i % 2 === 0) firsts.push(await page(row, 1));
        lasts.push(await page(row, lastFrom));
        if (i % 2 === 1) firsts.push(await page(row, 1));
      }
      return { firstMs: median(firsts), lastMs: median(lasts) };
    };
    const subjects = ROWS.map((row) => ({
      name: rowLabel(row),
      measure: () => pass(row),
      describe: (r: { firstMs: number; lastMs: number }) =>
        `seq 1 ${r.firstMs.toFixed(1).padStart(7)} ms, last ${r.lastMs.toFixed(1).padStart(7)} ms ` +
        `(× ${(r.lastMs / r.firstMs).toFixed(2)})`,
    }));
    const measured = await runRounds(subjects, rounds, log);
    return {
      phase: 'reads',
      title:
        `history pages (limit ${fmtInt(HISTORY_PAGE_LIMIT)}) of one variable of ${fmtInt(layouts.samples)} samples ` +
        `through ingest's HTTP route, the page at seq 1 vs the page ending at the last seq, a round's figure the ` +
        `median of ${requests} requests; Redis buffer (${fmtInt(layouts.redis.chunks)} chunks), ` +
        `${layouts.segments.segments} segments (${fmtBytes(layouts.segments.segmentBytes)}), one merged object ` +
        `(${fmtBytes(layouts.merged.bytes)})`,
      figures: subjects.flatMap((s, i) => {
        const first = (measured[i] ?? []).map((r) => r.firstMs);
        return [
          roundsRow(`${s.name}: seq 1`, 'ms', first),
          roundsRow(
            `${s.name}: last seq`,
            'ms',
            (measured[i] ?? []).map((r) => r.lastMs),
            {
              to: 'seq 1',
              baseline: first,
              target: READ_TARGETS.reads,
            },
          ),
        ];
      }),
      notes: [
        `every page checked: ${fmtInt(HISTORY_PAGE_LIMIT)} samples from the seq asked for; a page is ${fmtBytes(pageBytes)}`,
      ],
      details: { layouts },
    };
  });
}

/** `segments, no read cache`: a row as the table and the progress lines name it. */
function rowLabel(row: ReadsRow): string {
  const where = { redis: 'Redis buffer', segments: 'segments', merged: 'merged object' }[row.tier];
  if (row.tier === 'redis') return where;
  return `${where}, ${row.cache === 'warm' ? 'read cache' : 'no read cache'}`;
}

export const readsPhase = readPhase(buildReadsHistories, measureReads);
