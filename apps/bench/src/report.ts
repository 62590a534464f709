/**
 * The one report: every phase's figures as a table of the same columns
 * (subject, figure, median over rounds, median of per-round ratios to the
 * phase's baseline, target, met or not), and results/latest.json holding
 * the same tables with every round's values.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Figure } from './runner';
import { median } from './stats';

/** What one phase reports. */
export interface PhaseTable {
  phase: string;
  /** The heading: what was measured, on what, how. */
  title: string;
  figures: Figure[];
  /** Lines under the table: CPU by process, checks done, where time went. */
  notes?: string[];
  /** What the phase built or measured beside its figures (layouts, volumes), for latest.json. */
  details?: unknown;
}

export interface BenchResults {
  startedAt: string;
  durationSeconds: number;
  machine: { cpus: number; cpuModel: string; node: string };
  /** The bench's settings (BENCH_*), as parsed. */
  settings: Record<string, unknown>;
  tables: PhaseTable[];
}

/** `1,234,567`: a whole number with thousands separators. */
export const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');

/** `1,234,567`; `123`; `12.35`; `0.412`: as many digits as a figure of that size needs. */
export function fmtValue(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a >= 1000) return Math.round(x).toLocaleString('en-US');
  if (a >= 100) return x.toFixed(0);
  return a >= 1 ? x.toFixed(2) : x.toFixed(3);
}

/** Median share of a core per process over timed passes: `bench 98%, redis 12%`. */
export function fmtCpu(passes: readonly { cpuPercent: Record<string, number> }[]): string {
  const names = new Set(passes.flatMap((t) => Object.keys(t.cpuPercent)));
  return [...names]
    .map(
      (name) => `${name} ${Math.round(median(passes.flatMap((t) => t.cpuPercent[name] ?? [])))}%`,
    )
    .join(', ');
}

/** A ratio of rates as a share (`76.1 %`), of times or sizes as a factor (`1.21×`). */
export function fmtRatio(figure: string, ratio: number): string {
  return figure.includes('/s') ? `${(ratio * 100).toFixed(1)} %` : `${ratio.toFixed(2)}×`;
}

/** A table: the header row, then rows, every column but the first right-aligned to its widest cell. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    `  ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('   ')}`.trimEnd();
  return [line(header), ...rows.map(line)];
}

export function formatTable(t: PhaseTable): string[] {
  const rows = t.figures.map((f) => [
    f.subject,
    f.figure,
    fmtValue(f.median),
    f.ratio === undefined ? '' : `${fmtRatio(f.figure, f.ratio.median)} of ${f.ratio.to}`,
    f.target ?? '',
    f.met === undefined ? '' : f.met ? 'met' : 'not met',
  ]);
  return [
    '',
    `[${t.phase}] ${t.title}`,
    ...table(['subject', 'figure', 'median', 'ratio (median of rounds)', 'target', ''], rows),
    ...(t.notes ?? []).map((n) => `  ${n}`),
  ];
}

export function formatReport(r: BenchResults): string {
  return [
    '',
    `Runstream bench, ${r.startedAt}: ${r.machine.cpus} × ${r.machine.cpuModel}, node ${r.machine.node}`,
    'figures: medians over rounds; ratios: medians of per-round ratios (subjects alternate round by round)',
    ...r.tables.flatMap(formatTable),
    '',
    `${r.durationSeconds.toFixed(0)} s in all.`,
    '',
  ].join('\n');
}

export function writeResults(path: string, results: BenchResults): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(results, null, 2)}\n`);
}
