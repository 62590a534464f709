import uPlot from 'uplot';
import {
  decodeSeriesResponse,
  type SampleChunk,
  type SeriesBucket,
  type VariableStats,
  type WireValue,
} from '@runstream/domain';
import type { Subscription } from '@runstream/sdk/subscriber';
import { alignLines, bucketLines, type Line, type Mark } from '../plot-columns';
import type { PanelReport } from '../panel-report';
import { VariableSeries } from '../variable-series';
import { ApiError, type ApiClient } from './api-client';
import type { LiveHub } from './live-hub';

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2'];
/** Buckets one variable keeps while it runs: about two per pixel of a wide plot. */
const MAX_BUCKETS = 4000;
/** Least time between two redraws of a panel for live data. */
const LIVE_REDRAW_MS = 100;
/** Rows of an event table (strings, booleans). */
const MAX_EVENTS = 200;

interface PanelVariable {
  name: string;
  /** The whole range, extended by live samples. */
  series?: VariableSeries;
  /** Finer buckets of the zoomed range, when zoomed. */
  zoomed?: { buckets: SeriesBucket[]; bucketSeqs: number };
  events: Array<{ seq: number; t: number; v: WireValue }>;
  subscription?: Subscription;
}

export interface PanelContext {
  api: ApiClient;
  hub: LiveHub;
  run: string;
  /** The user zoomed (a range) or reset (undefined): every panel follows. */
  onRange: (range: [number, number] | undefined) => void;
  onClose: () => void;
  onProblem: (message: string) => void;
}

/**
 * One panel: its variables overlaid in one uPlot chart (array components
 * as labelled series), strings and booleans in an event table below it. The
 * first view is the whole range, downsampled; a zoom fetches the visible
 * range again at the plot's resolution (down to raw samples); live samples
 * extend the whole-range buckets.
 */
export class PlotPanel {
  readonly element: HTMLElement;
  private readonly vars: PanelVariable[];
  private readonly plotHost: HTMLElement;
  private readonly modeLabel: HTMLElement;
  private readonly eventsHost: HTMLElement;
  private plot: uPlot | undefined;
  private labels: string[] = [];
  private marks: Mark[] = [];
  private range: [number, number] | undefined;
  private zoomRequest = 0;
  private drawPending = false;
  private lastDrawAt = -Infinity;
  /** Frames drawn, and how long each took (the browser test reads them). */
  readonly drawTimes: number[] = [];

  constructor(
    private readonly ctx: PanelContext,
    variables: readonly string[],
  ) {
    this.vars = variables.map((name) => ({ name, events: [] }));
    this.element = document.createElement('section');
    this.element.className = 'panel';
    this.element.dataset.variables = JSON.stringify(variables);
    const head = document.createElement('header');
    const title = document.createElement('h3');
    title.textContent = variables.join(' · ');
    this.modeLabel = document.createElement('span');
    this.modeLabel.className = 'mode';
    const close = document.createElement('button');
    close.textContent = '✕';
    close.title = 'close this panel';
    close.addEventListener('click', () => ctx.onClose());
    head.append(title, this.modeLabel, close);
    this.plotHost = document.createElement('div');
    this.plotHost.className = 'plot';
    this.eventsHost = document.createElement('div');
    this.eventsHost.className = 'events';
    this.element.append(head, this.plotHost, this.eventsHost);
  }

  /** Loads each variable's whole range, then follows it live. */
  async start(stats: readonly VariableStats[], range: [number, number] | undefined): Promise<void> {
    this.range = range;
    await Promise.all(
      this.vars.map((v) =>
        this.load(
          v,
          stats.find((s) => s.name === v.name),
        ),
      ),
    );
    if (range !== undefined) await this.fetchZoom(range);
    this.scheduleDraw();
  }

