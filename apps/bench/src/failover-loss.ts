/**
 * `node apps/bench/dist/failover-loss.js` (after `npm run build`): what a
 * master's crash loses of what ingest acknowledged, with and without
 * `REDIS_WRITE_REPLICAS=1`. A local 3+3 cluster and the built ingest; per
 * round, producers post 100-sample batches to a fresh run as fast as they
 * are answered (each sample's value is its own id), the master holding the
 * run's slot is SIGKILLed mid-traffic, its replica takes over, the killed
 * node comes back as a replica, the producers retry what was refused and
 * stop. Then the run is read back through the history API: an acknowledged
 * sample not there is lost; one there twice is doubled.
 */
import { positiveEnv } from './positive-env';
import { HotKeys } from '@runstream/hot-store';
import { freePort, startRedisCluster, startS3Server, waitFor } from '@runstream/testkit';
import { stopLoudly } from './child-server';
import {
  READ_TOKEN,
  WRITE_TOKEN,
  startIngestServer,
  type IngestServer,
} from './servers/ingest-server';

const env = positiveEnv;
const ROUNDS = env('BENCH_FAILOVER_ROUNDS', 3);
const PRODUCERS = env('BENCH_FAILOVER_PRODUCERS', 4);
const SAMPLES = 100;
/** Traffic before the kill, and after the failover, in ms. */
const BEFORE_MS = env('BENCH_FAILOVER_BEFORE_MS', 2000);
const AFTER_MS = env('BENCH_FAILOVER_AFTER_MS', 1000);

interface RoundResult {
  replicas: number;
  acknowledged: number;
  lost: number;
  doubled: number;
  refused: number;
}

async function post(server: IngestServer, run: string, producer: string, batch: number) {
  const first = (Number(producer.slice(1)) * 1_000_000 + batch) * SAMPLES;
  const ids = Array.from({ length: SAMPLES }, (_, i) => first + i);
  const res = await fetch(`${server.baseUrl}/v1/runs/${run}/samples`, {
    method: 'POST',
    headers: { authorization: `Bearer ${WRITE_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ producer, batch, variables: { x: { t: ids, v: ids } } }),
  }).catch(() => undefined);
  await res?.text();
  return { ok: res?.status === 200, ids };
}

async function readAll(server: IngestServer, run: string): Promise<number[]> {
  const values: number[] = [];
  for (let from = 1; ;) {
    const res = await fetch(
      `${server.baseUrl}/v1/runs/${run}/samples?variable=x&fromSeq=${from}&limit=100000`,
      { headers: { authorization: `Bearer ${READ_TOKEN}` } },
    );
    if (res.status === 404) return values;
    const page = (await res.json()) as { v: number[]; nextSeq: number; more: boolean };
    values.push(...page.v);
    if (!page.more) return values;
    from = page.nextSeq;
  }
}

async function round(
  server: IngestServer,
  cluster: Awaited<ReturnType<typeof startRedisCluster>>,
  replicas: number,
  k: number,
): Promise<RoundResult> {
  const run = `failover-${replicas}-${k}-${Date.now()}`;
  await server.createRun(run);
  const acknowledged: number[] = [];
  let refused = 0;
  let stopAt = Infinity;
  const producer = async (p: number): Promise<void> => {
    const name = `p${p}`;
    for (let batch = 0; Date.now() < stopAt; batch++) {
      // A refused batch is retried, as the SDK does, until it is acknowledged.
      for (;;) {
        const r = await post(server, run, name, batch);
        if (r.ok) {
          acknowledged.push(...r.ids);
          break;
        }
        refused++;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  };
  const producing = Promise.all(Array.from({ length: PRODUCERS }, (_, p) => producer(p)));
  await new Promise((resolve) => setTimeout(resolve, BEFORE_MS));
  const slotKey = new HotKeys().run(run);
  const master = await cluster.masterOf(slotKey);
  await cluster.kill(master);
  await waitFor(
    'the replica to take over',
    async () =>
      (await cluster.masterOf(slotKey).catch(() => master)) !== master ? true : undefined,
    60_000,
  );
  await cluster.restart(master);
  stopAt = Date.now() + AFTER_MS;
  await producing;
  await cluster.waitHealthy(60_000);

  const stored = await readAll(server, run);
  const counts = new Map<number, number>();
  for (const v of stored) counts.set(v, (counts.get(v) ?? 0) + 1);
  return {
    replicas,
    acknowledged: acknowledged.length,
    lost: acknowledged.filter((id) => !counts.has(id)).length,
    doubled: [...counts.values()].filter((n) => n > 1).length,
    refused,
  };
}

async function main(): Promise<void> {
  const stops: (() => Promise<unknown>)[] = [];
  try {
    const s3 = await startS3Server({ bucket: 'rs-bench-failover' });
    stops.unshift(() => s3.dispose());
    const cluster = await startRedisCluster({ masters: 3, replicasPerMaster: 1 });
    stops.unshift(() => cluster.stop());
    const results: RoundResult[] = [];
    for (const replicas of [0, 1]) {
      const server = await startIngestServer({
        port: await freePort(),
        redisUrl: 'redis://unused',
        s3,
        writeToken: WRITE_TOKEN,
        readToken: READ_TOKEN,
        maxBodyBytes: 8 * 1024 * 1024,
        env: {
          REDIS_CLUSTER_NODES: cluster.nodesSetting,
          REDIS_WRITE_REPLICAS: String(replicas),
          LOG_LEVEL: 'warn',
        },
        readyTimeoutMs: 60_000,
      });
      stops.unshift(() => stopLoudly(server));
      for (let k = 1; k <= ROUNDS; k++) {
        const r = await round(server, cluster, replicas, k);
        console.info(
          `REDIS_WRITE_REPLICAS=${replicas} round ${k}: ${r.acknowledged} samples acknowledged, ` +
            `${r.lost} lost, ${r.doubled} doubled, ${r.refused} batches refused (retried)`,
        );
        results.push(r);
      }
      await stopLoudly(server);
      stops.shift();
    }
    console.info('\n| REDIS_WRITE_REPLICAS | round | acknowledged | lost | doubled | refused |');
    console.info('| --- | ---: | ---: | ---: | ---: | ---: |');
    results.forEach((r, i) =>
      console.info(
        `| ${r.replicas} | ${(i % ROUNDS) + 1} | ${r.acknowledged} | ${r.lost} | ${r.doubled} | ${r.refused} |`,
      ),
    );
  } finally {
    for (const stop of stops) await stop().catch((err: unknown) => console.error(err));
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
