// The functions passed to page.evaluate and waitForFunction run in the page: DOM types.
/// <reference lib="dom" />
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ColdStore } from '@runstream/cold-store';
import { HotStore } from '@runstream/hot-store';
import { seedRunningVariable, type Signal } from '@runstream/tiering/testing';
import { startRedis, startS3Server, useFixture, waitFor } from '@runstream/testkit';
import type { PanelReport } from '@runstream/viewer';
import { launchChromium, type HeadlessChromium } from './testing/headless-chromium';
import { READ_TOKEN } from './testing/ingest-harness';
import { spawnIngest } from './testing/ingest-process';

// A running variable of 20 M samples spread over the tiers (S3 segments
// with their pyramids, a transfer key, the Redis buffer), seeded straight
// into the stores (writing it through ingest would take minutes), opened
// in the viewer in headless Chromium: the first view is its whole range
// (first and last t on the x axis), and a spike of one sample in its
// middle is drawn at that widest zoom.

const ARTIFACTS = join(__dirname, '..', '..', '..', 'test-artifacts', 'viewer');
const RUN = 'viewer-long';
const VARIABLE = 'plant.flow';
const SAMPLES = 20_000_000;
const SPIKE_SEQ = 10_000_001;
const SPIKE = 1_000_000;
/**
 * A slow sine between -1000 and 1000, t the step, one sample far above the
 * rest. Integers: their text is the cheapest to make and to gzip, which is
 * most of the seeding's time.
 */
const SIGNAL: Signal = {
  t: (seq) => seq,
  v: (seq) => (seq === SPIKE_SEQ ? SPIKE : Math.round(Math.sin(seq / 50_000) * 1000)),
};

const stores = useFixture(async () => {
  const [redis, s3] = await Promise.all([startRedis(), startS3Server()]);
  const hot = HotStore.connect(redis.url);
  const cold = new ColdStore(s3.connection);
  return {
    redis,
    s3,
    hot,
    cold,
    stop: async () => {
      cold.close();
      await hot.close();
      await Promise.all([redis.stop(), s3.dispose()]);
    },
  };
});

describe('viewer: a 20 M-sample variable', () => {
  jest.setTimeout(300_000);

  it('the first view is the whole range, and a one-sample spike in its middle is drawn', async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const { redis, s3, hot, cold } = stores;
    const seedStart = performance.now();
    const seeded = await seedRunningVariable(hot, cold, {
      run: RUN,
      variable: VARIABLE,
      signal: SIGNAL,
      samples: SAMPLES,
      segmentSamples: 2_000_000,
      inTransfer: 3000,
      inRedis: 2000,
    });
    expect(seeded).toEqual({ count: SAMPLES, min: -1000, max: SPIKE });
    console.log(
      `viewer-long: seeded ${SAMPLES} samples in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`,
    );
    const ingest = await spawnIngest(redis.url, s3.connection);
    let browser: HeadlessChromium | undefined;
    const pageProblems: string[] = [];
    try {
      browser = await launchChromium();
      const page = await browser.context.newPage();
      page.on('pageerror', (err) => pageProblems.push(String(err)));
      page.on('response', (res) => {
        if (res.status() >= 400) pageProblems.push(`${res.status()} ${res.url()}`);
      });
      await page.goto(ingest.baseUrl);
      await page.evaluate((token) => localStorage.setItem('runstream.token', token), READ_TOKEN);
      // The view from a link: the run and one panel of the variable.
      await page.goto(
        `${ingest.baseUrl}/?run=${RUN}&p=${encodeURIComponent(JSON.stringify([VARIABLE]))}`,
      );
      const panel = await waitFor(
        'the whole range plotted',
        async () => {
          const [report] = await page.evaluate(() =>
            (
              window as unknown as { runstreamViewer: { panels(): PanelReport[] } }
            ).runstreamViewer.panels(),
          );
          return report?.plot !== undefined && report.variables[0]?.lastSeq === SAMPLES
            ? report
            : undefined;
        },
        120_000,
      );
      await page.screenshot({ path: join(ARTIFACTS, 'long-variable.png'), fullPage: true });
      const [v] = panel.variables;
      // Every seq in the buckets, once; buckets, not raw samples, and the page says so.
      expect(v).toMatchObject({ name: VARIABLE, lastSeq: SAMPLES, contiguous: true, max: SPIKE });
      expect(v?.bucketSeqs).toBeGreaterThan(1);
      expect(panel.mode).toMatch(/buckets of [\d,]+ samples/);
      // The x axis spans the first and the last t; the spike's bucket carries it to the plot.
      expect(panel.plot).toMatchObject({
        xMin: SIGNAL.t(1),
        xMax: SIGNAL.t(SAMPLES),
        tFirst: SIGNAL.t(1),
        tLast: SIGNAL.t(SAMPLES),
        yMax: SPIKE,
      });
      expect(pageProblems).toEqual([]);
    } finally {
      await browser?.close();
      await ingest.kill();
    }
  });
});
