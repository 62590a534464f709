import { SegmentFormatError, type ColdStore } from '@runstream/cold-store';
import {
  ownerOf,
  StoredDataDamagedError,
  type ManifestVariable,
  type Run,
  type RunManifest,
  type RunStatus,
  type VariableStats,
} from '@runstream/domain';
import { asRedisUnavailable, type HotStore, type Transfer } from '@runstream/hot-store';
import { LRUCache } from 'lru-cache';
import type { DamageReporter } from './damaged-data';

/** How long a run found nowhere is remembered as missing, by default. */
export const DEFAULT_MISSING_RUN_TTL_MS = 2000;

export interface RunCatalogOptions {
  /** Manifests kept (they never change once written). Default 10 000. */
  cacheSize?: number;
  /**
   * Told of each damaged manifest a listing leaves out (the app logs and
   * counts it). A read of that one run throws StoredDataDamagedError instead.
   */
  onDamage?: DamageReporter;
  /**
   * How long a run that S3 has no manifest of is remembered as such (0: not
   * at all), so lookups of a run that does not exist (a subscribe or read
   * repeated, a typo in a dashboard) cost no S3 read each. Short, because
   * another process may create the run meanwhile; this process forgets the
   * entry itself when it creates the run. Default 2000.
   */
  missingRunTtlMs?: number;
}

/**
 * What the system knows of runs and their variables: Redis first, then the
 * manifests in S3. A completed run that Redis has lost (FLUSHALL, a new
 * Redis) is still listed and served from its manifest, the source of truth
 * once the run is completed. Manifests never change once written, so they
 * are cached. Without a cold store it is Redis alone (tests of the live path).
 *
 * A manifest that cannot be read (not JSON, not a manifest) damages its run
 * alone: a listing leaves that run out and reports it, everything asked of
 * that run throws StoredDataDamagedError, every other run is served.
 */
export class RunCatalog {
  private readonly manifests = new Map<string, RunManifest>();
  private readonly cacheSize: number;
  private readonly onDamage: DamageReporter;
  /** Runs S3 had no manifest of, lately. */
  private readonly missing: LRUCache<string, true> | undefined;

  constructor(
    private readonly hot: HotStore,
    private readonly cold?: ColdStore,
    options: RunCatalogOptions = {},
  ) {
    this.cacheSize = options.cacheSize ?? 10_000;
    this.onDamage = options.onDamage ?? (() => undefined);
    const ttl = options.missingRunTtlMs ?? DEFAULT_MISSING_RUN_TTL_MS;
    this.missing = ttl > 0 ? new LRUCache({ max: 10_000, ttl }) : undefined;
  }

  /** This process created the run: a lookup must not find it missing from an earlier look. */
  created(id: string): void {
    this.missing?.delete(id);
  }

  async run(id: string): Promise<Run | undefined> {
    return this.hotOrManifest(
      id,
      async () => {
        const run = await this.hot.runs.get(id);
        if (run !== undefined) this.reportMeta(run);
        return run ?? (await this.manifest(id))?.run;
      },
      (manifest) => manifest.run,
    );
  }

  /**
   * A run whose meta in Redis does not read is served with `metaDamaged` (and
   * meta `{}`), never left out nor refused: it is one field of a record whose
   * data is whole. The damage is reported each time it is served.
   */
  private reportMeta(run: Run): void {
    if (run.metaDamaged === true)
      this.onDamage(
        new StoredDataDamagedError({ kind: 'meta', run: run.id, key: this.hot.keys.run(run.id) }),
      );
  }

  /**
   * Newest first: Redis's runs, then completed runs only S3 still knows
   * (one listing of the manifests, and a read of each one not cached). A
   * run whose manifest is damaged is left out, and reported. With
   * `project`, only the runs it owns (`ownerOf`), filtered before the limit.
   * With Redis away, completed runs are still listed: S3 has every one.
   */
  async list(options: { status?: RunStatus; project?: string; limit: number }): Promise<Run[]> {
    const cold = this.cold;
    let runs: Run[];
    try {
      runs = await this.hot.runs.list(options);
      for (const run of runs) this.reportMeta(run);
    } catch (err) {
      if (options.status !== 'completed' || cold === undefined || !asRedisUnavailable(err))
        throw err;
      return this.fromManifests(cold, new Set(), [], options);
    }
    if (cold === undefined) return runs;
    if (runs.length >= options.limit || (options.status ?? 'completed') !== 'completed')
      return runs;
    return this.fromManifests(cold, new Set(await this.hot.runs.ids()), runs, options);
  }

  /** `runs` and the runs of S3's manifests not in `known`, newest first. */
  private async fromManifests(
    cold: ColdStore,
    known: Set<string>,
    runs: Run[],
    options: { project?: string; limit: number },
  ): Promise<Run[]> {
    const fromS3: Run[] = [];
    for await (const id of cold.manifestRuns()) {
      if (known.has(id)) continue;
      let manifest: RunManifest | undefined;
      try {
        manifest = await this.manifest(id);
      } catch (err) {
        if (!(err instanceof StoredDataDamagedError)) throw err;
        this.onDamage(err);
        continue;
      }
      if (
        manifest !== undefined &&
        (options.project === undefined || ownerOf(manifest.run) === options.project)
      )
        fromS3.push(manifest.run);
    }
    return [...runs, ...fromS3]
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
      .slice(0, options.limit);
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

  /**
   * A completed run's manifest (cached), or undefined. StoredDataDamagedError
   * when it cannot be read (not cached: a manifest put right is read again).
   */
  async manifest(id: string): Promise<RunManifest | undefined> {
    const cached = this.manifests.get(id);
    const cold = this.cold;
    if (cached !== undefined || cold === undefined) return cached;
    if (this.missing?.has(id) === true) return undefined;
    const manifest = await cold.getManifest(id).catch((err: unknown) => {
      if (!(err instanceof SegmentFormatError)) throw err;
      throw new StoredDataDamagedError(
        { kind: 'manifest', run: id, key: cold.keys.manifest(id) },
        { cause: err },
      );
    });
    if (manifest === undefined) {
      this.missing?.set(id, true);
      return undefined;
    }
    if (this.manifests.size >= this.cacheSize) this.manifests.clear();
    this.manifests.set(id, manifest);
    return manifest;
  }
}

function statsOf(variable: ManifestVariable): VariableStats {
  const { object: _object, bytes: _bytes, damagedObjects, ...stats } = variable;
  return damagedObjects === undefined ? stats : { ...stats, damaged: true };
}
