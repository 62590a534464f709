import { RunNotFoundError, ownerOf, type Run } from '@runstream/domain';
import type { RunCatalog } from '@runstream/tiering';
import type { Principal } from './token-table';

/**
 * Who may touch a run: tokens of the project that owns it. Another project's
 * run is answered exactly as a run that does not exist (404 run_not_found),
 * so a token learns nothing of runs outside its project — not even that the
 * id is in use (creating one is the exception: ids are one namespace).
 *
 * A run's owner is written with its record and copied into its manifest; it
 * never changes, so owners once found are cached and a producer's batches
 * after its first cost no look-up.
 */
export class RunAccess {
  private readonly owners = new Map<string, string>();

  constructor(
    private readonly catalog: RunCatalog,
    private readonly cacheSize = 10_000,
  ) {}

  /** The run, when the principal's project owns it; RunNotFoundError otherwise. */
  async run(principal: Principal, id: string): Promise<Run> {
    const run = await this.catalog.run(id);
    if (run === undefined) throw new RunNotFoundError(id);
    this.remember(id, ownerOf(run));
    if (ownerOf(run) !== principal.project) throw new RunNotFoundError(id);
    return run;
  }

  /** The same check, from the cached owner when there is one (the write path). */
  async check(principal: Principal, id: string): Promise<void> {
    const owner = this.owners.get(id);
    if (owner === undefined) await this.run(principal, id);
    else if (owner !== principal.project) throw new RunNotFoundError(id);
  }

  private remember(id: string, owner: string): void {
    if (this.owners.has(id)) return;
    if (this.owners.size >= this.cacheSize) this.owners.clear();
    this.owners.set(id, owner);
  }
}
