import type { SampleValue } from '@runstream/domain';
import type { Producer, Subscriber } from '@runstream/sdk';
import { UGLY_SAMPLE_VALUES, seqCoverageProblem, useFixture, waitFor } from '@runstream/testkit';
import { startIngest } from './testing/ingest-harness';

// End to end through the SDK: Producer → ingest → Redis → room → Subscriber.
const h = useFixture(() => startIngest({ snapshotChunkSamples: 64 }));
const subscriber = (): Subscriber => h.subscriber({ gapTimeoutMs: 300 });
const producer = (run: string, minIntervalMs = 10): Producer => h.producer(run, { minIntervalMs });

/** Collects every seq and value delivered to onSamples, checking order as it goes. */
function collector() {
  const seqs: number[] = [];
  const values: SampleValue[] = [];
  return {
    seqs,
    values,
    onSamples: (chunk: { first: number; t: number[]; v: SampleValue[] }) => {
      chunk.v.forEach((v, i) => {
        seqs.push(chunk.first + i);
        values.push(v);
      });
    },
  };
}

describe('SDK against the real ingest', () => {
  it('delivers NaN, ±Infinity, -0, 1e308, arrays, strings, booleans and null through producer, history and socket', async () => {
    const { run } = await h.writer.createRun({ id: 'e2e-values' });
    const values = [...UGLY_SAMPLE_VALUES] as SampleValue[];
    const live = collector();
    subscriber().subscribe(run.id, 'v', live.onSamples);
    const p = producer(run.id);
    values.forEach((v, i) => p.log('v', i, v));
    await p.flush();
    await waitFor('live values', () => live.values.length === values.length || undefined);
    expect(live.values).toEqual(values); // Object.is per element: NaN, -0 and 0 told apart

    const history: SampleValue[] = [];
    for await (const chunk of h.reader.history(run.id, 'v')) history.push(...chunk.v);
    expect(history).toEqual(values);

    const late = collector(); // joins after the fact: all of it comes from the snapshot
    subscriber().subscribe(run.id, 'v', late.onSamples);
    await waitFor('snapshot values', () => late.values.length === values.length || undefined);
    expect(late.values).toEqual(values);
  });

  it('gives every subscriber that joins while 4 producers write each seq exactly once, in order', async () => {
    const { run } = await h.writer.createRun({ id: 'e2e-join' });
    const perProducer = 1500;
    const writing = Promise.all(
      [0, 1, 2, 3].map(async (k) => {
        const p = producer(run.id, 5);
        for (let i = 0; i < perProducer; i++) {
          p.log('x', i, k * 1e6 + i);
          if (i % 50 === 0) await new Promise((r) => setTimeout(r, 2));
        }
        await p.flush();
      }),
    );
    const collectors: ReturnType<typeof collector>[] = [];
    for (let j = 0; j < 6; j++) {
      const c = collector();
      collectors.push(c);
      subscriber().subscribe(run.id, 'x', c.onSamples);
      await new Promise((r) => setTimeout(r, 40));
    }
    await writing;
    const total = 4 * perProducer;
    for (const c of collectors) {
      await waitFor('every seq', () => c.seqs.length >= total || undefined);
      await new Promise((r) => setTimeout(r, 50));
      expect(seqCoverageProblem(c.seqs, total)).toBeUndefined();
    }
  });

  it('resumes after the server drops every socket, without a gap or a repeat', async () => {
    const { run } = await h.writer.createRun({ id: 'e2e-resume' });
    const c = collector();
    const sub = subscriber().subscribe(run.id, 'y', c.onSamples);
    const p = producer(run.id, 5);
    let dropped = 0;
    for (let i = 0; i < 3000; i++) {
      p.log('y', i, i);
      if (i % 100 === 0) await new Promise((r) => setTimeout(r, 3));
      if (i % 1000 === 500) {
        // Drop while samples keep flowing; the next drop waits for this one's resume.
        const before = sub.resubscribes;
        h.ingest.io.disconnectSockets(true);
        dropped++;
        await waitFor('the resubscription', () => sub.resubscribes > before || undefined);
      }
    }
    await p.flush();
    await waitFor('every seq after the reconnects', () => c.seqs.length >= 3000 || undefined);
    await new Promise((r) => setTimeout(r, 100));
    expect(dropped).toBe(3);
    expect(sub.resubscribes).toBeGreaterThanOrEqual(3);
    expect(seqCoverageProblem(c.seqs, 3000)).toBeUndefined();
    expect(c.values).toEqual(Array.from({ length: 3000 }, (_, i) => i));
  });
});
