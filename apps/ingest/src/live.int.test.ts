import type {
  ClientToServerEvents,
  ServerToClientEvents,
  SubscribeRequest,
  VariableChunk,
} from '@runstream/domain';
import { seqCoverageProblem, seqsOf } from '@runstream/testkit';
import { io as connect, type Socket } from 'socket.io-client';
import { READ_TOKEN, startIngest, type IngestHarness } from './testing/ingest-harness';

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

let h: IngestHarness;
const clients: Client[] = [];

beforeAll(async () => {
  h = await startIngest({ snapshotChunkSamples: 50 });
});
afterAll(async () => {
  for (const c of clients) c.close();
  await h.stop();
});

function client(token: string | undefined = READ_TOKEN): Client {
  const c: Client = connect(h.baseUrl, {
    auth: token === undefined ? {} : { token },
    transports: ['websocket'],
    reconnection: false,
  });
  clients.push(c);
  return c;
}

async function write(
  run: string,
  producer: string,
  batches: number,
  variables: string[],
): Promise<void> {
  for (let b = 0; b < batches; b++) {
    const res = await h.request(`/v1/runs/${run}/samples`, {
      json: {
        producer,
        batch: b,
        variables: Object.fromEntries(
          variables.map((v) => [v, { t: [b, b + 0.5], v: [b, { $num: 'NaN' }] }]),
        ),
      },
    });
    expect(res.status).toBe(200);
  }
}

/** What a raw client sees: snapshot chunks, the ack, and live chunks, in arrival order. */
function record(c: Client) {
  const events: { kind: 'snapshot' | 'samples'; chunk: VariableChunk }[] = [];
  c.on('snapshot', (chunk) => events.push({ kind: 'snapshot', chunk }));
  c.on('samples', (chunk) => events.push({ kind: 'samples', chunk }));
  return events;
}

describe('live rooms', () => {
  it('refuses a connection without a valid token', async () => {
    const c = client('wrong-token-wrong-token');
    const err = await new Promise<Error & { data?: { code: string } }>((resolve) =>
      c.on('connect_error', resolve),
    );
    expect(err.data?.code).toBe('unauthorized');
  });

  it('answers an unknown run and a bad request with an error ack', async () => {
    const c = client();
    const unknown = await c.emitWithAck('subscribe', { run: 'nope', variable: 'x' });
    expect(unknown).toMatchObject({ ok: false, error: { code: 'run_not_found' } });
    const badRequest: unknown = { run: 'nope', variable: '', fromSeq: 0 };
    const bad = await c.emitWithAck('subscribe', badRequest as SubscribeRequest);
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
  });

  it('sends history as bounded snapshot chunks from fromSeq, then live samples', async () => {
    await h.request('/v1/runs', { json: { id: 'snap' } });
    await write('snap', 'p', 100, ['x']); // 200 samples
    const c = client();
    const events = record(c);
    const ack = await c.emitWithAck('subscribe', { run: 'snap', variable: 'x', fromSeq: 11 });
    expect(ack).toEqual({ ok: true, lastSeq: 200 });
    const snapshot = events.filter((e) => e.kind === 'snapshot').map((e) => e.chunk);
    expect(snapshot.every((c) => c.t.length <= 50)).toBe(true);
    expect(seqsOf(snapshot)).toEqual(Array.from({ length: 190 }, (_, i) => i + 11));
    expect(snapshot[0]?.v[1]).toEqual({ $num: 'NaN' });

    await write('snap', 'q', 3, ['x']);
    await new Promise((r) => setTimeout(r, 100));
    const live = events.filter((e) => e.kind === 'samples').map((e) => e.chunk);
    expect(seqsOf(live)).toEqual([201, 202, 203, 204, 205, 206]);
  });

  it('gives every subscriber joining while 4 producers write all seqs once after dropping seen ones', async () => {
    await h.request('/v1/runs', { json: { id: 'race' } });
    const writers = Promise.all([0, 1, 2, 3].map((p) => write('race', `p${p}`, 60, ['x', 'y'])));
    const results: ReturnType<typeof record>[] = [];
    const subscribers = (async () => {
      for (let i = 0; i < 8; i++) {
        const c = client();
        const events = record(c);
        const ack = await c.emitWithAck('subscribe', { run: 'race', variable: 'x' });
        expect(ack.ok).toBe(true);
        results.push(events);
        await new Promise((r) => setTimeout(r, 15));
      }
    })();
    await Promise.all([writers, subscribers]);
    await new Promise((r) => setTimeout(r, 200));
    const total = 4 * 60 * 2;
    expect(results).toHaveLength(8);
    for (const events of results) {
      // The client rule: keep the highest seq delivered, drop what is at or below it.
      const delivered: number[] = [];
      let last = 0;
      // Live events that came before the ack are held until the snapshot is delivered.
      const snapshots = events.filter((e) => e.kind === 'snapshot');
      const lives = events.filter((e) => e.kind === 'samples');
      for (const e of [...snapshots, ...lives]) {
        for (let i = 0; i < e.chunk.t.length; i++) {
          const seq = e.chunk.first + i;
          if (seq > last) {
            delivered.push(seq);
            last = seq;
          }
        }
      }
      expect(seqCoverageProblem(delivered, total)).toBeUndefined();
    }
  });
});
