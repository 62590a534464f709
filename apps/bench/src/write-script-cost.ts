/**
 * `node apps/bench/dist/write-script-cost.js`: how long Redis spends in the
 * write script (write-batch-n.lua) for batches of a given shape, the figure
 * ingest's batch limits (INGEST_MAX_BATCH_VARIABLES, INGEST_MAX_BATCH_SAMPLES)
 * are sized by. A script blocks Redis for every client while it runs, so its
 * own execution time, not the round trip, is what matters: it is read from
 * Redis's SLOWLOG (threshold 0 µs), which records each command's time inside
 * the server. One fresh run per write, so every write appends to empty
 * buffers except for the variables' growth within the batch. Medians over
 * WRITE_COST_REPEATS writes per shape (default 15) on a local redis-server.
 */
import { parseIngestBatch } from '@runstream/domain';
import { HotStore } from '@runstream/hot-store';
import { startRedis } from '@runstream/testkit';
import { seededRandom } from '@runstream/demo/seeded-random';
import { median } from './stats';

/** variables × samples per variable; the stalling batch is the last one. */
const SHAPES: ReadonlyArray<readonly [number, number]> = [
  [10, 100],
  [1, 10_000],
  [10, 1000],
  [100, 100],
  [256, 1],
  [256, 40],
  [1000, 1],
  [1000, 10],
  [1, 100_000],
  [4096, 1],
  [4096, 200],
];

function body(variables: number, samples: number, random: () => number): string {
  const series: Record<string, { t: number[]; v: number[] }> = {};
  for (let i = 0; i < variables; i++) {
    const t: number[] = [];
    const v: number[] = [];
    for (let k = 0; k < samples; k++) {
      t.push(1_700_000_000 + k * 0.001 + random() * 1e-4);
      v.push(random() * 1000 - 500);
    }
    series[`plant.y[${i}]`] = { t, v };
  }
  return JSON.stringify({ variables: series });
}

async function main(): Promise<void> {
  const repeats = Number(process.env.WRITE_COST_REPEATS ?? 15);
  const redis = await startRedis();
  const hot = HotStore.connect(redis.url);
  const random = seededRandom(7);
  try {
    await hot.redis.config('SET', 'slowlog-log-slower-than', '0');
    console.log('variables × samples | samples | body KiB | Redis µs median (min–max)');
    let runNo = 0;
    for (const [variables, samples] of SHAPES) {
      const text = body(variables, samples, random);
      const micros: number[] = [];
      for (let r = 0; r < repeats + 1; r++) {
        const run = `cost-${runNo++}`;
        await hot.runs.create({ id: run });
        const batch = parseIngestBatch(JSON.parse(text) as unknown);
        await hot.redis.slowlog('RESET');
        await hot.writer.write(run, batch);
        const entries = (await hot.redis.slowlog('GET', 10)) as [
          number,
          number,
          number,
          string[],
        ][];
        const script = entries.find((e) => /^eval/i.test(e[3][0] ?? ''));
        if (script === undefined) throw new Error('the write script is not in the SLOWLOG');
        if (r > 0) micros.push(script[2]); // the first write of a shape warms up
        await hot.redis.flushdb();
      }
      console.log(
        `${variables} × ${samples} | ${variables * samples} | ${(text.length / 1024).toFixed(0)} | ` +
          `${median(micros).toFixed(0)} (${Math.min(...micros)}–${Math.max(...micros)})`,
      );
    }
  } finally {
    await hot.close();
    await redis.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
