import type { Run, VariableStats } from '@runstream/domain';
import { filterRuns, statusText } from '../run-filter';
import { decodeViewState, encodeViewState, type StatusFilter, type ViewState } from '../view-state';
import { ApiClient, ApiError } from './api-client';
import { LiveHub, type ConnectionState } from './live-hub';
import { PlotPanel } from './plot-panel';

/**
 * The viewer page: the runs list, the opened run's variables and its panels.
 * Everything it shows comes from the API with the user's token; what it
 * shows is kept in the URL (view-state.ts).
 */

const TOKEN_KEY = 'runstream.token';
const RUNS_REFRESH_MS = 3000;
const RUN_REFRESH_MS = 2000;

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

let view: ViewState = decodeViewState(window.location.search);
let api: ApiClient | undefined;
let hub: LiveHub | undefined;
let runs: Run[] = [];
const variableCounts = new Map<string, number>();
let variables: VariableStats[] = [];
let panels: PlotPanel[] = [];
let openedRun: string | undefined;

function saveView(): void {
  history.replaceState(null, '', `${window.location.pathname}${encodeViewState(view)}`);
}

function message(text: string): void {
  $('message').textContent = text;
}

function explain(err: unknown): string {
  if (err instanceof ApiError && err.status === 401)
    return 'The server does not know this token (401): paste a read token.';
  if (err instanceof ApiError && err.status === 403)
    return 'This token may not do that (403): paste a read token of this project.';
  return err instanceof Error ? err.message : String(err);
}

function useToken(token: string): void {
  localStorage.setItem(TOKEN_KEY, token);
  hub?.close();
  hub = undefined;
  api = token === '' ? undefined : new ApiClient(token);
  openedRun = undefined;
  if (api === undefined) {
    message('Paste a read token to see the runs.');
    return;
  }
  message('');
  void refreshRuns();
  if (view.run !== undefined) void openRun(view.run);
}

async function refreshRuns(): Promise<void> {
  if (api === undefined) return;
  const client = api;
  try {
    runs = await client.runs();
    if ($('message').dataset.kind === 'token') message('');
    renderRuns();
    // Variable counts: once per run, again while it runs (its variables may grow).
    for (const run of filterRuns(runs, view.status, view.search).slice(0, 30)) {
      if (run.status === 'completed' && variableCounts.has(run.id)) continue;
      void client.variables(run.id).then(
        (vars) => {
          variableCounts.set(run.id, vars.length);
          renderRuns();
        },
        () => undefined,
      );
    }
  } catch (err) {
    message(explain(err));
    $('message').dataset.kind = 'token';
  }
}

/** The runs table's rows by run id, kept across refreshes (see renderRuns). */
const runRows = new Map<string, HTMLTableRowElement>();

/**
 * Updates the runs table in place: a row replaced by a refresh between a
 * press and its release would swallow that click (the two land on different
 * elements), so rows live as long as their run is listed.
 */
function renderRuns(): void {
  const body = $('runs');
  const shown = filterRuns(runs, view.status, view.search);
  const listed = new Set(shown.map((run) => run.id));
  for (const [id, tr] of runRows) {
    if (listed.has(id)) continue;
    tr.remove();
    runRows.delete(id);
  }
  shown.forEach((run, i) => {
    const tr = runRows.get(run.id) ?? runRow(run.id);
    tr.className = run.id === view.run ? 'active' : '';
    const meta = Object.entries(run.meta)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(' ');
    const cells = [
      run.id,
      statusText(run),
      new Date(run.createdAt).toLocaleString(),
      String(variableCounts.get(run.id) ?? '…'),
      run.samples.toLocaleString('en'),
      meta,
    ];
    cells.forEach((text, c) => {
      const td = tr.children[c];
      if (td !== undefined && td.textContent !== text) td.textContent = text;
    });
    if (body.children[i] !== tr) body.insertBefore(tr, body.children[i] ?? null);
  });
}

function runRow(id: string): HTMLTableRowElement {
  const tr = document.createElement('tr');
  tr.dataset.run = id;
  for (let c = 0; c < 6; c++) tr.append(document.createElement('td'));
  tr.addEventListener('click', () => {
    view = { ...view, run: id, panels: [] };
    delete view.range;
    saveView();
    void openRun(id);
  });
  runRows.set(id, tr);
  return tr;
}

function liveHub(): LiveHub | undefined {
  const token = localStorage.getItem(TOKEN_KEY) ?? '';
  if (hub === undefined && token !== '') {
    hub = new LiveHub(
      token,
      (state: ConnectionState) => {
        $('connection').textContent = `live: ${state}`;
        $('connection').dataset.state = state;
      },
      (error) => message(error.message),
    );
  }
  return hub;
}

