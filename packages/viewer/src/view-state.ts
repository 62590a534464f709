/**
 * What the page shows, as the URL's query string, so a link reopens the same
 * view: the run, the panels (each a list of variables overlaid in it), the
 * time range zoomed into, and the runs list's filter and search.
 */

export type StatusFilter = 'all' | 'running' | 'completing' | 'completed';
const STATUS_FILTERS: readonly StatusFilter[] = ['all', 'running', 'completing', 'completed'];

export interface ViewState {
  run?: string;
  /** One entry per panel, the variables it overlays, in order. */
  panels: string[][];
  /** The t range every panel is zoomed into; absent: the whole range, following live. */
  range?: [number, number];
  status: StatusFilter;
  search: string;
}

export const EMPTY_VIEW: ViewState = { panels: [], status: 'all', search: '' };

/**
 * A panel is `p=<JSON array of names>`: variable names may hold any printable
 * character, so no separator would be safe, and JSON keeps the link readable.
 */
export function encodeViewState(state: ViewState): string {
  const q = new URLSearchParams();
  if (state.run !== undefined) q.set('run', state.run);
  for (const panel of state.panels) if (panel.length > 0) q.append('p', JSON.stringify(panel));
  if (state.range !== undefined) q.set('t', `${state.range[0]}~${state.range[1]}`);
  if (state.status !== 'all') q.set('status', state.status);
  if (state.search !== '') q.set('q', state.search);
  const text = q.toString();
  return text === '' ? '' : `?${text}`;
}

/** Reads a query string; anything malformed is left out, never thrown. */
export function decodeViewState(search: string): ViewState {
  const q = new URLSearchParams(search);
  const state: ViewState = { panels: [], status: 'all', search: q.get('q') ?? '' };
  const run = q.get('run');
  if (run !== null && run !== '') state.run = run;
  for (const text of q.getAll('p')) {
    const panel = parseNames(text);
    if (panel !== undefined && panel.length > 0) state.panels.push(panel);
  }
  const range = parseRange(q.get('t'));
  if (range !== undefined) state.range = range;
  const status = q.get('status');
  if (status !== null && (STATUS_FILTERS as readonly string[]).includes(status))
    state.status = status as StatusFilter;
  return state;
}

function parseNames(text: string): string[] | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (!Array.isArray(value)) return undefined;
    const names = value.filter((x): x is string => typeof x === 'string' && x !== '');
    return [...new Set(names)];
  } catch {
    return undefined;
  }
}

function parseRange(text: string | null): [number, number] | undefined {
  if (text === null) return undefined;
  const parts = text.split('~');
  if (parts.length !== 2) return undefined;
  const [lo, hi] = parts.map(Number) as [number, number];
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || !(lo < hi)) return undefined;
  return [lo, hi];
}
