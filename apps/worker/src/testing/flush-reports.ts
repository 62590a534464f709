import type { LogLine } from '@runstream/testkit';

/** The flush reports ('flush done' lines) among a worker's log lines. */
export function flushReports(lines: LogLine[]): LogLine[] {
  return lines.filter((l) => l.msg === 'flush done');
}
