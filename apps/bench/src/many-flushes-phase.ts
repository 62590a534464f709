import { setTimeout } from 'node:timers/promises';
import { runRounds } from './runner';
import { READ_TARGETS, roundsRow } from './read-figures';
import { ReadServer, pageProblem, type CacheSetting } from './read-server';
import { HISTORY_PAGE_LIMIT } from './reads-phase';
import { ONE_VARIABLE, buildOneVariable, type HistoryLayout } from './segmented-history';
import { SnapshotClient } from './snapshot-client';
import { median } from './stats';
import { evenSplit } from './tiering-data';
import { fmtInt, type PhaseTable } from './report';
import { readPhase, type TierPhase } from './tier-phase';
import { compactLikeTheWorker, type CompactionTally } from './worker-compaction';

/** A pause after each first-chunk subscriber leaves, while ingest notices. */
const SETTLE_MS = 100;
/** The same data in this many segments: the comparison. */
export const FEW_SEGMENTS = 10;

/**
 * `compacted`: flushed BENCH_MANY_FLUSHES times, compacted as the worker
 * does; `few`: FEW_SEGMENTS flushes; `uncompacted`: as the first, never
 * compacted.
 */
export type FlushLayout = 'compacted' | 'few' | 'uncompacted';
export const FLUSH_LAYOUTS: readonly FlushLayout[] = ['compacted', 'few', 'uncompacted'];

export interface ManyFlushesLayouts {
  samples: number;
  histories: Record<FlushLayout, HistoryLayout>;
  compaction: CompactionTally;
}

interface ManyFlushesRow {
  layout: FlushLayout;
  cache: CacheSetting;
}

/**
 * One variable's samples (BENCH_MANY_FLUSHES_SAMPLES) three times, through
 * the real write and flush paths: BENCH_MANY_FLUSHES flushes with the
 * worker's compactions after them; the same in FEW_SEGMENTS flushes; as
 * many flushes never compacted (what compaction saves). Same samples, same
 * chunks in each.
 */
async function buildManyFlushesHistories(phase: TierPhase): Promise<ManyFlushesLayouts> {
  const { stores, log, config } = phase;
  const { BENCH_MANY_FLUSHES: flushes, BENCH_MANY_FLUSHES_SAMPLES: samples } = config;
  log(
    `  building ${fmtInt(samples)} samples flushed ${flushes} times (compacted), ` +
      `in ${FEW_SEGMENTS} segments, and flushed ${flushes} times uncompacted`,
  );
  const history = (
    layout: FlushLayout,
    parts: number,
    afterFlush?: (run: string) => Promise<void>,
  ) =>
    buildOneVariable(phase, `bench-flushes-${layout}`, {
      segmentSamples: evenSplit(samples, parts),
      inRedis: 0,
      ...(afterFlush !== undefined ? { afterFlush } : {}),
    });
  const compaction = compactLikeTheWorker(stores, [ONE_VARIABLE]);
  const compacted = await history('compacted', flushes, compaction.afterFlush);
  log(
    `  compacted: ${compacted.segments} segments after ${compaction.tally.passes} compactions ` +
      `(${compaction.tally.joined} segments joined into ${compaction.tally.written}, ${compaction.tally.seconds.toFixed(1)} s)`,
  );
  const few = await history('few', FEW_SEGMENTS);
  const uncompacted = await history('uncompacted', flushes);
  return { samples, histories: { compacted, few, uncompacted }, compaction: compaction.tally };
}

/**
 * Through the real ingest process, for each layout: the time from
 * `subscribe` (Socket.IO, from seq 1) to the first snapshot message, and
 * the history page ending at the last seq (HTTP, limit 10,000), asked
 * alternately `requests` times each a round, from an ingest process with
 * its read cache (warm after the warm-up) and one without
 * (READ_CACHE_BYTES=0). Each subscriber connects before its timed
 * subscribe and disconnects at its first message. One warm-up pass, then
 * `rounds` rounds over every row.
 */
