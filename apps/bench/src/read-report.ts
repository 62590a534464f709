/**
 * The tables of the read phases (issue 12's figures), each with its
 * targets and whether they are met. Pure: from the phases' results.
 */
import { fmtInt, fmtPercent } from './format';
import type { ManyFlushesResults } from './many-flushes-phase';
import { READ_TARGETS, fmtTarget, metOrNot } from './read-figures';
import { rowLabel, type ReadsResults } from './reads-phase';
import type { SeriesResults } from './series-phase';
import { SNAPSHOT_RAW_LABELS, type SnapshotRawResults } from './snapshot-raw-phase';
import type { SubscribersResults } from './subscribers-phase';

const ms = (x: number): string => `${x.toFixed(1)} ms`;
const times = (x: number): string => `${x.toFixed(2)}×`;
/** `1.2 MB`, `35.0 kB`: sizes of answers and objects (decimal units). */
export const fmtBytes = (n: number): string =>
  n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} kB` : `${n} B`;

/** A table: the header row, then rows, every column padded to its widest cell. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    `  ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('   ')}`;
  return [line(header), ...rows.map(line)];
}

export function formatReads(r: ReadsResults): string[] {
  const l = r.layouts;
  return [
    '',
    `History pages (limit ${fmtInt(r.limit)}) of one variable of ${fmtInt(l.samples)} samples through ingest's HTTP route: ` +
      `the page at seq 1 vs the page ending at the last seq; per round the median of ${r.requests} requests each, ` +
      `medians of ${r.rounds} rounds. Layouts: Redis buffer (${fmtInt(l.redis.chunks)} chunks), ` +
      `${l.segments.segments} segments (${fmtBytes(l.segments.segmentBytes)}), one merged object (${fmtBytes(l.merged.bytes)})`,
    ...table(
      ['where the variable is', 'seq 1', 'last seq', 'page', 'last / seq 1', 'target', ''],
      r.rows.map((row) => [
        rowLabel(row),
        ms(row.firstMs.median),
        ms(row.lastMs.median),
        fmtBytes(row.pageBytes),
        times(row.ratio.ratio),
        fmtTarget(READ_TARGETS.reads),
        metOrNot(row.ratio.pass),
      ]),
    ),
    `  (last / seq 1: median of per-round ratios; every page checked: ${fmtInt(r.limit)} samples from the seq asked for)`,
  ];
}

export function formatSeries(r: SeriesResults): string[] {
  const { completed, running, compaction } = r.layouts;
  const f = r.figures;
  const row = (name: string, x: SeriesResults['figures']['completed']): string[] => [
    name,
    ms(x.coldMs.median),
    ms(x.warmMs.median),
    `${fmtInt(x.buckets)} × ${fmtInt(x.bucketSeqs)}`,
    fmtBytes(x.bytes),
    fmtTarget(x.target),
    `${metOrNot(x.coldPass)} / ${metOrNot(x.warmPass)}`,
  ];
  return [
    '',
    `Series (GET …/series?points=${r.points}) of a whole variable through ingest's HTTP route; cold: ` +
      `the first request of a fresh ingest process (empty read cache, code warmed on another variable), warm: ` +
      `the median of ${r.requests} more; medians of ${r.rounds} rounds`,
    `  completed: ${fmtInt(completed.samples)} samples (${fmtBytes(completed.textBytes)} of text) in one merged object ` +
      `(${fmtBytes(completed.mergedBytes)}); built in ${completed.writeSeconds.toFixed(0)} s + merged in ${completed.mergeSeconds.toFixed(0)} s (not timed)`,
    `  running: ${fmtInt(running.samplesPerVariable)} samples: ${running.flushes} flushes → ${running.segments} segments ` +
      `(${compaction.passes} compactions), ${fmtInt(running.inTransfer)} in a transfer key, ${fmtInt(running.inRedis)} in the buffer`,
    ...table(
      ['variable', 'cold', 'warm', 'buckets × seqs', 'answer', 'target', 'cold / warm'],
      [row('completed (S3, merged)', f.completed), row('running (Redis + S3)', f.running)],
    ),
  ];
}

