/// <reference lib="dom" />
// The functions passed to page.evaluate and waitForFunction run in the page: DOM types.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ColdStore } from '@runstream/cold-store';
import { HotStore } from '@runstream/hot-store';
import {
  seedCompletedVariable,
  seedRunningVariable,
  type Signal,
} from '@runstream/tiering/testing';
import {
  freePort,
  launchChromium,
  startRedis,
  startS3Server,
  type HeadlessChromium,
} from '@runstream/testkit';
import { stopLoudly } from './child-server';
import { READ_TOKEN, WRITE_TOKEN, startIngestServer } from './servers/ingest-server';
import { median } from './stats';

/**
 * `node apps/bench/dist/viewer-figures.js` (not part of `npm run bench`):
 * the viewer's time to first plot and bytes transferred for a long running
 * variable (S3 segments, a transfer key, the Redis buffer) and a longer
 * completed one (merged object and manifest, Redis never told), both
 * seeded straight into the stores (tiering/testing), opened in headless
 * Chromium from a link (the run and one panel), each round in a fresh
 * browser profile (nothing cached). Time to first plot: from the page's
 * navigation start to the frame where its chart shows the variable's
 * whole range (every seq in its buckets). Bytes: every response of the
 * page until then (encoded body and headers: the page, its bundle and
 * styles, the API's answers), and the series answer alone.
 */

const env = (name: string, fallback: number): number => {
  const n = Number(process.env[name] ?? fallback);
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer`);
  return n;
};
const RUNNING_SAMPLES = env('BENCH_VIEWER_RUNNING_SAMPLES', 20_000_000);
const COMPLETED_SAMPLES = env('BENCH_VIEWER_COMPLETED_SAMPLES', 100_000_000);
const ROUNDS = env('BENCH_VIEWER_ROUNDS', 5);
const RESULTS_DIR = process.env.BENCH_RESULTS_DIR ?? join(__dirname, '..', 'results');
const TARGET_MS = 1000;
const TARGET_BYTES = 500 * 1024;
const VARIABLE = 'plant.flow';

/** A slow sine (integers: the cheapest text to seed), t the step, one spike in the middle. */
const signalOf = (samples: number): Signal => ({
  t: (seq) => seq,
  v: (seq) =>
    seq === Math.ceil(samples / 2) ? 1_000_000 : Math.round(Math.sin(seq / 50_000) * 1000),
});

interface Subject {
  name: 'running' | 'completed';
  run: string;
  samples: number;
}

interface Round {
  firstPlotMs: number;
  /** The series request alone: sent to its last byte. */
  seriesMs: number;
  totalBytes: number;
  seriesBytes: number;
  requests: number;
}

interface ViewerReport {
  plot?: unknown;
  variables: Array<{ lastSeq: number }>;
}

const log = (line: string): void => console.log(`[viewer-figures] ${line}`);

async function main(): Promise<void> {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const [redis, s3] = await Promise.all([
    startRedis(),
    startS3Server({ bucket: 'rs-bench-viewer' }),
  ]);
  const hot = HotStore.connect(redis.url);
  const cold = new ColdStore(s3.connection);
  try {
    const subjects: Subject[] = [
      { name: 'running', run: 'viewer-running', samples: RUNNING_SAMPLES },
      { name: 'completed', run: 'viewer-completed', samples: COMPLETED_SAMPLES },
    ];
    for (const s of subjects) {
      const started = performance.now();
      log(`seeding the ${s.name} variable: ${s.samples.toLocaleString('en')} samples`);
      const signal = signalOf(s.samples);
      if (s.name === 'running')
        await seedRunningVariable(hot, cold, {
          run: s.run,
          variable: VARIABLE,
          signal,
          samples: s.samples,
          segmentSamples: 2_000_000,
          inTransfer: 3000,
          inRedis: 2000,
        });
      else await seedCompletedVariable(cold, s.run, VARIABLE, signal, s.samples);
      log(`  seeded in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    }

    const ingest = await startIngestServer({
      port: await freePort(),
      redisUrl: redis.url,
      writeToken: WRITE_TOKEN,
      readToken: READ_TOKEN,
      maxBodyBytes: 16 * 1024 * 1024,
      s3,
    });
    const browser = await launchChromium();
    const rounds: Record<Subject['name'], Round[]> = { running: [], completed: [] };
    try {
      for (let round = 1; round <= ROUNDS; round++) {
        // Alternated: neither subject always meets the other's warm caches.
        const order = round % 2 === 1 ? subjects : [...subjects].reverse();
        for (const s of order) {
          const r = await firstPlot(browser.context, ingest.baseUrl, s);
          rounds[s.name].push(r);
          log(
            `  round ${round} ${s.name}: first plot ${r.firstPlotMs.toFixed(0)} ms ` +
              `(series request ${r.seriesMs.toFixed(0)} ms), ` +
              `${r.totalBytes.toLocaleString('en')} bytes (series ${r.seriesBytes.toLocaleString('en')}) in ${r.requests} requests`,
          );
        }
      }
    } finally {
      await browser.close();
      await stopLoudly(ingest);
    }

    const figures = subjects.map((s) => {
      const rs = rounds[s.name];
      const ms = median(rs.map((r) => r.firstPlotMs));
      const bytes = median(rs.map((r) => r.totalBytes));
      return {
        subject: s.name,
        samples: s.samples,
        firstRoundMs: rs[0]?.firstPlotMs,
        firstPlotMs: ms,
        seriesMs: median(rs.map((r) => r.seriesMs)),
        totalBytes: bytes,
        seriesBytes: median(rs.map((r) => r.seriesBytes)),
        msTarget: ms < TARGET_MS ? 'met' : 'not met',
        bytesTarget: bytes < TARGET_BYTES ? 'met' : 'not met',
      };
    });
    console.table(figures);
    writeFileSync(
      join(RESULTS_DIR, 'viewer.json'),
      JSON.stringify({ rounds: ROUNDS, figures, perRound: rounds }, null, 2),
    );
  } finally {
    cold.close();
    await hot.close();
    await Promise.all([redis.stop(), s3.dispose()]);
  }
}

