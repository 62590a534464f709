import type { Subscriber } from '@runstream/sdk';
import { seqCoverageProblem, waitFor } from '@runstream/testkit';
import type { Socket as TcpSocket } from 'node:net';
import { metricValue } from './testing/metric-value';
import { startIngest, type IngestHarness } from './testing/ingest-harness';

// A socket that does not read: its outgoing queue is capped, it is told to
// resync, and once it reads again the SDK ends with every seq exactly once.

const CAP = 64 * 1024;
const SAMPLES_PER_BATCH = 5000;

let h: IngestHarness;

beforeAll(async () => {
  h = await startIngest({ limits: { liveMaxBufferedBytes: CAP } });
});
afterAll(async () => {
  await h.stop();
});

/**
 * The TCP socket under the subscriber's websocket. Test-only reach into the
 * SDK's and socket.io-client's internals: pausing it is what a client that
 * stops reading (a frozen UI, a saturated link) looks like to the server.
 */
function tcpSocketOf(subscriber: Subscriber): TcpSocket {
  const internals = subscriber as unknown as {
    socket: { io: { engine: { transport: { name: string; ws?: { _socket?: TcpSocket } } } } };
  };
  const transport = internals.socket.io.engine.transport;
  const socket = transport.ws?._socket;
  if (transport.name !== 'websocket' || socket === undefined)
    throw new Error(`expected a websocket transport, got ${transport.name}`);
  return socket;
}

async function resyncs(): Promise<number> {
  return metricValue(
    await (await h.request('/metrics')).text(),
    'runstream_ingest_live_resyncs_total',
  );
}

it('a subscriber that stops reading is told to resync instead of being queued for without bound, and ends with 1..N once', async () => {
  await h.request('/v1/runs', { json: { id: 'slow' } });
  const subscriber = h.subscriber({
    // No gap timer: only the resync may bring the subscription back.
    gapTimeoutMs: 600_000,
    socketOptions: { transports: ['websocket'] },
  });
  const seqs: number[] = [];
  const sub = subscriber.subscribe('slow', 'x', ({ first, t }) => {
    for (let i = 0; i < t.length; i++) seqs.push(first + i);
  });

  let written = 0;
  const write = async (): Promise<void> => {
    const t = Array.from({ length: SAMPLES_PER_BATCH }, (_, i) => written + i);
    const res = await h.request('/v1/runs/slow/samples', {
      json: { variables: { x: { t, v: t.map((x) => x * 1.5 + 0.123456789) } } },
    });
    expect(res.status).toBe(200);
    written += SAMPLES_PER_BATCH;
  };

  await write();
  await waitFor('the first batch', () => (sub.lastSeq === written ? true : undefined));

  const tcp = tcpSocketOf(subscriber);
  tcp.pause();
  // The kernel's buffers take megabytes before anything queues in the server: write until it resyncs.
  for (let i = 0; (await resyncs()) === 0; i++) {
    if (i >= 2000) throw new Error(`no resync after ${written} samples`);
    for (let k = 0; k < 10; k++) await write();
  }
  // Written while the socket is out of the room: what the resubscribe reads from history.
  for (let k = 0; k < 3; k++) await write();

  tcp.resume();
  await waitFor(
    `all ${written} samples`,
    () => (sub.lastSeq >= written ? true : undefined),
    60_000,
  );
  expect(seqCoverageProblem(seqs, written)).toBeUndefined();
  expect(sub.resubscribes).toBeGreaterThanOrEqual(1);
  expect(await resyncs()).toBe(1);
}, 120_000);
