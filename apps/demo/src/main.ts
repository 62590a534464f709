import { RunstreamClient, type Producer } from '@runstream/sdk';
import { loadDemoConfig } from './config';
import { DemoModel, stepFor } from './demo-model';

/**
 * The Runstream demo producer: a damped driven oscillator, a Lorenz system
 * and a noisy sensor, stepped in model time and paced in real time, every
 * step logged through the SDK. Ctrl-C (SIGINT) or SIGTERM completes the run.
 *
 *   RUNSTREAM_URL=http://localhost:8080 RUNSTREAM_TOKEN=... node dist/main.js
 */

const TICK_MS = 10;
const PROGRESS_EVERY_MS = 5000;
/** Most steps one tick may catch up on: a stalled machine skips time instead of spiralling. */
const MAX_STEPS_PER_TICK = 10_000;

async function main(): Promise<void> {
  const config = loadDemoConfig();
  const client = new RunstreamClient({ env: config.sdkEnv });
  const { run, created } = await client.createRun({
    id: config.runId,
    meta: { model: 'runstream-demo', stepsPerSecond: config.stepsPerSecond, seed: config.seed },
  });
  log(`${created ? 'created' : 'reusing'} run ${run.id} (${run.status}) on ${client.url}`);

  let stopping: Promise<void> | undefined;
  const stop = (why: string): Promise<void> => {
    stopping ??= finish(why);
    return stopping;
  };

  const producer: Producer = client.producer(run.id, {
    onError: (err) => {
      log(`producer failed: ${err.message}`);
      process.exitCode = 1;
      void stop('producer failed');
    },
  });
  const model = new DemoModel(stepFor(config.stepsPerSecond), config.seed);
  const started = Date.now();
  let steps = 0;

  const tick = setInterval(() => {
    const due = Math.floor(((Date.now() - started) / 1000) * config.stepsPerSecond) - steps;
    for (let i = 0; i < Math.min(due, MAX_STEPS_PER_TICK); i++) {
      const samples = model.step();
      for (const sample of samples) producer.log(sample.variable, model.t, sample.v);
      steps++;
      if (config.durationS > 0 && model.t >= config.durationS) {
        void stop(`reached DEMO_DURATION_S=${config.durationS}`);
        return;
      }
    }
    // Skipped steps (after a stall) are not made up: real-time pacing wins.
    if (due > MAX_STEPS_PER_TICK) steps += due - MAX_STEPS_PER_TICK;
  }, TICK_MS);
  const progress = setInterval(
    () => log(progressLine(producer, model.t, steps)),
    PROGRESS_EVERY_MS,
  );

  async function finish(why: string): Promise<void> {
    clearInterval(tick);
    clearInterval(progress);
    if (producer.error !== undefined) return;
    log(`stopping (${why}): flushing and completing run ${run.id}`);
    try {
      const { completed } = await producer.complete();
      log(progressLine(producer, model.t, steps));
      log(
        completed
          ? `run ${run.id} completed`
          : `server has no complete route yet: run ${run.id} will end as idle`,
      );
    } catch (err) {
      log(`could not complete run ${run.id}: ${(err as Error).message}`);
      process.exitCode = 1;
    }
  }

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping !== undefined) {
        log(`${signal} again: exiting without waiting`);
        process.exit(130);
      }
      void stop(signal).then(() => process.exit());
    });
  }
}

function progressLine(producer: Producer, t: number, steps: number): string {
  const s = producer.stats;
  return (
    `t=${t.toFixed(2)}s steps=${steps} sent=${s.sent} acknowledged=${s.acknowledged} ` +
    `buffered=${s.buffered} dropped=${s.dropped} retries=${s.retries} batches=${s.batches}`
  );
}

function log(line: string): void {
  console.log(`[demo ${new Date().toISOString()}] ${line}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
