import type { Run } from '@runstream/domain';
import type { StatusFilter } from './view-state';

/** The runs the list shows: of the chosen status, matching the search in their id or meta. */
export function filterRuns(runs: readonly Run[], status: StatusFilter, search: string): Run[] {
  const needle = search.trim().toLowerCase();
  return runs.filter((run) => {
    if (status !== 'all' && run.status !== status) return false;
    if (needle === '') return true;
    if (run.id.toLowerCase().includes(needle)) return true;
    return Object.entries(run.meta).some(
      ([key, value]) =>
        key.toLowerCase().includes(needle) || String(value).toLowerCase().includes(needle),
    );
  });
}

/** "completed (idle)", "running"... */
export function statusText(run: Run): string {
  return run.reason === undefined ? run.status : `${run.status} (${run.reason})`;
}
