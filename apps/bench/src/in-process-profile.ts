import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import {
  summarizeCpuProfile,
  type CpuProfile,
  type CpuProfileSummary,
} from './cpu-profile-summary';

/**
 * Runs `fn` under V8's sampling profiler in this process (the flusher and the
 * tiered reader run here, not in a child), writes the `.cpuprofile` (open it
 * in Chrome DevTools) and summarises it. Only the main thread is sampled:
 * gzip and gunzip on libuv's thread pool show up as idle time there.
 */
export async function profileInProcess<T>(
  dir: string,
  name: string,
  fn: () => Promise<T>,
): Promise<{ result: T; file: string; summary: CpuProfileSummary }> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 500 });
    await session.post('Profiler.start');
    let outcome: { ok: true; result: T } | { ok: false; error: unknown };
    try {
      outcome = { ok: true, result: await fn() };
    } catch (error) {
      outcome = { ok: false, error };
    }
    const { profile } = await session.post('Profiler.stop');
    if (!outcome.ok) throw outcome.error;
    const result = outcome.result;
    const file = join(
      dir,
      `bench-${name}-${new Date().toISOString().replace(/[:.]/g, '')}.cpuprofile`,
    );
    writeFileSync(file, JSON.stringify(profile));
    const cpuProfile: CpuProfile = {
      nodes: profile.nodes,
      samples: profile.samples ?? [],
      timeDeltas: profile.timeDeltas ?? [],
    };
    return { result, file, summary: summarizeCpuProfile(cpuProfile) };
  } finally {
    session.disconnect();
  }
}
