// The functions passed to page.evaluate and waitForFunction run in the page: DOM types.
/// <reference lib="dom" />
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { Run } from '@runstream/domain';
import type { PanelReport } from '@runstream/viewer';
import { RunstreamClient, type Producer } from '@runstream/sdk';
import { freePort, startRedis, startS3Server, useFixture, waitFor } from '@runstream/testkit';
import { Queues } from '@runstream/queues';
import {
  FLUSH_EVERYTHING,
  startWorker,
  waitForIdleQueue,
  workerEnv,
} from '@runstream/worker/testing';
import { launchChromium, type HeadlessChromium } from './testing/headless-chromium';
import { READ_TOKEN, WRITE_TOKEN } from './testing/ingest-harness';
import { spawnIngest, type IngestProcess } from './testing/ingest-process';
import { waitForPanelVariable } from './testing/viewer-panels';

// The viewer (packages/viewer, served by the built ingest) in a real headless
// Chromium: the token pasted, two panels of a running run receiving live
// samples, a zoom answered with finer buckets, an ingest restart the plots
// survive without a gap, and a completed run opened from S3. Screenshots go
// to test-artifacts/viewer (gitignored).

const ARTIFACTS = join(__dirname, '..', '..', '..', 'test-artifacts', 'viewer');
const LIVE_RUN = 'viewer-live';
const DONE_RUN = 'viewer-done';
/** Samples of osc.x written before the page opens: the first view is buckets of them. */
const PRELOADED = 200_000;
const SPIKE_SEQ = PRELOADED / 2;
const SPIKE = 1000;

const backends = useFixture(async () => {
  const [redis, s3] = await Promise.all([startRedis(), startS3Server()]);
  return { redis, s3, stop: () => Promise.all([redis.stop(), s3.dispose()]).then(() => undefined) };
});

const panels = (page: Page): Promise<PanelReport[]> =>
  page.evaluate(() =>
    (
      window as unknown as { runstreamViewer: { panels(): PanelReport[] } }
    ).runstreamViewer.panels(),
  );

/** The report of `variable` in the panels, once `accept` takes it. */
const waitForVariable = (
  page: Page,
  ...rest: Parameters<typeof waitForPanelVariable> extends [unknown, ...infer R] ? R : never
): ReturnType<typeof waitForPanelVariable> => waitForPanelVariable(() => panels(page), ...rest);

/** Logs a damped oscillator, a 3-component state, a phase string and odd values, 400 samples/s each. */
function startModel(producer: Producer, fromSeq: number): { stop(): void; written(): number } {
  let seq = fromSeq;
  const timer = setInterval(() => {
    for (let i = 0; i < 20; i++, seq++) {
      const t = seq / 1000;
      producer.log('osc.x', t, Math.exp(-t / 500) * Math.sin(t * 5));
      producer.log('lorenz.state', t, [Math.sin(t), Math.cos(t), Math.sin(t / 3) * 2]);
      producer.log('odd', t, seq % 97 === 0 ? NaN : seq % 131 === 0 ? Infinity : Math.cos(t));
      if (seq % 200 === 0) producer.log('phase', t, seq % 400 === 0 ? 'inhale' : 'exhale');
    }
  }, 50);
  return { stop: () => clearInterval(timer), written: () => seq - 1 };
}

