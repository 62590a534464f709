/**
 * Reads a V8 CPU profile (node --cpu-prof) and says where the busy time went:
 * by package and by function, self time, as shares of the time not idle. Pure;
 * main.ts prints it when BENCH_PROFILE is set, so a change to ingest can be
 * checked against the figures it was meant to move.
 */

/** The parts of the .cpuprofile format this reads. */
export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

export interface CpuShare {
  name: string;
  ms: number;
  /** Of the busy (not idle) time. */
  share: number;
}

export interface CpuProfileSummary {
  busyMs: number;
  idleMs: number;
  byPackage: CpuShare[];
  byFunction: CpuShare[];
}

/** `zod`, `@runstream/hot-store`, `node:internal`, or a V8 pseudo-frame such as `(garbage collector)`. */
export function packageOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  const dep = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (dep?.[1] !== undefined) return dep[1];
  const own = /\/(?:apps|packages)\/([^/]+)\//.exec(url);
  if (own?.[1] !== undefined) return `@runstream/${own[1]}`;
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0] ?? ''}`;
  return url;
}

function shortUrl(url: string): string {
  return url.replace(/^.*node_modules\//, '').replace(/^.*\/(apps|packages)\//, '$1/');
}

export function summarizeCpuProfile(profile: CpuProfile, top = 15): CpuProfileSummary {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) =>
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)),
  );

  const byPackage = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let idleUs = 0;
  let busyUs = 0;
  for (const [id, us] of selfUs) {
    const node = nodes.get(id);
    if (node === undefined) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    busyUs += us;
    const packageName = packageOf(url, functionName);
    byPackage.set(packageName, (byPackage.get(packageName) ?? 0) + us);
    const frame =
      url === ''
        ? functionName || '(anonymous)'
        : `${functionName || '(anonymous)'} ${shortUrl(url)}:${lineNumber + 1}`;
    byFunction.set(frame, (byFunction.get(frame) ?? 0) + us);
  }
  const ranked = (m: Map<string, number>): CpuShare[] =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, ms: us / 1000, share: busyUs > 0 ? us / busyUs : 0 }));
  return {
    busyMs: busyUs / 1000,
    idleMs: idleUs / 1000,
    byPackage: ranked(byPackage),
    byFunction: ranked(byFunction),
  };
}

export function formatCpuProfileSummary(s: CpuProfileSummary): string {
  const row = (c: CpuShare): string => `    ${(c.share * 100).toFixed(1).padStart(5)} %  ${c.name}`;
  return [
    `  busy ${(s.busyMs / 1000).toFixed(1)} s, idle ${(s.idleMs / 1000).toFixed(1)} s; self time as a share of busy time`,
    '  by package:',
    ...s.byPackage.map(row),
    '  by function:',
    ...s.byFunction.map(row),
  ].join('\n');
}