async function measureManyFlushes(
  phase: TierPhase,
  layouts: ManyFlushesLayouts,
): Promise<PhaseTable> {
  const { log, config } = phase;
  const { BENCH_ROUNDS: rounds, BENCH_READS_REQUESTS: requests } = config;
  const h = layouts.histories;
  const rows: ManyFlushesRow[] = FLUSH_LAYOUTS.flatMap((layout) =>
    (['warm', 'none'] as const).map((cache) => ({ layout, cache })),
  );
  const name = (row: ManyFlushesRow): string =>
    (row.layout === 'compacted'
      ? `${h.compacted.flushes} flushes, compacted (${h.compacted.segments} segments)`
      : row.layout === 'few'
        ? `${h.few.segments} segments`
        : `${h.uncompacted.flushes} flushes, not compacted`) +
    (row.cache === 'warm' ? ', read cache' : ', no read cache');
  const lastFrom = layouts.samples - HISTORY_PAGE_LIMIT + 1;
  return ReadServer.usingPair(phase, 'many flushes', async (servers) => {
    const firstChunk = async (row: ManyFlushesRow): Promise<number> => {
      const client = await SnapshotClient.connect(servers[row.cache], 'json');
      try {
        return await client.firstChunk(h[row.layout].run, ONE_VARIABLE);
      } finally {
        client.close();
        // Untimed: ingest sends a few more messages before it sees the close; not into the next figure.
        await setTimeout(SETTLE_MS);
      }
    };
    const latePage = async (row: ManyFlushesRow): Promise<number> => {
      const answer = await servers[row.cache].page(
        h[row.layout].run,
        ONE_VARIABLE,
        lastFrom,
        HISTORY_PAGE_LIMIT,
      );
      const problem = pageProblem(answer.body, lastFrom, HISTORY_PAGE_LIMIT);
      if (problem !== undefined) throw new Error(`${row.layout}: ${problem}`);
      return answer.ms;
    };
    type Pass = { firstChunkMs: number; latePageMs: number };
    const subjects = rows.map((row) => ({
      name: name(row),
      measure: async (): Promise<Pass> => {
        const chunks: number[] = [];
        const pages: number[] = [];
        for (let i = 0; i < requests; i++) {
          chunks.push(await firstChunk(row));
          pages.push(await latePage(row));
        }
        return { firstChunkMs: median(chunks), latePageMs: median(pages) };
      },
      describe: (r: Pass) =>
        `first chunk ${r.firstChunkMs.toFixed(1).padStart(7)} ms, late page ${r.latePageMs.toFixed(1).padStart(7)} ms`,
    }));
    const measured = await runRounds(subjects, rounds, log);
    const figure = (fig: string, pick: (r: Pass) => number) => {
      const of = (row: ManyFlushesRow): number[] =>
        (
          measured[rows.findIndex((r) => r.layout === row.layout && r.cache === row.cache)] ?? []
        ).map(pick);
      return rows.map((row) => {
        if (row.layout === 'few') return roundsRow(name(row), fig, of(row));
        const few = { layout: 'few' as const, cache: row.cache };
        return roundsRow(name(row), fig, of(row), {
          to: name(few),
          baseline: of(few),
          ...(row.layout === 'compacted' ? { target: READ_TARGETS.manyFlushes } : {}),
        });
      });
    };
    const c = layouts.compaction;
    return {
      phase: 'many-flushes',
      title:
        `one variable of ${fmtInt(layouts.samples)} samples flushed ${h.compacted.flushes} times and compacted as ` +
        `the worker does, next to the same samples in ${h.few.segments} segments: first snapshot chunk (Socket.IO ` +
        `subscribe → first message) and the page ending at the last seq (HTTP); a round's figure the median of ` +
        `${requests} each`,
      figures: [
        ...figure('first chunk ms', (r) => r.firstChunkMs),
        ...figure('late page ms', (r) => r.latePageMs),
      ],
      notes: [
        `compaction: ${c.passes} passes joined ${c.joined} segments into ${c.written}, ${c.seconds.toFixed(1)} s`,
      ],
      details: { layouts },
    };
  });
}

export const manyFlushesPhase = readPhase(async (phase) => {
  const layouts = await buildManyFlushesHistories(phase);
  const h = layouts.histories;
  phase.log(
    `  built: ${h.compacted.flushes} flushes → ${h.compacted.segments} segments compacted; ` +
      `${h.few.segments} segments; ${h.uncompacted.segments} uncompacted`,
  );
  return layouts;
}, measureManyFlushes);