describe('viewer in headless Chromium', () => {
  jest.setTimeout(240_000);

  it('token, runs, two live panels, zoom to finer data, ingest restart without a gap, a completed run', async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const { redis, s3 } = backends;
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    let ingest: IngestProcess = await spawnIngest(redis.url, s3.connection, { PORT: String(port) });
    const worker = await startWorker(workerEnv(redis.url, s3.connection), {
      MERGE_QUIESCENCE_MS: '200',
      ...FLUSH_EVERYTHING,
    });
    const queues = new Queues({ url: redis.url });
    const client = new RunstreamClient({ url: baseUrl, token: WRITE_TOKEN });
    let browser: HeadlessChromium | undefined;
    let model: ReturnType<typeof startModel> | undefined;
    let producer: Producer | undefined;
    const pageProblems: string[] = [];
    let failureShot: (() => Promise<unknown>) | undefined;
    let passed = false;
    try {
      // A completed run (served from S3 once merged) and a running one with a long history.
      await client.createRun({ id: DONE_RUN, meta: { model: 'ramp' } });
      const done = client.producer(DONE_RUN, { minIntervalMs: 0 });
      for (let i = 1; i <= 5000; i++) done.log('ramp', i / 10, i % 1000);
      await done.complete();
      await client.createRun({ id: LIVE_RUN, meta: { model: 'oscillator', seed: 42 } });
      producer = client.producer(LIVE_RUN, { minIntervalMs: 0 });
      for (let seq = 1; seq <= PRELOADED; seq++) {
        const t = seq / 1000;
        producer.log('osc.x', t, seq === SPIKE_SEQ ? SPIKE : Math.exp(-t / 500) * Math.sin(t * 5));
      }
      await producer.flush();
      // The history in S3 segments (with their bucket pyramids), the live tail in Redis.
      await queues.add('flush', { reason: 'forced', requestedAt: Date.now() });
      await waitForIdleQueue(queues.queue('flush'), 60_000);
      model = startModel(producer, PRELOADED + 1);

      browser = await launchChromium();
      const page = await browser.context.newPage();
      page.on('pageerror', (err) => pageProblems.push(String(err)));
      page.on('console', (m) => {
        // The browser's own line for each failed request (the 401 above) says nothing the page does not.
        if (m.type() === 'error' && !m.text().startsWith('Failed to load resource'))
          pageProblems.push(m.text());
      });
      page.on('response', (res) => {
        if (res.status() >= 500) pageProblems.push(`${res.status()} ${res.url()}`);
      });
      failureShot = () => page.screenshot({ path: join(ARTIFACTS, 'failure.png'), fullPage: true });
      await page.goto(baseUrl);

      // A wrong token: said plainly. The right one: used at once, no reload.
      await page.fill('#token', 'not-a-token');
      await page.waitForFunction(() =>
        /401/.test(document.getElementById('message')?.textContent ?? ''),
      );
      await page.fill('#token', READ_TOKEN);
      await page.waitForSelector(`tr[data-run="${LIVE_RUN}"]`);
      await page.waitForSelector(`tr[data-run="${DONE_RUN}"]`);
      await page.click(`tr[data-run="${LIVE_RUN}"]`);
      await page.waitForSelector('li[data-variable="lorenz.state"]');
      // Time to first plot and bytes of the whole-range series, for a variable spread over tiers
      // (S3 segments with their pyramids, then Redis): a figure, printed, not asserted.
      const firstSeries = page.waitForResponse(
        (res) => res.url().includes('/series?variable=osc.x') && !res.url().includes('fromT'),
      );
      const clickedAt = Date.now();
      await page.click('li[data-variable="osc.x"] .add-panel');
      await page.locator('.panel').first().locator('canvas').waitFor();
      const firstPlotMs = Date.now() - clickedAt;
      const seriesBytes = (await (await firstSeries).body()).length;
      console.log(
        `viewer first plot: ${PRELOADED} samples of osc.x, ${firstPlotMs} ms from the click to the plot, ${seriesBytes} bytes of series`,
      );
      await page.click('li[data-variable="lorenz.state"] .add-panel');
      // Overlaid in the same panel: a variable with NaN and +Infinity among its values.
      await page.click('li[data-variable="odd"] .overlay');
      await page.click('li[data-variable="phase"] .add-panel');

      // The first view: the whole range in buckets, the one-sample spike among them.
      const first = await waitForVariable(
        page,
        'osc.x',
        'whole range loaded',
        (v) => v.lastSeq >= PRELOADED,
      );
      expect(first.bucketSeqs).toBeGreaterThan(1);
      expect(first.max).toBe(SPIKE);
      const modeText = (await panels(page))[0]?.mode ?? '';
      expect(modeText).toMatch(/buckets of [\d,]+ samples/);

      // Points arrive in both panels.
      const state0 = await waitForVariable(
        page,
        'lorenz.state',
        'live samples',
        (v) => v.lastSeq > 0,
      );
      await waitForVariable(
        page,
        'lorenz.state',
        'more live samples',
        (v) => v.lastSeq > state0.lastSeq + 200,
      );
      await waitForVariable(page, 'osc.x', 'live samples', (v) => v.lastSeq > PRELOADED + 200);
      const phase = await waitForVariable(page, 'phase', 'events', (v) => v.events > 1);
      expect(phase.eventsEachOnce).toBe(true);
      await waitForVariable(
        page,
        'odd',
        'NaN and +Infinity marked',
        (_, panel) =>
          /NaN/.test(panel.mode) && /\+Infinity/.test(panel.mode) && panel.variables.length === 2,
      );
      await page.waitForFunction(
        () => document.getElementById('connection')?.dataset.state === 'connected',
      );
      await page.screenshot({ path: join(ARTIFACTS, 'live.png'), fullPage: true });

      // Zoom: drag over a tenth of the first panel; every panel fetches finer buckets.
      const over = page.locator('.panel').first().locator('.u-over');
      const box = await over.boundingBox();
      if (box === null) throw new Error('no plot area');
      await page.mouse.move(box.x + box.width * 0.45, box.y + box.height / 2);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2, { steps: 5 });
      await page.mouse.up();
      const zoomed = await waitForVariable(
        page,
        'osc.x',
        'finer buckets of the zoomed range',
        (v, panel) => v.zoomedBucketSeqs !== undefined && /zoomed/.test(panel.mode),
      );
      expect(zoomed.zoomedBucketSeqs).toBeLessThan(zoomed.bucketSeqs);
      expect(page.url()).toContain('t=');
      await page.screenshot({ path: join(ARTIFACTS, 'zoomed.png'), fullPage: true });
      await page.locator('.panel').first().locator('.u-over').dblclick();
      await page.waitForFunction(() => !window.location.search.includes('t='));

      // Ingest restarts on the same port: the page reconnects and resumes every panel from its last seq.
      const before = await waitForVariable(page, 'lorenz.state', 'live', (v) => v.lastSeq > 0);
      await ingest.kill();
      await page.waitForFunction(
        () => document.getElementById('connection')?.dataset.state === 'reconnecting',
      );
      ingest = await spawnIngest(redis.url, s3.connection, { PORT: String(port) });
      await page.waitForFunction(
        () => document.getElementById('connection')?.dataset.state === 'connected',
        undefined,
        { timeout: 30_000 },
      );
      await waitForVariable(
        page,
        'lorenz.state',
        'live after the restart',
        (v) => v.lastSeq > before.lastSeq + 500,
      );
      model.stop();
      await producer.flush();
      // Every seq once, across the restart: osc.x after its preloaded history, lorenz.state from 1.
      const written = model.written();
      const expected = { 'osc.x': written, 'lorenz.state': written - PRELOADED };
      for (const [name, count] of Object.entries(expected)) {
        const v = await waitForVariable(
          page,
          name,
          `every seq to ${count}`,
          (x) => x.lastSeq >= count,
        );
        expect(v.lastSeq).toBe(count);
        expect(v.contiguous).toBe(true);
      }
      await page.screenshot({ path: join(ARTIFACTS, 'after-restart.png'), fullPage: true });

      // A completed run opens like a running one; its status says why it completed.
      await waitFor(
        `${DONE_RUN} completed`,
        async () => {
          const res = await fetch(`${baseUrl}/v1/runs/${DONE_RUN}`, {
            headers: { authorization: `Bearer ${READ_TOKEN}` },
          });
          const { run } = (await res.json()) as { run: Run };
          return run.status === 'completed' ? run : undefined;
        },
        60_000,
      );
      await page.click(`tr[data-run="${DONE_RUN}"]`);
      await page.waitForSelector('li[data-variable="ramp"]');
      await page.click('li[data-variable="ramp"] .add-panel');
      const ramp = await waitForVariable(page, 'ramp', 'all of it', (v) => v.lastSeq === 5000);
      expect(ramp.contiguous).toBe(true);
      expect(ramp.max).toBe(999);
      await page.waitForFunction(() =>
        /completed \(requested\)/.test(document.getElementById('run-status')?.textContent ?? ''),
      );
      expect(page.url()).toContain(`run=${DONE_RUN}`);
      await page.screenshot({ path: join(ARTIFACTS, 'completed.png'), fullPage: true });
      expect(pageProblems).toEqual([]);
      passed = true;
    } finally {
      if (!passed) {
        await failureShot?.().catch(() => undefined);
        // What the page said is what explains a failure here.
        if (pageProblems.length > 0) console.error(`page errors:\n${pageProblems.join('\n')}`);
        const warnings = ingest.logLines().filter((l) => Number(l.level) >= 40);
        console.error(`ingest warnings:\n${warnings.map((l) => JSON.stringify(l)).join('\n')}`);
      }
      model?.stop();
      await producer?.close({ force: true }).catch(() => undefined);
      await browser?.close();
      await worker.app.close();
      await queues.close();
      await ingest.kill();
    }
  });
});
