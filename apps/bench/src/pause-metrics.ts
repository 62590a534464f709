import { readFileSync } from 'node:fs';

/**
 * Where a latency tail can come from: a Node server's event loop held up (a
 * long task, a GC pause), read from the prom-client default metrics it
 * serves on /metrics — prom-client resets its event-loop histogram on every
 * scrape, so a scrape before and after a round gives that round's delay —
 * and a process kept waiting for a CPU by the others (Linux's schedstat).
 */

/**
 * prom-client samples the event loop with a timer of this period
 * (eventLoopMonitoringPrecision) and records the time between its callbacks:
 * an idle loop reads 10 ms. The delay is what is recorded beyond it.
 */
const LOOP_SAMPLING_MS = 10;

/** What one scrape says of pauses so far. */
export interface PauseScrape {
  /** Event-loop delay since the scrape before (prom-client's monitorEventLoopDelay), ms beyond its sampling period. */
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
    loopDelayP99Ms: loopDelayMs(sumOf(text, 'nodejs_eventloop_lag_p99_seconds')),
    loopDelayMaxMs: loopDelayMs(sumOf(text, 'nodejs_eventloop_lag_max_seconds')),
    gcSeconds: sumOf(text, 'nodejs_gc_duration_seconds_sum'),
    gcCount,
    gcOver10msCount: gcCount - sumOf(text, 'nodejs_gc_duration_seconds_bucket', 'le="0.01"'),
  };
}

const loopDelayMs = (seconds: number): number => Math.max(0, seconds * 1e3 - LOOP_SAMPLING_MS);

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

/**
 * Seconds the process's main thread has spent runnable but waiting for a CPU
 * (the second field of /proc/<pid>/schedstat), or undefined without it.
 */
export function runQueueSecondsOf(pid: number): number | undefined {
  try {
    const waitNs = Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]);
    return Number.isFinite(waitNs) ? waitNs / 1e9 : undefined;
  } catch {
    return undefined;
  }
}