  setRange(range: [number, number] | undefined): void {
    const same =
      range === this.range ||
      (range !== undefined &&
        this.range !== undefined &&
        range[0] === this.range[0] &&
        range[1] === this.range[1]);
    if (same) return;
    this.range = range;
    if (range === undefined) {
      for (const v of this.vars) delete v.zoomed;
      this.scheduleDraw();
    } else void this.fetchZoom(range);
  }

  /** What the panel holds, for the browser test: per variable its seqs and bucket width. */
  inspect(): PanelReport {
    return {
      mode: this.modeLabel.textContent ?? '',
      ...(this.plot !== undefined ? { plot: plotReport(this.plot) } : {}),
      variables: this.vars.map((v) => {
        const buckets = v.series?.all ?? [];
        let contiguous = true;
        let max = -Infinity;
        buckets.forEach((b, i) => {
          if (b.firstSeq !== (i === 0 ? 1 : (buckets[i - 1] as SeriesBucket).lastSeq + 1))
            contiguous = false;
          for (const c of b.components) if (c.max !== undefined) max = Math.max(max, c.max.v);
        });
        return {
          name: v.name,
          lastSeq: v.series?.lastSeq ?? 0,
          bucketSeqs: v.series?.bucketSeqs ?? 0,
          contiguous,
          max,
          zoomedBucketSeqs: v.zoomed?.bucketSeqs,
          events: v.events.length,
          eventsEachOnce: v.events.every((e, i, all) => i === 0 || e.seq > (all[i - 1]?.seq ?? 0)),
        };
      }),
    };
  }

  destroy(): void {
    for (const v of this.vars) void v.subscription?.unsubscribe().catch(() => undefined);
    this.plot?.destroy();
    this.element.remove();
  }

  private async load(v: PanelVariable, stats: VariableStats | undefined): Promise<void> {
    const history = await this.ctx.api.series(this.ctx.run, v.name, { points: this.points() });
    v.series = new VariableSeries(history, MAX_BUCKETS);
    const textual = typeof stats?.lastV === 'string' || typeof stats?.lastV === 'boolean';
    if (textual && v.series.lastSeq > 0) {
      const from = Math.max(1, v.series.lastSeq - MAX_EVENTS + 1);
      const page = await this.ctx.api.samples(this.ctx.run, v.name, from, MAX_EVENTS);
      this.addEvents(v, page);
    }
    v.subscription = this.ctx.hub.subscribe(
      this.ctx.run,
      v.name,
      v.series.lastSeq + 1,
      (chunk) => this.onLive(v, chunk),
      (error) => this.ctx.onProblem(`${v.name}: ${error.message}`),
    );
  }

  private onLive(v: PanelVariable, chunk: SampleChunk): void {
    v.series?.append(chunk);
    if (chunk.v.some((x) => typeof x === 'string' || typeof x === 'boolean')) {
      this.addEvents(v, chunk);
    }
    this.scheduleDraw();
  }

  /**
   * Events in seq order, each once: the page of recent samples read at load
   * may already hold seqs the subscription (from the series' last seq) then
   * delivers live.
   */
  private addEvents(v: PanelVariable, chunk: SampleChunk): void {
    let last = v.events.at(-1)?.seq ?? 0;
    chunk.t.forEach((t, i) => {
      const value = chunk.v[i] as WireValue;
      const seq = chunk.first + i;
      if (seq <= last || (typeof value !== 'string' && typeof value !== 'boolean')) return;
      v.events.push({ seq, t, v: value });
      last = seq;
    });
    if (v.events.length > MAX_EVENTS) v.events.splice(0, v.events.length - MAX_EVENTS);
  }

  private async fetchZoom(range: [number, number]): Promise<void> {
    const request = ++this.zoomRequest;
    try {
      const answers = await Promise.all(
        this.vars.map((v) =>
          this.ctx.api.series(this.ctx.run, v.name, {
            fromT: range[0],
            toT: range[1],
            points: this.points(),
          }),
        ),
      );
      if (request !== this.zoomRequest) return; // a newer zoom won
      answers.forEach((answer, i) => {
        (this.vars[i] as PanelVariable).zoomed = {
          buckets: decodeSeriesResponse(answer),
          bucketSeqs: answer.bucketSeqs,
        };
      });
    } catch (err) {
      // A variable whose t went back cannot be cut by time: the whole-range buckets are zoomed instead.
      if (!(err instanceof ApiError && err.code === 't_not_ordered')) throw err;
      this.ctx.onProblem('t is not ordered: showing the whole-range buckets');
    }
    this.scheduleDraw();
  }

