import { REDIS_TOPOLOGIES, historyProblem, useFixture, waitFor } from '@runstream/testkit';
import { waitForManifest, writeSamples, writtenSample } from '@runstream/tiering/testing';
import { getJson } from './testing/get-json';
import { startWorkerBackends } from './testing/worker-backends';

// The age flush against a real worker (Loki's max_age): a run writing one
// sample a second, with no memory pressure at all (no maxmemory, no budget:
// no other flush would ever move it), has no sample older than
// FLUSH_MAX_AGE_S held only in Redis, and its history stays exact.

const MAX_AGE_S = 4;
const settings = {
  FLUSH_MAX_AGE_S: String(MAX_AGE_S),
  FLUSH_AGE_CHECK_MS: '1000',
  MERGE_QUIESCENCE_MS: '50',
};

describe.each(REDIS_TOPOLOGIES)('the age flush on a %s Redis', (topology) => {
  const b = useFixture(() => startWorkerBackends({ topology }));

  /** The last seq S3 holds of a variable flushed only in order (its segments are 1..last). */
  async function lastSeqInS3(run: string, variable: string): Promise<number> {
    return (await b.cold.listSegments(run, variable)).reduce(
      (last, s) => Math.max(last, s.last),
      0,
    );
  }

  it('leaves no sample older than FLUSH_MAX_AGE_S only in Redis; history exact', async () => {
    const run = 'slow-run';
    const variables = ['x', 'y z'];
    await b.hot.runs.create({ id: run });
    const worker = await b.worker(settings);

    const ackedAt: number[] = []; // ackedAt[seq]: when its write was acknowledged
    const n = 12;
    let written = 0;
    let worstMs = 0; // the oldest age seen of a sample held only in Redis
    const writer = (async () => {
      for (let seq = 1; seq <= n; seq++) {
        await writeSamples(b.hot, run, variables, 1, 1, seq - 1);
        ackedAt[seq] = Date.now();
        written = seq;
        await new Promise((r) => setTimeout(r, 1000));
      }
    })();
    let writing = true;
    void writer.finally(() => (writing = false));
    while (writing) {
      const now = Date.now();
      for (const v of variables) {
        const inS3 = await lastSeqInS3(run, v);
        for (let seq = inS3 + 1; seq <= written; seq++)
          worstMs = Math.max(worstMs, now - (ackedAt[seq] ?? now));
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    await writer;
    expect(worstMs).toBeLessThan(MAX_AGE_S * 1000);
    // Age flushes moved the run (nothing else would have).
    for (const v of variables) expect(await lastSeqInS3(run, v)).toBeGreaterThan(0);
    const ageFlushes = worker.lines.filter((l) => l.msg === 'flush done' && l.reason === 'age');
    expect(ageFlushes.some((l) => Number(l.moved) > 0)).toBe(true);

    // The gauge: the oldest sample held only in Redis is younger than the limit.
    const metrics = await getJson(worker.app, '/metrics');
    const gauge = /^runstream_worker_oldest_unflushed_sample_age_seconds (\S+)$/m.exec(
      metrics.text,
    );
    expect(gauge).not.toBeNull();
    expect(Number(gauge?.[1])).toBeLessThan(MAX_AGE_S);

    // What is left in Redis reaches S3 by age too, with nobody writing.
    await waitFor(
      'every sample to reach S3',
      async () => {
        const last = await Promise.all(variables.map((v) => lastSeqInS3(run, v)));
        return last.every((l) => l === n) ? true : undefined;
      },
      15_000,
    );
    for (const v of variables)
      expect(await historyProblem(v, b.history.chunks(run, v), n, writtenSample())).toBeUndefined();

    await b.queues.add('merge', { run, reason: 'requested', requestedAt: Date.now() });
    await waitForManifest(b.cold, run);
    for (const v of variables) {
      expect((await b.cold.mergedInfo(run, v))?.lastSeq).toBe(n);
      expect(await historyProblem(v, b.history.chunks(run, v), n, writtenSample())).toBeUndefined();
    }
  });
});
