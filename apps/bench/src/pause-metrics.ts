/**
 * Where a latency tail can come from inside a Node server: its event loop held
 * up (a long task, a GC pause), read from the prom-client default metrics it
 * serves on /metrics. prom-client resets its event-loop histogram on every
 * scrape, so a scrape before and after a round gives that round's delay.
 */

/** What one scrape says of pauses so far. */
export interface PauseScrape {
  /** Event-loop delay since the scrape before (prom-client's monitorEventLoopDelay), ms. */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  /** Every GC kind's pauses since the process started. */
  gcSeconds: number;
  gcCount: number;
  /** Of those, the pauses longer than 10 ms (prom-client's bucket bound). */
  gcOver10msCount: number;
}

/** A round's pauses: the delay as the later scrape says, GC as the difference. */
export interface RoundPauses {
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  gcMsPerSecond: number;
  gcOver10ms: number;
}

/** The sum of a metric's samples whose labels contain `labelPart` (all when empty), from Prometheus text. */
function sumOf(text: string, name: string, labelPart = ''): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || !(line[name.length] === ' ' || line[name.length] === '{'))
      continue;
    const space = line.lastIndexOf(' ');
    if (labelPart !== '' && !line.slice(name.length, space).includes(labelPart)) continue;
    sum += Number(line.slice(space + 1));
  }
  return sum;
}

export function parsePauseMetrics(text: string): PauseScrape {
  const gcCount = sumOf(text, 'nodejs_gc_duration_seconds_count');
  return {
    loopDelayP99Ms: sumOf(text, 'nodejs_eventloop_lag_p99_seconds') * 1e3,
    loopDelayMaxMs: sumOf(text, 'nodejs_eventloop_lag_max_seconds') * 1e3,
    gcSeconds: sumOf(text, 'nodejs_gc_duration_seconds_sum'),
    gcCount,
    gcOver10msCount: gcCount - sumOf(text, 'nodejs_gc_duration_seconds_bucket', 'le="0.01"'),
  };
}

export async function scrapePauses(baseUrl: string): Promise<PauseScrape> {
  const res = await fetch(new URL('/metrics', baseUrl));
  if (!res.ok) throw new Error(`${baseUrl}/metrics answered ${res.status}`);
  return parsePauseMetrics(await res.text());
}

export function roundPauses(before: PauseScrape, after: PauseScrape, seconds: number): RoundPauses {
  return {
    loopDelayP99Ms: after.loopDelayP99Ms,
    loopDelayMaxMs: after.loopDelayMaxMs,
    gcMsPerSecond: ((after.gcSeconds - before.gcSeconds) * 1e3) / seconds,
    gcOver10ms: after.gcOver10msCount - before.gcOver10msCount,
  };
}