  /** Buckets a plot as wide as the panel shows: two per pixel. */
  private points(): number {
    return Math.max(200, Math.min(4000, Math.round((this.plotHost.clientWidth || 800) * 2)));
  }

  /**
   * Live data redraws a panel at most every LIVE_REDRAW_MS: an eye follows
   * 10 updates a second, and ten panels redrawn each frame would take the
   * frame's whole budget. Panels receive at different moments, so their
   * redraws fall in different frames.
   */
  private scheduleDraw(): void {
    if (this.drawPending) return;
    this.drawPending = true;
    const wait = Math.max(0, this.lastDrawAt + LIVE_REDRAW_MS - performance.now());
    window.setTimeout(
      () =>
        requestAnimationFrame(() => {
          this.drawPending = false;
          const start = performance.now();
          this.draw();
          this.lastDrawAt = performance.now();
          this.drawTimes.push(this.lastDrawAt - start);
          if (this.drawTimes.length > 1000) this.drawTimes.splice(0, 500);
        }),
      wait,
    );
  }

  private draw(): void {
    const lines: Line[] = [];
    const marks: Mark[] = [];
    const widths: number[] = [];
    for (const v of this.vars) {
      const buckets = v.zoomed?.buckets ?? v.series?.all ?? [];
      const drawn = bucketLines(v.name, buckets);
      // Zoomed where the variable has nothing: its series stay, empty (the panel keeps its legend).
      if (drawn.lines.length === 0 && v.zoomed !== undefined && v.series !== undefined) {
        const whole = bucketLines(v.name, v.series.all).lines;
        lines.push(...whole.map((l) => ({ label: l.label, x: [], y: [] })));
      }
      lines.push(...drawn.lines);
      marks.push(...drawn.marks);
      widths.push(v.zoomed?.bucketSeqs ?? v.series?.bucketSeqs ?? 1);
    }
    this.marks = marks;
    this.modeLabel.textContent = modeText(widths, this.range !== undefined, marks);
    this.drawEvents();
    if (lines.length === 0) {
      this.plot?.destroy();
      this.plot = undefined;
      this.labels = [];
      return;
    }
    const data = alignLines(lines) as uPlot.AlignedData;
    const labels = lines.map((l) => l.label);
    if (this.plot === undefined || labels.join('\n') !== this.labels.join('\n')) {
      this.plot?.destroy();
      this.labels = labels;
      this.plot = this.createPlot(labels, data);
    } else {
      // Both in one redraw; y follows what the x range shows.
      const plot = this.plot;
      const range = this.range;
      plot.batch(() => {
        plot.setData(data, true);
        if (range !== undefined) plot.setScale('x', { min: range[0], max: range[1] });
      });
    }
  }

  private createPlot(labels: string[], data: uPlot.AlignedData): uPlot {
    const width = Math.max(300, this.plotHost.clientWidth || 800);
    const plot = new uPlot(
      {
        width,
        height: 240,
        scales: { x: { time: false } },
        series: [
          { label: 't' },
          ...labels.map((label, i) => ({
            label,
            stroke: PALETTE[i % PALETTE.length] as string,
            width: 1,
            spanGaps: false,
            points: { show: false },
          })),
        ],
        axes: [{ label: 't' }, {}],
        cursor: { sync: { key: 'runstream' }, drag: { x: true, y: false, setScale: false } },
        hooks: {
          setSelect: [(u) => this.onSelect(u)],
          draw: [(u) => drawMarks(u, this.marks)],
        },
      },
      data,
      this.plotHost,
    );
    // uPlot's double-click resets to the data's extent: here it means "the whole range again".
    plot.over.addEventListener('dblclick', () => this.ctx.onRange(undefined));
    if (this.range !== undefined) plot.setScale('x', { min: this.range[0], max: this.range[1] });
    return plot;
  }

