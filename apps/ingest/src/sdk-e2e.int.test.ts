import type { SampleValue } from '@runstream/domain';
import { RunstreamClient, Subscriber, type Producer } from '@runstream/sdk';
import { UGLY_SAMPLE_VALUES, seqCoverageProblem } from '@runstream/testkit';
import { READ_TOKEN, WRITE_TOKEN, startIngest, type IngestHarness } from './testing/ingest-harness';

// End to end through the SDK: Producer → ingest → Redis → room → Subscriber.
let h: IngestHarness;
let writer: RunstreamClient;
let reader: RunstreamClient;
const subscribers: Subscriber[] = [];
const producers: Producer[] = [];

beforeAll(async () => {
  h = await startIngest({ snapshotChunkSamples: 64 });
  writer = new RunstreamClient({ url: h.baseUrl, token: WRITE_TOKEN });
  reader = new RunstreamClient({ url: h.baseUrl, token: READ_TOKEN });
});
afterAll(async () => {
  for (const s of subscribers) s.close();
  await Promise.all(producers.map((p) => p.close({ force: true })));
  await h.stop();
});

function subscriber(): Subscriber {
  const s = new Subscriber({ url: h.baseUrl, token: READ_TOKEN, gapTimeoutMs: 300 });
  subscribers.push(s);
  return s;
}

function producer(run: string, minIntervalMs = 10): Producer {
  const p = writer.producer(run, { minIntervalMs });
  producers.push(p);
  return p;
}

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

async function until(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('SDK against the real ingest', () => {
  it('delivers NaN, ±Infinity, -0, 1e308, arrays, strings, booleans and null through producer, history and socket', async () => {
    const { run } = await writer.createRun({ id: 'e2e-values' });
    const values = [...UGLY_SAMPLE_VALUES] as SampleValue[];
    const live = collector();
    subscriber().subscribe(run.id, 'v', live.onSamples);
    const p = producer(run.id);
    values.forEach((v, i) => p.log('v', i, v));
    await p.flush();
    await until(() => live.values.length === values.length, 'live values');
    expect(live.values).toEqual(values); // Object.is per element: NaN, -0 and 0 told apart

    const history: SampleValue[] = [];
    for await (const chunk of reader.history(run.id, 'v')) history.push(...chunk.v);
    expect(history).toEqual(values);

    const late = collector(); // joins after the fact: all of it comes from the snapshot
    subscriber().subscribe(run.id, 'v', late.onSamples);
    await until(() => late.values.length === values.length, 'snapshot values');
    expect(late.values).toEqual(values);
  });

  it('gives every subscriber that joins while 4 producers write each seq exactly once, in order', async () => {
    const { run } = await writer.createRun({ id: 'e2e-join' });
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
      await until(() => c.seqs.length >= total, 'every seq');
      await new Promise((r) => setTimeout(r, 50));
      expect(seqCoverageProblem(c.seqs, total)).toBeUndefined();
    }
  });

  it('resumes after the server drops every socket, without a gap or a repeat', async () => {
    const { run } = await writer.createRun({ id: 'e2e-resume' });
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
        await until(() => sub.resubscribes > before, 'the resubscription');
      }
    }
    await p.flush();
    await until(() => c.seqs.length >= 3000, 'every seq after the reconnects');
    await new Promise((r) => setTimeout(r, 100));
    expect(dropped).toBe(3);
    expect(sub.resubscribes).toBeGreaterThanOrEqual(3);
    expect(seqCoverageProblem(c.seqs, 3000)).toBeUndefined();
    expect(c.values).toEqual(Array.from({ length: 3000 }, (_, i) => i));
  });
});