/** One cold page load of `subject`'s panel, in a fresh page with nothing cached. */
async function firstPlot(
  context: HeadlessChromium['context'],
  baseUrl: string,
  subject: Subject,
): Promise<Round> {
  // launchChromium's context is persistent (its own profile): its cache is cleared and switched off.
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.clearBrowserCache');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  await page.addInitScript((token) => localStorage.setItem('runstream.token', token), READ_TOKEN);
  const received = new Map<string, { url: string; bytes: number; ms: number }>();
  const sentAt = new Map<string, number>();
  cdp.on('Network.requestWillBeSent', (e) => sentAt.set(e.requestId, e.timestamp));
  cdp.on('Network.responseReceived', (e) =>
    received.set(e.requestId, { url: e.response.url, bytes: 0, ms: 0 }),
  );
  cdp.on('Network.loadingFinished', (e) => {
    const r = received.get(e.requestId);
    if (r === undefined) return;
    r.bytes = e.encodedDataLength;
    r.ms = (e.timestamp - (sentAt.get(e.requestId) ?? e.timestamp)) * 1000;
  });
  const link = `${baseUrl}/?run=${subject.run}&p=${encodeURIComponent(JSON.stringify([VARIABLE]))}`;
  await page.goto(link);
  // Polled each frame: the first frame whose chart holds every seq.
  const handle = await page.waitForFunction(
    (n) => {
      const viewer = (window as unknown as { runstreamViewer?: { panels(): ViewerReport[] } })
        .runstreamViewer;
      const [panel] = viewer?.panels() ?? [];
      return panel?.plot !== undefined && panel.variables[0]?.lastSeq === n
        ? performance.now()
        : undefined;
    },
    subject.samples,
    { polling: 'raf', timeout: 120_000 },
  );
  const firstPlotMs = (await handle.jsonValue()) as number;
  // Responses that arrived before the plot but whose loading has not been reported yet.
  for (const deadline = Date.now() + 2000; Date.now() < deadline;) {
    if ([...received.values()].every((r) => r.bytes > 0 || r.url.includes('/socket.io/'))) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const seen = [...received.values()];
  const series = seen.filter((r) => r.url.includes('/series?'));
  await page.close();
  return {
    firstPlotMs,
    seriesMs: series.reduce((n, r) => Math.max(n, r.ms), 0),
    totalBytes: seen.reduce((n, r) => n + r.bytes, 0),
    seriesBytes: series.reduce((n, r) => n + r.bytes, 0),
    requests: seen.length,
  };
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
