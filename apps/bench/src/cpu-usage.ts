import { readFileSync, readdirSync } from 'node:fs';

/**
 * Linux reports process CPU time in clock ticks; USER_HZ is 100 on every
 * mainstream kernel and no Node API exposes it.
 */
const TICKS_PER_SECOND = 100;

/**
 * CPU seconds (user + system, all threads) a process has used so far, from
 * /proc; undefined where there is no /proc (the figure is then left out).
 */
export function cpuSecondsOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may contain spaces: count fields after it.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    if (!Number.isFinite(utime) || !Number.isFinite(stime)) return undefined;
    return (utime + stime) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/**
 * Watches the CPU time of named processes over an interval, to tell whether a
 * server was CPU-bound (near 100 % of one core) or waiting on something.
 */
export class CpuMeter {
  private readonly startCpu = new Map<string, number | undefined>();
  private startWall = 0;

  constructor(private readonly pids: Record<string, number>) {}

  start(): void {
    this.startWall = performance.now();
    for (const [name, pid] of Object.entries(this.pids)) this.startCpu.set(name, cpuSecondsOf(pid));
  }

  /** Share of one core each process used since start(), in percent. */
  stop(): Record<string, number> {
    const wallSeconds = (performance.now() - this.startWall) / 1000;
    const out: Record<string, number> = {};
    for (const [name, pid] of Object.entries(this.pids)) {
      const before = this.startCpu.get(name);
      const after = cpuSecondsOf(pid);
      if (before !== undefined && after !== undefined && wallSeconds > 0)
        out[name] = Math.round(((after - before) / wallSeconds) * 100);
    }
    return out;
  }

  /** Runs `work`: its wall time in seconds and each process's CPU share meanwhile. */
  async measure(
    work: () => Promise<unknown>,
  ): Promise<{ seconds: number; cpuPercent: Record<string, number> }> {
    this.start();
    const started = performance.now();
    await work();
    const seconds = (performance.now() - started) / 1000;
    return { seconds, cpuPercent: this.stop() };
  }
}

/** The parent pid in a /proc/<pid>/stat line (the name in parentheses may hold spaces). */
export function parentPidOf(stat: string): number | undefined {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ppid = Number(fields[1]);
  return Number.isInteger(ppid) ? ppid : undefined;
}

/** A child of `parent` whose command line matches, from /proc; undefined without /proc. */
export function findChildPid(
  parent: number,
  matches: (args: string[]) => boolean,
): number | undefined {
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return undefined;
  }
  for (const entry of entries) {
    try {
      if (parentPidOf(readFileSync(`/proc/${entry}/stat`, 'utf8')) !== parent) continue;
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (matches(args)) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}