async function openRun(id: string): Promise<void> {
  if (api === undefined) return;
  openedRun = id;
  for (const p of panels) p.destroy();
  panels = [];
  renderRuns();
  $('run-title').textContent = id;
  try {
    if (await showRun(api, id)) for (const names of view.panels) addPanel(names, false);
  } catch (err) {
    message(`${id}: ${explain(err)}`);
  }
}

/** Reads the run and its variables and shows them; false when another run was opened meanwhile. */
async function showRun(client: ApiClient, id: string): Promise<boolean> {
  const [run, vars] = await Promise.all([client.run(id), client.variables(id)]);
  if (openedRun !== id) return false;
  variables = vars;
  $('run-status').textContent = statusText(run);
  $('run-status').dataset.status = run.status;
  renderVariables();
  return true;
}

async function refreshRun(): Promise<void> {
  const id = openedRun;
  if (api === undefined || id === undefined) return;
  try {
    await showRun(api, id);
  } catch {
    // The next look tries again; the runs list says what is wrong with the token.
  }
}

function renderVariables(): void {
  const list = $('variables');
  list.replaceChildren();
  for (const v of variables) {
    const li = document.createElement('li');
    li.dataset.variable = v.name;
    const name = document.createElement('span');
    name.textContent = v.name;
    const count = document.createElement('small');
    count.textContent = v.count.toLocaleString('en');
    const panel = document.createElement('button');
    panel.textContent = 'panel';
    panel.title = 'plot in a new panel';
    panel.className = 'add-panel';
    panel.addEventListener('click', () => addPanel([v.name], true));
    const overlay = document.createElement('button');
    overlay.textContent = 'overlay';
    overlay.title = 'add to the last panel';
    overlay.className = 'overlay';
    overlay.addEventListener('click', () => overlayOnLast(v.name));
    li.append(name, count, panel, overlay);
    list.append(li);
  }
}

function addPanel(names: string[], remember: boolean): void {
  const hubNow = liveHub();
  if (api === undefined || hubNow === undefined || openedRun === undefined) return;
  if (remember) {
    view = { ...view, panels: [...view.panels, names] };
    saveView();
  }
  const panel: PlotPanel = new PlotPanel(
    {
      api,
      hub: hubNow,
      run: openedRun,
      onRange: (range) => setRange(range),
      onClose: () => closePanel(panel),
      onProblem: (text) => message(text),
    },
    names,
  );
  panels.push(panel);
  $('panels').append(panel.element);
  panel.start(variables, view.range).catch((err: unknown) => message(explain(err)));
}

function overlayOnLast(name: string): void {
  const last = panels.at(-1);
  if (last === undefined) {
    addPanel([name], true);
    return;
  }
  const names = [...(view.panels.at(-1) ?? []), name];
  closePanel(last);
  addPanel([...new Set(names)], true);
}

function closePanel(panel: PlotPanel): void {
  const index = panels.indexOf(panel);
  if (index < 0) return;
  panel.destroy();
  panels.splice(index, 1);
  view = { ...view, panels: view.panels.filter((_, i) => i !== index) };
  saveView();
}

function setRange(range: [number, number] | undefined): void {
  if (range === undefined) delete view.range;
  else view.range = range;
  saveView();
  for (const p of panels) p.setRange(range);
}

function setUp(): void {
  const token = $<HTMLInputElement>('token');
  token.value = localStorage.getItem(TOKEN_KEY) ?? '';
  // Used as soon as it is pasted or typed: no reload button.
  token.addEventListener('input', () => useToken(token.value.trim()));
  const status = $<HTMLSelectElement>('status-filter');
  status.value = view.status;
  status.addEventListener('change', () => {
    view = { ...view, status: status.value as StatusFilter };
    saveView();
    renderRuns();
  });
  const search = $<HTMLInputElement>('search');
  search.value = view.search;
  search.addEventListener('input', () => {
    view = { ...view, search: search.value };
    saveView();
    renderRuns();
  });
  window.setInterval(() => void refreshRuns(), RUNS_REFRESH_MS);
  window.setInterval(() => void refreshRun(), RUN_REFRESH_MS);
  useToken(token.value.trim());
}

// What the browser test reads: what each panel holds, and its draw times (frame cost).
(window as unknown as { runstreamViewer: unknown }).runstreamViewer = {
  panels: () => panels.map((p) => p.inspect()),
  drawTimes: () => panels.flatMap((p) => p.drawTimes),
};

setUp();
