// The functions passed to page.evaluate and waitForFunction run in the page: DOM types.
/// <reference lib="dom" />
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Run } from '@runstream/domain';
import { Queues } from '@runstream/queues';
import { RunstreamClient, type Producer } from '@runstream/sdk';
import { freePort, startRedis, startS3Server, useFixture, waitFor } from '@runstream/testkit';
import type { PanelReport } from '@runstream/viewer';
import {
  FLUSH_EVERYTHING,
  startWorker,
  waitForIdleQueue,
  workerEnv,
} from '@runstream/worker/testing';
import { launchFirefox, type HeadlessFirefox } from './testing/headless-firefox';
import { READ_TOKEN, WRITE_TOKEN } from './testing/ingest-harness';
import { spawnIngest } from './testing/ingest-process';
import { waitForPanelVariable } from './testing/viewer-panels';

// The viewer in Firefox (Debian's firefox-esr, over WebDriver BiDi): the
// token pasted, a running run's variable plotted from its whole range (S3
// segments, then Redis) with a one-sample spike kept, live samples appended
// each once, and a completed run opened from S3. The Chromium test covers
// the rest of the viewer (zoom, overlays, events, ingest restart); this one
// shows the page works in the other engine the viewer is for.

const ARTIFACTS = join(__dirname, '..', '..', '..', 'test-artifacts', 'viewer');
const LIVE_RUN = 'firefox-live';
const DONE_RUN = 'firefox-done';
const PRELOADED = 20_000;
const SPIKE_SEQ = PRELOADED / 2;
const SPIKE = 1000;

const backends = useFixture(async () => {
  const [redis, s3] = await Promise.all([startRedis(), startS3Server()]);
  return { redis, s3, stop: () => Promise.all([redis.stop(), s3.dispose()]).then(() => undefined) };
});

describe('viewer in headless Firefox', () => {
  jest.setTimeout(240_000);

  it('token, a running run plotted whole and live, a completed run', async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const { redis, s3 } = backends;
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const ingest = await spawnIngest(redis.url, s3.connection, { PORT: String(port) });
    const worker = await startWorker(workerEnv(redis.url, s3.connection), {
      MERGE_QUIESCENCE_MS: '200',
      ...FLUSH_EVERYTHING,
    });
    const queues = new Queues({ url: redis.url });
    const client = new RunstreamClient({ url: baseUrl, token: WRITE_TOKEN });
    let browser: HeadlessFirefox | undefined;
    let producer: Producer | undefined;
    let timer: NodeJS.Timeout | undefined;
    const pageProblems: string[] = [];
    let passed = false;
    try {
      await client.createRun({ id: DONE_RUN, meta: { model: 'ramp' } });
      const done = client.producer(DONE_RUN, { minIntervalMs: 0 });
      for (let i = 1; i <= 5000; i++) done.log('ramp', i / 10, i % 1000);
      await done.complete();
      await client.createRun({ id: LIVE_RUN, meta: { model: 'oscillator' } });
      producer = client.producer(LIVE_RUN, { minIntervalMs: 0 });
      let seq = 1;
      for (; seq <= PRELOADED; seq++)
        producer.log('osc.x', seq / 1000, seq === SPIKE_SEQ ? SPIKE : Math.sin(seq / 100));
      await producer.flush();
      await queues.add('flush', { reason: 'forced', requestedAt: Date.now() });
      await waitForIdleQueue(queues.queue('flush'), 60_000);
      // Live: 20 samples every 50 ms.
      const live = producer;
      timer = setInterval(() => {
        for (let i = 0; i < 20; i++, seq++) live.log('osc.x', seq / 1000, Math.sin(seq / 100));
      }, 50);

      browser = await launchFirefox();
      const { page } = browser;
      page.on('pageerror', (err) => pageProblems.push(String(err)));
      page.on('console', (m) => {
        if (m.type() === 'error' && !m.text().startsWith('Failed to load resource'))
          pageProblems.push(m.text());
      });
      page.on('response', (res) => {
        if (res.status() >= 500) pageProblems.push(`${res.status()} ${res.url()}`);
      });
      const panels = (): Promise<PanelReport[]> =>
        page.evaluate(() =>
          (
            window as unknown as { runstreamViewer: { panels(): PanelReport[] } }
          ).runstreamViewer.panels(),
        );
      await page.goto(baseUrl);

      // A wrong token: said plainly. The right one: used at once.
      await page.locator('#token').fill('not-a-token');
      await page.waitForFunction(() =>
        /401/.test(document.getElementById('message')?.textContent ?? ''),
      );
      await page.locator('#token').fill(READ_TOKEN);
      await page.waitForSelector(`tr[data-run="${LIVE_RUN}"]`);
      await page.click(`tr[data-run="${LIVE_RUN}"]`);
      await page.waitForSelector('li[data-variable="osc.x"]');
      await page.click('li[data-variable="osc.x"] .add-panel');

      // The whole range first, in buckets, the spike kept; then live samples, each seq once.
      const whole = await waitForPanelVariable(
        panels,
        'osc.x',
        'whole range',
        (v) => v.lastSeq >= PRELOADED,
      );
      expect(whole.bucketSeqs).toBeGreaterThan(1);
      expect(whole.max).toBe(SPIKE);
      const later = await waitForPanelVariable(
        panels,
        'osc.x',
        'live samples',
        (v) => v.lastSeq > PRELOADED + 500,
      );
      expect(later.contiguous).toBe(true);
      await page.waitForFunction(
        () => document.getElementById('connection')?.dataset.state === 'connected',
      );
      await page.screenshot({ path: join(ARTIFACTS, 'firefox-live.png'), fullPage: true });

      // A completed run opens like a running one.
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
      const ramp = await waitForPanelVariable(
        panels,
        'ramp',
        'all of it',
        (v) => v.lastSeq === 5000,
      );
      expect(ramp.contiguous).toBe(true);
      expect(ramp.max).toBe(999);
      await page.waitForFunction(() =>
        /completed \(requested\)/.test(document.getElementById('run-status')?.textContent ?? ''),
      );
      await page.screenshot({ path: join(ARTIFACTS, 'firefox-completed.png'), fullPage: true });
      expect(pageProblems).toEqual([]);
      passed = true;
    } finally {
      if (!passed) {
        await browser?.page
          .screenshot({ path: join(ARTIFACTS, 'firefox-failure.png'), fullPage: true })
          .catch(() => undefined);
        if (pageProblems.length > 0) console.error(`page errors:\n${pageProblems.join('\n')}`);
      }
      if (timer !== undefined) clearInterval(timer);
      await producer?.close({ force: true }).catch(() => undefined);
      await browser?.close();
      await worker.app.close();
      await queues.close();
      await ingest.kill();
    }
  });
});