  /**
   * A drag selected a t range: every panel zooms there. uPlot does not set
   * the scale itself (live data redraws at any time, even mid-drag): the
   * range comes back through setRange with the finer data.
   */
  private onSelect(u: uPlot): void {
    const { left, width } = u.select;
    if (width < 2) return;
    const lo = u.posToVal(left, 'x');
    const hi = u.posToVal(left + width, 'x');
    u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
    if (Number.isFinite(lo) && Number.isFinite(hi) && lo < hi) this.ctx.onRange([lo, hi]);
  }

  private drawEvents(): void {
    const rows = this.vars.flatMap((v) => v.events.map((e) => ({ name: v.name, ...e })));
    if (rows.length === 0) {
      this.eventsHost.replaceChildren();
      return;
    }
    rows.sort((a, b) => b.t - a.t);
    const table = document.createElement('table');
    table.innerHTML =
      '<thead><tr><th>t</th><th>variable</th><th>seq</th><th>value</th></tr></thead>';
    const body = document.createElement('tbody');
    for (const r of rows.slice(0, 50)) {
      const tr = document.createElement('tr');
      for (const text of [String(r.t), r.name, String(r.seq), JSON.stringify(r.v)]) {
        const td = document.createElement('td');
        td.textContent = text;
        tr.append(td);
      }
      body.append(tr);
    }
    table.append(body);
    this.eventsHost.replaceChildren(table);
  }
}

function plotReport(plot: uPlot): NonNullable<PanelReport['plot']> {
  const [xs, ...ys] = plot.data;
  let yMax = -Infinity;
  for (const column of ys) for (const y of column) if (typeof y === 'number' && y > yMax) yMax = y;
  return {
    xMin: plot.scales.x?.min ?? NaN,
    xMax: plot.scales.x?.max ?? NaN,
    tFirst: xs[0] ?? NaN,
    tLast: xs[xs.length - 1] ?? NaN,
    yMax,
    points: xs.length,
  };
}

/** What the plot shows, said plainly: raw samples or buckets of how many. */
function modeText(widths: number[], zoomed: boolean, marks: readonly Mark[]): string {
  const widest = Math.max(1, ...widths);
  const what =
    widest === 1
      ? 'raw samples'
      : `buckets of ${widest.toLocaleString('en')} samples (first/min/max/last)`;
  const counts = { nan: 0, '+inf': 0, '-inf': 0 };
  for (const m of marks) counts[m.kind] += m.count;
  const specials = Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(
      ([kind, n]) => `${n} ${kind === 'nan' ? 'NaN' : kind === '+inf' ? '+Infinity' : '-Infinity'}`,
    );
  return [zoomed ? `zoomed: ${what}` : what, ...specials].join(' · ');
}

/** NaN as a grey tick across the plot's foot, +Infinity a red tick at its top, -Infinity at its foot. */
function drawMarks(u: uPlot, marks: readonly Mark[]): void {
  if (marks.length === 0) return;
  const ctx = u.ctx;
  const { left, top, width, height } = u.bbox;
  ctx.save();
  ctx.lineWidth = 2 * devicePixelRatio;
  for (const m of marks) {
    const x = u.valToPos(m.t, 'x', true);
    if (x < left || x > left + width) continue;
    ctx.strokeStyle = m.kind === 'nan' ? '#888' : '#c00';
    const y0 = m.kind === '+inf' ? top : top + height - 8 * devicePixelRatio;
    ctx.beginPath();
    ctx.moveTo(x, y0);
    ctx.lineTo(x, y0 + 8 * devicePixelRatio);
    ctx.stroke();
  }
  ctx.restore();
}
