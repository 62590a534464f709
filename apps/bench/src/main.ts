/**
 * `npm run bench`: the phases BENCH_PHASES picks, in their fixed order, each
 * on servers of its own and on the one runner (runner.ts: subjects
 * alternating round by round, medians, medians of per-round ratios to a
 * baseline), then one report (report.ts): a table per phase, printed and
 * written to results/latest.json. Throughput and latency: ingest against
 * bare servers (ingest-phases.ts). The tiers: flush, snapshot, merge, jobs.
 * The reads (issue 12): reads, series, many-flushes, subscribers,
 * snapshot-raw, through the real ingest process.
 */
import { mkdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { loadBenchConfig, type BenchPhase } from './config';
import { formatCpuProfileSummary } from './cpu-profile-summary';
import { flushPhase } from './flush-phase';
import { profileInProcess } from './in-process-profile';
import { ingestPhases } from './ingest-phases';
import { jobsPhase } from './jobs-phase';
import { manyFlushesPhase } from './many-flushes-phase';
import { mergePhase } from './merge-phase';
import { readsPhase } from './reads-phase';
import { formatReport, writeResults, type PhaseTable } from './report';
import { seriesPhase } from './series-phase';
import { snapshotPhase } from './snapshot-phase';
import { snapshotRawPhase } from './snapshot-raw-phase';
import { subscribersPhase } from './subscribers-phase';
import { Teardown } from './teardown';
import type { Profiler, TierPhase } from './tier-phase';
import { TieringStores } from './tiering-stores';

/** The phases on a redis-server and an s3rver of their own, in the order they run. */
const STORE_PHASES: Partial<Record<BenchPhase, (phase: TierPhase) => Promise<PhaseTable>>> = {
  flush: flushPhase,
  snapshot: snapshotPhase,
  merge: mergePhase,
  jobs: jobsPhase,
  reads: readsPhase,
  series: seriesPhase,
  'many-flushes': manyFlushesPhase,
  subscribers: subscribersPhase,
  'snapshot-raw': snapshotRawPhase,
};

async function main(teardown: Teardown): Promise<void> {
  const config = loadBenchConfig();
  const log = (line: string): void => console.log(line);
  const started = performance.now();
  const startedAt = new Date().toISOString();

  const profileDir = config.BENCH_PROFILE ? join(config.BENCH_RESULTS_DIR, 'profiles') : undefined;
  // Up front (mkdir -p), so an unwritable results folder fails now rather than after the run.
  for (const dir of [config.BENCH_RESULTS_DIR, profileDir])
    if (dir !== undefined) mkdirSync(dir, { recursive: true });
  /** Printed after the tables: CPU profile summaries (BENCH_PROFILE). */
  const afterReport: string[] = [];
  const serverProfiles: TierPhase['serverProfiles'] =
    profileDir === undefined
      ? undefined
      : { dir: profileDir, add: (title, summary) => afterReport.push(`\n${title}`, summary) };
  const profile: Profiler | undefined =
    profileDir === undefined
      ? undefined
      : async (name, fn) => {
          const { result, file, summary } = await profileInProcess(profileDir, name, fn);
          afterReport.push(
            `\nbench process CPU profile (one unmeasured ${name} pass): ${file}`,
            formatCpuProfileSummary(summary),
          );
          return result;
        };

  const tables: PhaseTable[] = [];
  if (config.BENCH_PHASES.includes('throughput')) {
    const ingest = await ingestPhases(config, teardown, log, profileDir);
    tables.push(...ingest.tables);
    if (ingest.profileSummary !== undefined) afterReport.unshift(ingest.profileSummary);
  }
  // Each phase on a redis-server and an s3rver of its own, stopped when it ends
  // (and by the teardown if it fails), so phases never share state.
  for (const name of config.BENCH_PHASES) {
    const phase = STORE_PHASES[name];
    if (phase === undefined) continue;
    log(`\n${name}: starting redis-server and s3rver`);
    const stores = await TieringStores.start();
    teardown.add(`${name} phase stores`, () => stores.stop());
    tables.push(await phase({ stores, log, profile, serverProfiles, config }));
    await stores.stop();
  }

  const { BENCH_RESULTS_DIR, ...settings } = config;
  const results = {
    startedAt,
    durationSeconds: (performance.now() - started) / 1000,
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
      node: process.version,
    },
    settings,
    tables,
  };
  const path = join(BENCH_RESULTS_DIR, 'latest.json');
  writeResults(path, results);
  log(formatReport(results));
  log(`figures written to ${path}`);
  for (const line of afterReport) log(line);
}

const teardown = new Teardown();
process.once('SIGINT', () => {
  void teardown.run().then(() => process.exit(130));
});
main(teardown)
  .then(() => teardown.run())
  .catch(async (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    await teardown.run();
    process.exitCode = 1;
  });
