// The functions passed to page.evaluate and waitForFunction run in the page: DOM types.
/// <reference lib="dom" />
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RunstreamClient } from '@runstream/sdk';
import { freePort, startRedis, startS3Server, useFixture, waitFor } from '@runstream/testkit';
import { launchChromium, type HeadlessChromium } from './testing/headless-chromium';
import { READ_TOKEN, WRITE_TOKEN } from './testing/ingest-harness';
import { spawnIngest } from './testing/ingest-process';

// Frame time of the viewer in headless Chromium while 10 panels each receive
// 1 000 samples/s live: the page's requestAnimationFrame intervals and each
// panel's draw time over 8 s, written to test-artifacts/viewer/frames.json
// and printed. A figure, not an assertion (no timed assertions on speed):
// the test checks that every panel kept up (each seq arrived, in order).

const ARTIFACTS = join(__dirname, '..', '..', '..', 'test-artifacts', 'viewer');
const RUN = 'viewer-frames';
const PANELS = 10;
const RATE = 1000;
const MEASURE_MS = 8000;

const backends = useFixture(async () => {
  const [redis, s3] = await Promise.all([startRedis(), startS3Server()]);
  return { redis, s3, stop: () => Promise.all([redis.stop(), s3.dispose()]).then(() => undefined) };
});

const percentile = (xs: number[], p: number): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
};

describe('viewer frame time', () => {
  jest.setTimeout(180_000);

  it(`${PANELS} panels × ${RATE} samples/s live: frame intervals and draw times`, async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const ingest = await spawnIngest(backends.redis.url, backends.s3.connection, {
      PORT: String(port),
    });
    const client = new RunstreamClient({ url: baseUrl, token: WRITE_TOKEN });
    await client.createRun({ id: RUN });
    const producer = client.producer(RUN, { minIntervalMs: 0 });
    const names = Array.from({ length: PANELS }, (_, i) => `signal.${i}`);
    let seq = 0;
    const tick = (): void => {
      for (let k = 0; k < RATE / 10; k++) {
        seq++;
        for (const [i, name] of names.entries())
          producer.log(name, seq / RATE, Math.sin(seq / 300 + i));
      }
    };
    tick();
    await producer.flush();
    let timer = setInterval(tick, 100);
    let browser: HeadlessChromium | undefined;
    try {
      browser = await launchChromium();
      const page = await browser.context.newPage();
      const panelsQuery = names
        .map((n) => `p=${encodeURIComponent(JSON.stringify([n]))}`)
        .join('&');
      await page.goto(baseUrl);
      await page.evaluate((token) => localStorage.setItem('runstream.token', token), READ_TOKEN);
      // The view from a link: the run and its ten panels in the URL.
      await page.goto(`${baseUrl}/?run=${RUN}&${panelsQuery}`);
      await page.waitForFunction(
        (n) => document.querySelectorAll('.panel canvas').length >= n,
        PANELS,
        { timeout: 60_000 },
      );
      const figures = await page.evaluate(async (ms) => {
        const viewer = (window as unknown as { runstreamViewer: { drawTimes(): number[] } })
          .runstreamViewer;
        const drawsBefore = viewer.drawTimes().length;
        const intervals: number[] = [];
        await new Promise<void>((resolve) => {
          let last = performance.now();
          const end = last + ms;
          const frame = (now: number): void => {
            intervals.push(now - last);
            last = now;
            if (now < end) requestAnimationFrame(frame);
            else resolve();
          };
          requestAnimationFrame(frame);
        });
        return { intervals, draws: viewer.drawTimes().slice(drawsBefore) };
      }, MEASURE_MS);
      clearInterval(timer);
      timer = setInterval(() => undefined, 1000);
      await producer.flush();
      // Every panel kept up: its last seq is what was written.
      await waitFor('every panel at the last seq', async () => {
        const panels = await page.evaluate(() =>
          (
            window as unknown as {
              runstreamViewer: {
                panels(): Array<{ variables: Array<{ lastSeq: number; contiguous: boolean }> }>;
              };
            }
          ).runstreamViewer.panels(),
        );
        const all = panels.flatMap((p) => p.variables);
        return all.length === PANELS && all.every((v) => v.lastSeq === seq && v.contiguous)
          ? all
          : undefined;
      });
      const report = {
        panels: PANELS,
        samplesPerSecondPerPanel: RATE,
        measuredMs: MEASURE_MS,
        frames: figures.intervals.length,
        frameIntervalMs: {
          p50: percentile(figures.intervals, 50),
          p95: percentile(figures.intervals, 95),
          max: Math.max(...figures.intervals),
        },
        panelDraws: figures.draws.length,
        panelDrawMs: {
          p50: percentile(figures.draws, 50),
          p95: percentile(figures.draws, 95),
          max: Math.max(...figures.draws),
        },
      };
      writeFileSync(join(ARTIFACTS, 'frames.json'), JSON.stringify(report, null, 2));
      console.log(`viewer frame time: ${JSON.stringify(report)}`);
      expect(figures.intervals.length).toBeGreaterThan(0);
    } finally {
      clearInterval(timer);
      await producer.close({ force: true }).catch(() => undefined);
      await browser?.close();
      await ingest.kill();
    }
  });
});
