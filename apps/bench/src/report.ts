import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { BatchShape } from './bodies';
import { fmtInt, fmtMs, fmtPercent } from './format';
import type { LatencyFigures } from './latency-phase';
import { median } from './stats';
import type { ThroughputFigures } from './throughput-phase';

/** Ingest should keep at least this share of the bare Express ceiling. */
export const THROUGHPUT_TARGET_RATIO = 0.85;
/** POST → subscriber, p99 (median over rounds), at half of ingest's maximum rate. */
export const LATENCY_TARGET_P99_MS = 10;

export interface ThroughputRatio {
  /** Median samples/s of one over the other's. */
  ratio: number;
  /** Median of the per-round ratios (round i of each ran back to back). */
  medianRoundRatio: number;
}

/** How `subject` compares with `baseline`, both measured in the same interleaved rounds. */
export function throughputRatio(
  subject: ThroughputFigures,
  baseline: ThroughputFigures,
): ThroughputRatio {
  const perRound = subject.rounds.map(
    (r, i) => r.samplesPerSecond / (baseline.rounds[i]?.samplesPerSecond ?? Number.NaN),
  );
  return {
    ratio: subject.medianSamplesPerSecond / baseline.medianSamplesPerSecond,
    medianRoundRatio: median(perRound),
  };
}

/** Everything one run measured; written as latest.json. */
export interface BenchResults {
  startedAt: string;
  durationSeconds: number;
  machine: { cpus: number; cpuModel: string; node: string };
  settings: {
    rounds: number;
    seconds: number;
    warmupSeconds: number;
    connections: number;
    batch: BatchShape;
    bodyBytes: number;
  };
  throughput: {
    bare: ThroughputFigures;
    /** The bare server also storing each body's text with one RPUSH. */
    bareRedis: ThroughputFigures;
    ingest: ThroughputFigures;
    /** Median ingest over median bare: the figure the target is about. */
    ratio: number;
    /** Median of the per-round ratios (each round's servers ran back to back). */
    medianRoundRatio: number;
    target: number;
    pass: boolean;
    /** Ingest against bare + Redis, as `ratio` and `medianRoundRatio` (no target). */
    toBareRedis: ThroughputRatio;
    /** Bare + Redis against bare: what parsing-and-storing costs any design on this machine. */
    bareRedisToBare: ThroughputRatio;
  };
  latency: {
    ratePerSecond: number;
    bare: LatencyFigures;
    bareRedis: LatencyFigures;
    ingest: LatencyFigures;
    targetP99Ms: number;
    pass: boolean;
  };
}

/** The summary table printed at the end of a run. */
export function formatReport(r: BenchResults): string {
  const s = r.settings;
  const t = r.throughput;
  const l = r.latency;
  const cpu = (f: ThroughputFigures): string =>
    Object.keys(f.rounds[0]?.cpuPercent ?? {})
      .map(
        (name) =>
          `${name} ${Math.round(median(f.rounds.map((r) => r.cpuPercent[name] ?? Number.NaN)))}%`,
      )
      .join(', ');
  const tputRow = (name: string, f: ThroughputFigures): string =>
    `  ${name.padEnd(40)} ${fmtInt(f.medianSamplesPerSecond).padStart(12)} ${fmtInt(f.medianRequestsPerSecond).padStart(8)}   ${cpu(f)}`;
  const latRow = (name: string, f: LatencyFigures): string =>
    `  ${name.padEnd(40)} ${fmtMs(f.medianRoundP50Ms)} ${fmtMs(f.medianRoundP99Ms)}   ` +
    `${fmtMs(f.overallMs.p50)} ${fmtMs(f.overallMs.p99)} ${fmtMs(f.overallMs.max)}   ${f.received}/${f.sent}`;
  const verdict = (pass: boolean): string => (pass ? 'PASS' : 'FAIL');

  return [
    '',
    `Runstream bench, ${r.startedAt}: ${r.machine.cpus} × ${r.machine.cpuModel}, node ${r.machine.node}`,
    `batches of ${s.batch.variables} variables × ${s.batch.samplesPerVariable} samples (${fmtInt(s.bodyBytes)} bytes), ` +
      `${s.rounds} rounds × ${s.seconds} s after ${s.warmupSeconds} s warm-up, medians over rounds`,
    '',
    `Throughput, closed loop, ${s.connections} keep-alive connections   samples/s    req/s   CPU, % of a core (median)`,
    tputRow('bare Express 5: express.json + 200', t.bare),
    tputRow('bare + Redis: parse + RPUSH body, 200', t.bareRedis),
    tputRow('ingest: auth, validate, Redis, emit', t.ingest),
    `  ingest / bare:         ${fmtPercent(t.ratio)} (median of per-round ratios ${fmtPercent(t.medianRoundRatio)}); ` +
      `target ≥ ${fmtPercent(t.target)}: ${verdict(t.pass)}`,
    `  ingest / bare + Redis: ${fmtPercent(t.toBareRedis.ratio)} (median of per-round ratios ${fmtPercent(t.toBareRedis.medianRoundRatio)})` +
      `;  bare + Redis / bare: ${fmtPercent(t.bareRedisToBare.ratio)}`,
    '',
    `Latency POST → subscriber, open loop at ${fmtInt(l.ratePerSecond)} req/s (half of ingest's max)`,
    `  ${''.padEnd(40)} ${'median of rounds'.padStart(21)}   ${'all events pooled'.padStart(32)}`,
    `  ${''.padEnd(40)} ${'p50'.padStart(10)} ${'p99'.padStart(10)}   ${'p50'.padStart(10)} ${'p99'.padStart(10)} ${'max'.padStart(10)}   received/sent`,
    latRow('bare socket.io: emit parsed body', l.bare),
    latRow('bare + Redis: RPUSH, then emit', l.bareRedis),
    latRow('ingest', l.ingest),
    `  ingest p99 (median of rounds) ${fmtMs(l.ingest.medianRoundP99Ms).trim()}; target < ${l.targetP99Ms} ms: ${verdict(l.pass)}` +
      `   (pacer lag p99 ${fmtMs(l.ingest.pacerLagMs.p99).trim()}, not in the figures: each body is stamped when actually sent)`,
    '',
    `${r.durationSeconds.toFixed(0)} s in all.`,
    '',
  ].join('\n');
}

export function writeResults(path: string, results: BenchResults): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(results, null, 2)}\n`);
}
