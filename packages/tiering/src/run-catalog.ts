import type { ColdStore } from '@runstream/cold-store';
import type {
  ManifestVariable,
  Run,
  RunManifest,
  RunStatus,
  VariableStats,
} from '@runstream/domain';
import { asRedisUnavailable, type HotStore, type Transfer } from '@runstream/hot-store';

/**
 * What the system knows of runs and their variables: Redis first, then the
 * manifests in S3. A completed run that Redis has lost (FLUSHALL, a new
 * Redis) is still listed and served from its manifest, the source of truth
 * once the run is completed. Manifests never change once written, so they
 * are cached. Without a cold store it is Redis alone (tests of the live path).
 */
export class RunCatalog {
  private readonly manifests = new Map<string, RunManifest>();

  constructor(
    private readonly hot: HotStore,
    private readonly cold?: ColdStore,
    private readonly cacheSize = 10_000,
  ) {}

  async run(id: string): Promise<Run | undefined> {
    return this.hotOrManifest(
      id,
      async () => (await this.hot.runs.get(id)) ?? (await this.manifest(id))?.run,
      (manifest) => manifest.run,
    );
  }

  /**
   * Newest first: Redis's runs, then completed runs only S3 still knows
   * (one listing of the manifests, and a read of each one not cached).
   * With Redis away, completed runs are still listed: S3 has every one.
   */
  async list(options: { status?: RunStatus; limit: number }): Promise<Run[]> {
    const cold = this.cold;
    let runs: Run[];
    try {
      runs = await this.hot.runs.list(options);
    } catch (err) {
      if (options.status !== 'completed' || cold === undefined || !asRedisUnavailable(err))
        throw err;
      return this.fromManifests(cold, new Set(), [], options.limit);
    }
    if (cold === undefined) return runs;
    if (runs.length >= options.limit || (options.status ?? 'completed') !== 'completed')
      return runs;
    return this.fromManifests(cold, new Set(await this.hot.runs.ids()), runs, options.limit);
  }

  /** `runs` and the runs of S3's manifests not in `known`, newest first. */
  private async fromManifests(
    cold: ColdStore,
    known: Set<string>,
    runs: Run[],
    limit: number,
  ): Promise<Run[]> {
    const fromS3: Run[] = [];
    for await (const id of cold.manifestRuns()) {
      if (known.has(id)) continue;
      const manifest = await this.manifest(id);
      if (manifest !== undefined) fromS3.push(manifest.run);
    }
    return [...runs, ...fromS3]
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
      .slice(0, limit);
  }

  /** The run's variables, or undefined for a run neither Redis nor S3 knows. */
  async variables(id: string): Promise<VariableStats[] | undefined> {
    return this.hotOrManifest(
      id,
      async () => {
        if ((await this.hot.runs.get(id)) !== undefined) return this.hot.reader.variables(id);
        return (await this.manifest(id))?.variables.map(statsOf);
      },
      (manifest) => manifest.variables.map(statsOf),
    );
  }

  /** One variable's stats, or undefined when the run (or the variable) is unknown. */
  async variable(run: string, name: string): Promise<VariableStats | undefined> {
    const fromManifest = (manifest: RunManifest | undefined): VariableStats | undefined => {
      const found = manifest?.variables.find((v) => v.name === name);
      return found === undefined ? undefined : statsOf(found);
    };
    return this.hotOrManifest(
      run,
      async () => {
        const stats = await this.hot.reader.stats(run, name);
        if (stats !== undefined || (await this.hot.runs.get(run)) !== undefined) return stats;
        return fromManifest(await this.manifest(run));
      },
      fromManifest,
    );
  }

  /** The variable's last seq: every seq up to it exists in some tier. */
  async count(run: string, variable: string): Promise<number> {
    const fromManifest = (manifest: RunManifest | undefined): number =>
      manifest?.variables.find((v) => v.name === variable)?.count ?? 0;
    return this.hotOrManifest(
      run,
      async () => {
        const count = await this.hot.reader.count(run, variable);
        if (count > 0 || (await this.hot.runs.get(run)) !== undefined) return count;
        return fromManifest(await this.manifest(run));
      },
      fromManifest,
    );
  }

  /**
   * What Redis still holds of a variable: its buffer's first seq and its
   * transfer keys (readers take every seq below the lowest from S3). Nothing,
   * without asking Redis, for a completed run: its merged objects hold all.
   */
  async redisHoldings(
    run: string,
    variable: string,
  ): Promise<{ head: number | undefined; transfers: Transfer[] }> {
    return this.hotOrManifest(
      run,
      async () => ({
        head: await this.hot.reader.headSeq(run, variable),
        transfers: await this.hot.transfers.transfers(run, variable),
      }),
      () => ({ head: undefined, transfers: [] }),
    );
  }

  /**
   * `fromRedis`, except for a completed run: its manifest (cached, so known
   * without a round trip) is the source of truth, and serves it while Redis
   * is away. A running run with Redis away fails with Redis's error (503).
   */
  private async hotOrManifest<T>(
    run: string,
    fromRedis: () => Promise<T>,
    fromManifest: (manifest: RunManifest) => T,
  ): Promise<T> {
    const cached = this.manifests.get(run);
    if (cached !== undefined) return fromManifest(cached);
    try {
      return await fromRedis();
    } catch (err) {
      if (this.cold === undefined || !asRedisUnavailable(err)) throw err;
      const manifest = await this.manifest(run);
      if (manifest === undefined) throw err;
      return fromManifest(manifest);
    }
  }

  /** A completed run's manifest (cached), or undefined. */
  async manifest(id: string): Promise<RunManifest | undefined> {
    const cached = this.manifests.get(id);
    if (cached !== undefined || this.cold === undefined) return cached;
    const manifest = await this.cold.getManifest(id);
    if (manifest !== undefined) {
      if (this.manifests.size >= this.cacheSize) this.manifests.clear();
      this.manifests.set(id, manifest);
    }
    return manifest;
  }
}

function statsOf(variable: ManifestVariable): VariableStats {
  const { object: _object, bytes: _bytes, ...stats } = variable;
  return stats;
}
