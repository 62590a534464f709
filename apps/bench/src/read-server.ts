import type { HistoryPage, SeriesResponse } from '@runstream/domain';
import { freePort } from '@runstream/testkit';
import { stopLoudly } from './child-server';
import {
  MAX_BODY_BYTES,
  READ_TOKEN,
  WRITE_TOKEN,
  ingestProfileSummary,
  startIngestServer,
  type IngestServer,
} from './servers/ingest-server';
import type { TierPhase } from './tier-phase';

export interface ReadServerOptions {
  /** For progress lines, the table and the profile's title. */
  label: string;
  /** READ_CACHE_BYTES of the process; ingest's default (256 MiB) when absent. 0: no cache. */
  cacheBytes?: number;
  /** With BENCH_PROFILE, whether this process is profiled (default: yes). */
  profile?: boolean;
}

/**
 * The two ingest processes a read phase compares: `warm`, with ingest's
 * default read cache (warm after a phase's warm-up pass), and `none`,
 * without one (READ_CACHE_BYTES=0: every piece and index from s3rver).
 */
export interface CachePair {
  warm: ReadServer;
  none: ReadServer;
}

export type CacheSetting = keyof CachePair;

/** One request, timed from sending it until its whole body is in. */
export interface TimedAnswer<T> {
  ms: number;
  /** Bytes of the answer's body. */
  bytes: number;
  body: T;
}

/**
 * The real ingest process (its built `main.js`, configured as in production)
 * on a tier phase's redis-server and s3rver, as the read phases ask it: over
 * HTTP (history pages, series) and Socket.IO (snapshots, `baseUrl` and
 * `token`), with the read token. Its own process, so its CPU is told apart
 * from the clients' in the bench process.
 */
export class ReadServer {
  private constructor(
    readonly label: string,
    private readonly server: IngestServer,
    private readonly profiles: TierPhase['serverProfiles'],
    private readonly pidsOfStores: () => Record<string, number>,
  ) {}

  static async start(phase: TierPhase, options: ReadServerOptions): Promise<ReadServer> {
    const { stores } = phase;
    const profiles = options.profile === false ? undefined : phase.serverProfiles;
    const server = await startIngestServer({
      port: await freePort(),
      redisUrl: stores.redis.url,
      s3: stores.s3,
      writeToken: WRITE_TOKEN,
      readToken: READ_TOKEN,
      maxBodyBytes: MAX_BODY_BYTES,
      ...(profiles !== undefined ? { cpuProfileDir: profiles.dir } : {}),
      ...(options.cacheBytes !== undefined
        ? { env: { READ_CACHE_BYTES: String(options.cacheBytes) } }
        : {}),
    });
    return new ReadServer(options.label, server, profiles, () => stores.pids());
  }

  /** Runs `use` with a fresh server, stopped after it whatever happens. */
  static async using<T>(
    phase: TierPhase,
    options: ReadServerOptions,
    use: (server: ReadServer) => Promise<T>,
  ): Promise<T> {
    const server = await ReadServer.start(phase, options);
    try {
      return await use(server);
    } finally {
      await server.stop();
    }
  }

  /** Runs `use` with both of a CachePair, stopped after it whatever happens. */
  static usingPair<T>(
    phase: TierPhase,
    name: string,
    use: (servers: CachePair) => Promise<T>,
  ): Promise<T> {
    return ReadServer.using(phase, { label: `${name}, read cache` }, (warm) =>
      ReadServer.using(phase, { label: `${name}, no read cache`, cacheBytes: 0 }, (none) =>
        use({ warm, none }),
      ),
    );
  }

  get baseUrl(): string {
    return this.server.baseUrl;
  }

  get token(): string {
    return READ_TOKEN;
  }

  /** Process ids for CpuMeter: ingest, and the phase's bench, redis-server and s3rver. */
  pids(): Record<string, number> {
    return { ingest: this.server.pid, ...this.pidsOfStores() };
  }

  /** GET …/samples: one history page of `limit` samples from `fromSeq`. */
  page(
    run: string,
    variable: string,
    fromSeq: number,
    limit: number,
  ): Promise<TimedAnswer<HistoryPage>> {
    return this.get(`/v1/runs/${encodeURIComponent(run)}/samples`, {
      variable,
      fromSeq,
      limit,
    });
  }

  /** GET …/series: the whole variable in at most `points` buckets. */
  series(run: string, variable: string, points: number): Promise<TimedAnswer<SeriesResponse>> {
    return this.get(`/v1/runs/${encodeURIComponent(run)}/series`, { variable, points });
  }

  /** Stops the process; with BENCH_PROFILE, its profile's summary goes to the report. */
  async stop(): Promise<void> {
    await stopLoudly(this.server);
    const profiles = this.profiles;
    if (profiles === undefined) return;
    const { file, summary } = ingestProfileSummary(profiles.dir, this.server.pid);
    profiles.add(`ingest CPU profile (${this.label}): ${file}`, summary);
  }

  private async get<T>(
    path: string,
    query: Record<string, string | number>,
  ): Promise<TimedAnswer<T>> {
    const url = new URL(path, this.server.baseUrl);
    for (const [name, value] of Object.entries(query)) url.searchParams.set(name, String(value));
    const started = performance.now();
    const res = await fetch(url, { headers: { authorization: `Bearer ${READ_TOKEN}` } });
    const text = await res.text();
    const ms = performance.now() - started;
    if (!res.ok) throw new Error(`GET ${url.pathname}${url.search}: HTTP ${res.status} ${text}`);
    // Parsed after the clock stops: what is timed is the server's answer, not this client.
    return { ms, bytes: Buffer.byteLength(text), body: JSON.parse(text) as T };
  }
}

/** Why a history page is not `samples` samples from `fromSeq` (undefined when it is). */
export function pageProblem(
  page: HistoryPage,
  fromSeq: number,
  samples: number,
): string | undefined {
  if (page.first !== fromSeq) return `page starts at seq ${page.first}, not ${fromSeq}`;
  if (page.t.length !== samples || page.v.length !== samples)
    return `page holds ${page.t.length} t and ${page.v.length} v, not ${samples}`;
  if (page.nextSeq !== fromSeq + samples)
    return `page's nextSeq is ${page.nextSeq}, not ${fromSeq + samples}`;
  return undefined;
}

/** Why a series answer does not cover seqs 1..count in at most `points` buckets. */
export function seriesProblem(
  series: SeriesResponse,
  count: number,
  points: number,
): string | undefined {
  const samples = series.n.reduce((a, b) => a + b, 0);
  if (series.fromSeq !== 1 || series.toSeq !== count)
    return `series of seqs ${series.fromSeq}..${series.toSeq}, not 1..${count}`;
  if (series.seq.length > points || series.seq.length === 0)
    return `${series.seq.length} buckets for ${points} points`;
  if (series.seq[0] !== 1 || samples !== count)
    return `buckets from seq ${series.seq[0]} count ${samples} samples, not 1..${count}`;
  return undefined;
}