export function formatManyFlushes(r: ManyFlushesResults): string[] {
  const h = r.layouts.histories;
  const c = r.layouts.compaction;
  const name = (layout: string): string =>
    layout === 'compacted'
      ? `${h.compacted.flushes} flushes, compacted (${h.compacted.segments} segments)`
      : layout === 'few'
        ? `${h.few.segments} segments`
        : `${h.uncompacted.flushes} flushes, not compacted`;
  const cacheName = (cache: string): string => (cache === 'warm' ? 'read cache' : 'no read cache');
  return [
    '',
    `Many flushes: one variable of ${fmtInt(r.layouts.samples)} samples flushed ${h.compacted.flushes} times and compacted as the ` +
      `worker does (${c.passes} compactions joined ${c.joined} segments into ${c.written}, ${c.seconds.toFixed(1)} s), ` +
      `next to the same samples in ${h.few.segments} segments; first snapshot chunk (Socket.IO subscribe → first message) ` +
      `and the page ending at the last seq (HTTP); per round the median of ${r.requests} each, medians of ${r.rounds} rounds`,
    ...table(
      ['layout', 'ingest', 'first chunk', 'late page'],
      r.rows.map((x) => [
        name(x.layout),
        cacheName(x.cache),
        ms(x.firstChunkMs.median),
        ms(x.latePageMs.median),
      ]),
    ),
    ...table(
      ['against ' + name('few'), 'ingest', 'first chunk', 'late page', 'target', ''],
      r.comparisons.map((x) => [
        name(x.layout),
        cacheName(x.cache),
        times(x.firstChunk.ratio),
        times(x.latePage.ratio),
        fmtTarget(READ_TARGETS.manyFlushes),
        x.layout === 'compacted' ? metOrNot(x.firstChunk.pass && x.latePage.pass) : '(no target)',
      ]),
    ),
  ];
}

/** `ingest 98%, bench 40%`: median share of a core per process. */
const fmtCpu = (cpu: Record<string, number>): string =>
  Object.entries(cpu)
    .map(([name, pct]) => `${name} ${Math.round(pct)}%`)
    .join(', ');

export function formatSubscribers(r: SubscribersResults): string[] {
  const l = r.layout;
  const n = r.subscribers;
  const s = (x: number): string => `${(x / 1000).toFixed(2)} s`;
  return [
    '',
    `Subscribers joining one variable of ${fmtInt(l.samples)} samples (${l.segments} segments + ${fmtInt(l.inRedis)} in Redis) ` +
      `from seq 1 through ingest's Socket.IO, each checked exactly 1..N: one alone vs ${n} at once (subscribe → ack); ` +
      `json: Socket.IO's own decoding (JSON.parse), text: only first seq and length read; medians of ${r.rounds} rounds`,
    ...table(
      [
        'decoding',
        'alone',
        `${n}: median`,
        `${n}: slowest`,
        'slowest / alone',
        'median / alone',
        'target',
        '',
      ],
      r.figures.map((f) => [
        f.decoding,
        s(f.aloneMs.median),
        s(f.crowdMedianMs.median),
        s(f.crowdMaxMs.median),
        times(f.maxToAlone.ratio),
        times(f.medianToAlone.ratio),
        fmtTarget(READ_TARGETS.subscribers),
        (f.decoding === 'json'
          ? metOrNot(f.maxToAlone.pass && f.disconnected === 0)
          : `(server side: ${metOrNot(f.maxToAlone.pass)})`) +
          (f.disconnected === 0 ? '' : ` (${f.disconnected} disconnected)`),
      ]),
    ),
    ...r.figures.flatMap((f) => [
      `  ${f.decoding}: CPU alone ${fmtCpu(f.aloneCpu)}; ${n} at once ${fmtCpu(f.crowdCpu)} (bench = the subscribers); ` +
        `first message alone ${ms(f.aloneFirstMs.median)}, ${n} at once ${ms(f.crowdFirstMs.median)}; ` +
        `${n} at once deliver ${fmtInt((n * l.samples) / (f.crowdMaxMs.median / 1000))} samples/s in all`,
    ]),
  ];
}

export function formatSnapshotRaw(r: SnapshotRawResults): string[] {
  const l = r.layouts;
  return [
    '',
    `One subscriber's snapshot (subscribe → ack, Socket.IO JSON decoding, checked 1..N) of ${fmtInt(l.samples)} samples ` +
      `vs the raw read of the same stored data in the bench process: all in Redis (${fmtInt(l.redis.chunks)} chunks), ` +
      `all in ${l.segments.segments} segments (${fmtBytes(l.segments.segmentBytes)}); medians of ${r.rounds} rounds`,
    ...table(
      ['', 'time', 'samples/s', 'CPU, % of a core'],
      r.figures.map((f) => [
        SNAPSHOT_RAW_LABELS[f.subject],
        `${f.seconds.median.toFixed(3)} s`,
        fmtInt(f.samplesPerSecond.median),
        fmtCpu(f.cpuPercent),
      ]),
    ),
    ...table(
      ['rate of', 'vs', 'ratio', 'target', ''],
      r.comparisons.map((c) => [
        SNAPSHOT_RAW_LABELS[c.subject],
        SNAPSHOT_RAW_LABELS[c.baseline],
        fmtPercent(c.ratio.ratio),
        fmtTarget(READ_TARGETS.snapshotRaw),
        metOrNot(c.ratio.pass),
      ]),
    ),
    `  (ratio: median of per-round ratios; bench = the subscriber's decoding or the raw read)`,
  ];
}
