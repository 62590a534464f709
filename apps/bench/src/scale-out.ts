/**
 * `node apps/bench/dist/scale-out.js` (after `npm run build`): ingest write
 * throughput with one and with two ingest processes, on one redis-server and
 * on a 3-master Redis Cluster (no replicas: what replication costs is
 * `REDIS_WRITE_REPLICAS`'s figure), in the same run. Eight producers, each
 * on a run of its own (so a cluster spreads them over its masters), post
 * 10 × 100 batches closed loop, spread over the subject's ingest processes.
 * Rounds alternate the subjects; figures are medians over rounds and ratios
 * medians of per-round ratios to one process on one redis-server. Between
 * rounds the subject's Redis is emptied and its runs created again, so no
 * round meets a fuller Redis than another.
 */
import { positiveEnv } from './positive-env';
import { freePort, startRedis, startRedisCluster, startS3Server } from '@runstream/testkit';
import { Cluster, Redis } from 'ioredis';
import { BENCH_BATCH, BodyPool } from './bodies';
import { stopLoudly } from './child-server';
import { throughputSubject } from './ingest-phases';
import { LoadGenerator, type LoadResult } from './load-generator';
import {
  WRITE_TOKEN,
  READ_TOKEN,
  startIngestServer,
  type IngestServer,
} from './servers/ingest-server';
import { fmtCpu, formatTable } from './report';
import { figures, runRounds } from './runner';

const env = positiveEnv;
const PRODUCERS = env('BENCH_SCALE_PRODUCERS', 8);
const CONNECTIONS_PER_PRODUCER = env('BENCH_SCALE_CONNECTIONS', 2);
const plan = {
  rounds: env('BENCH_SCALE_ROUNDS', 5),
  seconds: env('BENCH_SCALE_SECONDS', 4),
  warmupSeconds: env('BENCH_SCALE_WARMUP_SECONDS', 2),
  connections: PRODUCERS * CONNECTIONS_PER_PRODUCER,
};
const MAX_BODY_BYTES = 8 * 1024 * 1024;

/** Producers spread over several ingest processes, driven as one closed loop. */
class SpreadLoad {
  private readonly generators: LoadGenerator[];

  constructor(servers: IngestServer[], runs: string[]) {
    this.generators = runs.map(
      (run, i) =>
        new LoadGenerator(
          {
            url: new URL(`/v1/runs/${run}/samples`, servers[i % servers.length]!.baseUrl),
            token: WRITE_TOKEN,
          },
          new BodyPool(BENCH_BATCH, { producer: `scale-${i}-${process.pid}` }),
          { maxSockets: CONNECTIONS_PER_PRODUCER },
        ),
    );
  }

  get samplesPerRequest(): number {
    return BENCH_BATCH.variables * BENCH_BATCH.samplesPerVariable;
  }

  async closedLoop(connections: number, durationMs: number): Promise<LoadResult> {
    const each = Math.max(1, Math.round(connections / this.generators.length));
    const results = await Promise.all(this.generators.map((g) => g.closedLoop(each, durationMs)));
    const failed = results.find((r) => r.failed > 0);
    return {
      ok: results.reduce((n, r) => n + r.ok, 0),
      failed: results.reduce((n, r) => n + r.failed, 0),
      ...(failed?.firstFailure !== undefined ? { firstFailure: failed.firstFailure } : {}),
      elapsedMs: Math.max(...results.map((r) => r.elapsedMs)),
    };
  }

  close(): void {
    for (const g of this.generators) g.close();
  }
}

interface Topology {
  name: string;
  servers: IngestServer[];
  /** Empties the topology's Redis. */
  flush(): Promise<void>;
  pids: Record<string, number>;
}

async function main(): Promise<void> {
  const log = (line: string): void => console.info(line);
  const stops: (() => Promise<void>)[] = [];
  try {
    const s3 = await startS3Server({ bucket: 'rs-bench-scale' });
    stops.push(() => s3.dispose());
    const ingest = (redis: Record<string, string>): Promise<IngestServer> =>
      freePort().then((port) =>
        startIngestServer({
          port,
          redisUrl: redis.REDIS_URL ?? 'redis://unused',
          s3,
          writeToken: WRITE_TOKEN,
          readToken: READ_TOKEN,
          maxBodyBytes: MAX_BODY_BYTES,
          env: redis,
          readyTimeoutMs: 60_000,
        }),
      );

    log('starting redis-server, a 3-master cluster, s3rver and four ingest processes…');
    const single = await startRedis();
    stops.push(() => single.stop());
    const singleClient = new Redis(single.url);
    stops.push(() => singleClient.quit().then(() => undefined));
    const cluster = await startRedisCluster({ masters: 3, replicasPerMaster: 0 });
    stops.push(() => cluster.stop());
    const clusterClient = new Cluster(cluster.seeds);
    stops.push(() => clusterClient.quit().then(() => undefined));

    const topology = async (
      name: string,
      settings: Record<string, string>,
      flush: () => Promise<unknown>,
      pids: Record<string, number>,
    ): Promise<Topology> => {
      const servers = [await ingest(settings), await ingest(settings)];
      for (const s of servers) stops.push(() => stopLoudly(s));
      return { name, servers, flush: async () => void (await flush()), pids };
    };
    const topologies = [
      await topology('redis-server', { REDIS_URL: single.url }, () => singleClient.flushall(), {
        redis: single.process.pid ?? -1,
      }),
      await topology(
        'cluster',
        { REDIS_CLUSTER_NODES: cluster.nodesSetting },
        () => Promise.all(clusterClient.nodes('master').map((n) => n.flushall())),
        Object.fromEntries(cluster.nodes.map((n, i) => [`redis${i}`, n.process.pid ?? -1])),
      ),
    ];

    const runs = Array.from({ length: PRODUCERS }, (_, i) => `scale-${i}`);
    const subjects = topologies.flatMap((topology) =>
      [1, 2].map((processes) => {
        const servers = topology.servers.slice(0, processes);
        const load = new SpreadLoad(servers, runs);
        stops.push(() => Promise.resolve(load.close()));
        const reset = async (): Promise<void> => {
          await topology.flush();
          for (const run of runs) await servers[0]!.createRun(run);
        };
        return {
          ...throughputSubject(
            `${processes}×ingest ${topology.name}`,
            load,
            {
              ...Object.fromEntries(servers.map((s, i) => [`ingest${i}`, s.pid])),
              ...topology.pids,
            },
            plan,
            reset,
          ),
          reset,
        };
      }),
    );
    for (const s of subjects) await s.reset();

    log(
      `\nscale-out: closed loop, ${PRODUCERS} producers × ${CONNECTIONS_PER_PRODUCER} connections, ` +
        `${plan.rounds} rounds × ${plan.seconds} s, 10 × 100 batches`,
    );
    const rounds = await runRounds(subjects, plan.rounds, log);
    const table = formatTable({
      phase: 'scale-out',
      title: `${PRODUCERS} producers, 10 × 100 batches, closed loop; ratios to the first subject`,
      figures: figures(subjects, rounds, {
        figure: 'samples/s',
        value: (r) => r.samplesPerSecond,
        ratios: true,
      }),
      notes: subjects.map((s, i) => `${s.name}: CPU ${fmtCpu(rounds[i] ?? [])}`),
    });
    for (const line of table) log(line);
  } finally {
    for (const stop of stops.reverse()) await stop().catch((err: unknown) => console.error(err));
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
