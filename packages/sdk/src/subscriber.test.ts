import { setTimeout as sleep } from 'node:timers/promises';
import { roomOf, type SampleValue } from '@runstream/domain';
import { waitFor } from '@runstream/testkit';
import { SubscribeError } from './errors';
import { Subscriber, type Subscription } from './subscriber';
import { ScriptedIoServer, chunkOf, valueOf } from './testing/scripted-io-server';

interface Received {
  seqs: number[];
  t: number[];
  v: SampleValue[];
}

function collector(): Received & {
  onSamples: (c: { first: number; t: number[]; v: SampleValue[] }) => void;
} {
  const r: Received = { seqs: [], t: [], v: [] };
  return {
    ...r,
    onSamples: (c) => {
      c.t.forEach((t, i) => {
        r.seqs.push(c.first + i);
        r.t.push(t);
        r.v.push(c.v[i] as SampleValue);
      });
    },
    get seqs() {
      return r.seqs;
    },
    get t() {
      return r.t;
    },
    get v() {
      return r.v;
    },
  };
}

const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Exactly seqs 1..n, once each, in order, with the values the server derived from them. */
function expectExactly(got: Received, n: number): void {
  expect(got.seqs).toEqual(range(1, n));
  expect(got.t).toEqual(range(1, n).map((s) => s / 10));
  expect(got.v).toEqual(range(1, n).map(valueOf)); // decoded: NaN and ±Infinity included
}

describe('Subscriber against a real Socket.IO server', () => {
  let server: ScriptedIoServer;
  let subscriber: Subscriber | undefined;

  const connect = (
    options: {
      gapTimeoutMs?: number;
      token?: string;
      onError?: (e: Error) => void;
      maxHeldSamples?: number;
    } = {},
  ): Subscriber => {
    subscriber = new Subscriber({
      url: server.url,
      token: options.token ?? 'tok',
      env: {},
      gapTimeoutMs: options.gapTimeoutMs,
      onError: options.onError,
      maxHeldSamples: options.maxHeldSamples,
      reconnect: { baseMs: 20, capMs: 50 },
      socketOptions: { transports: ['websocket'], reconnectionDelay: 20, reconnectionDelayMax: 50 },
    });
    return subscriber;
  };

  beforeEach(async () => {
    server = await new ScriptedIoServer().start();
  });
  afterEach(async () => {
    subscriber?.close();
    subscriber = undefined;
    await server.close();
  });

  it('merges snapshot and interleaved, overlapping, early live events into 1..N once', async () => {
    server.onSubscribe = (socket, req, ack) => {
      void socket.join(roomOf(req.run, req.variable));
      socket.emit('snapshot', chunkOf('r', 'x', 1, 30));
      server.live('r', 'x', 95, 100); // live, ahead of the snapshot
      socket.emit('snapshot', chunkOf('r', 'x', 31, 60));
      server.live('r', 'x', 55, 70); // overlaps what the snapshot sends
      socket.emit('snapshot', chunkOf('r', 'x', 61, 94));
      ack({ ok: true, lastSeq: 94 });
      server.live('r', 'x', 101, 110);
      server.live('r', 'x', 101, 110); // repeated
      server.live('r', 'x', 111, 120);
    };
    const got = collector();
    const sub = connect().subscribe('r', 'x', got.onSamples);
    await waitFor('120 samples', () => got.seqs.length >= 120 || undefined, 5000);
    await sleep(50);
    expectExactly(got, 120);
    expect(sub.lastSeq).toBe(120);
    expect(sub.resubscribes).toBe(0);
    expect(server.subscribes.map((s) => s.req)).toEqual([{ run: 'r', variable: 'x', fromSeq: 1 }]);
  });

  it('holds out-of-order live chunks and releases them in order', async () => {
    server.lastSeq.set(roomOf('r', 'x'), 10);
    const got = collector();
    const sub = connect().subscribe('r', 'x', got.onSamples);
    await waitFor('10 samples', () => got.seqs.length === 10 || undefined);
    server.live('r', 'x', 16, 20);
    server.live('r', 'x', 21, 25);
    await sleep(30);
    expect(got.seqs).toEqual(range(1, 10)); // held behind the gap
    server.live('r', 'x', 11, 13);
    server.live('r', 'x', 14, 15);
    await waitFor('25 samples', () => got.seqs.length >= 25 || undefined);
    await sleep(30);
    expectExactly(got, 25);
    expect(sub.resubscribes).toBe(0);
    expect(server.subscribes).toHaveLength(1);
  });

  it('re-subscribes from lastSeq + 1 when a gap does not fill within gapTimeoutMs', async () => {
    const room = roomOf('r', 'x');
    server.lastSeq.set(room, 10);
    const got = collector();
    const sub = connect({ gapTimeoutMs: 200 }).subscribe('r', 'x', got.onSamples);
    await waitFor('10 samples', () => got.seqs.length === 10 || undefined);
    server.lastSeq.set(room, 20); // 11..14 are "lost" live events; the store has them
    const gapAt = performance.now();
    server.live('r', 'x', 15, 20);
    await waitFor('the gap to be re-read', () => got.seqs.length >= 20 || undefined, 3000);
    await sleep(30);
    expectExactly(got, 20);
    expect(server.subscribes.map((s) => s.req.fromSeq)).toEqual([1, 11]);
    expect((server.subscribes[1]?.at ?? 0) - gapAt).toBeGreaterThanOrEqual(190);
    expect(sub.resubscribes).toBe(1);
    expect(sub.lastSeq).toBe(20);
  });

  it('on resync, subscribes again from lastSeq + 1 (the server left it out of the room)', async () => {
    const room = roomOf('r', 'x');
    server.lastSeq.set(room, 10);
    const got = collector();
    const sub = connect({ gapTimeoutMs: 60_000 }).subscribe('r', 'x', got.onSamples);
    await waitFor('10 samples', () => got.seqs.length === 10 || undefined);
    // What ingest does to a socket that fell behind: out of the room, told where it was cut.
    const socket = server.sockets()[0];
    if (socket === undefined) throw new Error('no socket');
    void socket.leave(room);
    server.lastSeq.set(room, 20);
    socket.emit('resync', { run: 'r', variable: 'x', fromSeq: 11 });
    await waitFor('20 samples', () => got.seqs.length >= 20 || undefined, 3000);
    expectExactly(got, 20);
    expect(server.subscribes.map((s) => s.req.fromSeq)).toEqual([1, 11]);
    expect(sub.resubscribes).toBe(1);
  });

  it('lets held chunks go past maxHeldSamples and asks again from lastSeq + 1', async () => {
    const room = roomOf('r', 'x');
    server.lastSeq.set(room, 10);
    const got = collector();
    const sub = connect({ gapTimeoutMs: 60_000, maxHeldSamples: 10 }).subscribe(
      'r',
      'x',
      got.onSamples,
    );
    await waitFor('10 samples', () => got.seqs.length === 10 || undefined);
    server.lastSeq.set(room, 40); // 11..15 are "lost" live events; the store has them
    server.live('r', 'x', 16, 25); // 10 held: at the cap, not past it
    server.live('r', 'x', 26, 30); // 15 held: past it
    await waitFor('40 samples', () => got.seqs.length >= 40 || undefined, 3000);
    expectExactly(got, 40);
    expect(server.subscribes.map((s) => s.req.fromSeq)).toEqual([1, 11]);
    expect(sub.resubscribes).toBe(1);
  });

  it('re-subscribes when the ack says the snapshot went further than what arrived', async () => {
    const room = roomOf('r', 'x');
    server.onSubscribe = (socket, req, ack) => {
      if (server.subscribes.length === 1) {
        void socket.join(room);
        socket.emit('snapshot', chunkOf('r', 'x', 1, 5));
        ack({ ok: true, lastSeq: 8 }); // 6..8 never came
        return;
      }
      server.lastSeq.set(room, 8);
      server.defaultSubscribe(socket, req, ack);
    };
    const got = collector();
    connect({ gapTimeoutMs: 100 }).subscribe('r', 'x', got.onSamples);
    await waitFor('8 samples', () => got.seqs.length >= 8 || undefined);
    expectExactly(got, 8);
    expect(server.subscribes.map((s) => s.req.fromSeq)).toEqual([1, 6]);
  });

  it.each([
    [
      'the server disconnects the socket',
      (s: ScriptedIoServer) => s.sockets().forEach((x) => x.disconnect(true)),
    ],
    ['the connection drops', (s: ScriptedIoServer) => s.sockets().forEach((x) => x.conn.close())],
  ])('after a reconnect (%s) it resubscribes from lastSeq + 1', async (_what, drop) => {
    const room = roomOf('r', 'x');
    server.lastSeq.set(room, 50);
    const got = collector();
    const client = connect();
    const sub = client.subscribe('r', 'x', got.onSamples);
    await waitFor('50 samples', () => got.seqs.length === 50 || undefined);
    const firstSocket = server.sockets()[0]?.id;
    drop(server);
    server.lastSeq.set(room, 80); // written while the client was away
    await waitFor('resubscription after reconnect', () => got.seqs.length >= 80 || undefined, 5000);
    server.live('r', 'x', 81, 90);
    await waitFor('90 samples', () => got.seqs.length >= 90 || undefined);
    await sleep(30);
    expectExactly(got, 90);
    expect(server.subscribes.map((s) => s.req.fromSeq)).toEqual([1, 51]);
    expect(server.subscribes[1]?.socket).not.toBe(firstSocket);
    expect(sub.resubscribes).toBe(1);
    expect(client.connected).toBe(true);
  });

  it('shares one socket between subscriptions, each with its own sequence', async () => {
    server.lastSeq.set(roomOf('r', 'a'), 12);
    server.lastSeq.set(roomOf('r', 'b'), 3);
    server.lastSeq.set(roomOf('q', 'a'), 5);
    const a = collector();
    const b = collector();
    const qa = collector();
    const client = connect();
    client.subscribe('r', 'a', a.onSamples);
    client.subscribe('r', 'b', b.onSamples);
    client.subscribe('q', 'a', qa.onSamples);
    await waitFor(
      'the three snapshots',
      () => (a.seqs.length === 12 && b.seqs.length === 3 && qa.seqs.length === 5) || undefined,
    );
    server.live('r', 'b', 4, 6);
    await waitFor('the live samples of r/b', () => b.seqs.length === 6 || undefined);
    expectExactly(a, 12);
    expectExactly(b, 6);
    expectExactly(qa, 5);
    expect(server.io.engine.clientsCount).toBe(1);
  });

  it('starts from fromSeq', async () => {
    server.lastSeq.set(roomOf('r', 'x'), 30);
    const got = collector();
    connect().subscribe('r', 'x', got.onSamples, { fromSeq: 21 });
    await waitFor('10 samples', () => got.seqs.length === 10 || undefined);
    expect(got.seqs).toEqual(range(21, 30));
    expect(server.subscribes[0]?.req.fromSeq).toBe(21);
  });

  it('reports a refused subscription as SubscribeError', async () => {
    server.onSubscribe = (_socket, _req, ack) =>
      ack({ ok: false, error: { code: 'run_not_found', message: 'no run' } });
    const errors: Error[] = [];
    const sub = connect().subscribe('r', 'x', () => undefined, { onError: (e) => errors.push(e) });
    await waitFor('the refusal', () => errors.length === 1 || undefined);
    expect(errors[0]).toBeInstanceOf(SubscribeError);
    expect((errors[0] as SubscribeError).code).toBe('run_not_found');
    expect(errors[0]?.message).toContain("run 'r'");
    expect(sub.lastSeq).toBe(0);
  });

  it('unsubscribe leaves the room and stops delivery at once', async () => {
    server.lastSeq.set(roomOf('r', 'x'), 5);
    const got = collector();
    const client = connect();
    const sub: Subscription = client.subscribe('r', 'x', got.onSamples);
    await waitFor('5 samples', () => got.seqs.length === 5 || undefined);
    await sub.unsubscribe();
    expect(server.unsubscribes).toEqual([{ run: 'r', variable: 'x' }]);
    // Even an event sent straight to the socket is not delivered any more.
    server.sockets()[0]?.emit('samples', chunkOf('r', 'x', 6, 8));
    await sleep(50);
    expect(got.seqs).toEqual(range(1, 5));
  });

  it('sends the token in the handshake and reports a refused handshake', async () => {
    const errors: Error[] = [];
    const client = connect({ token: 'wrong', onError: (e) => errors.push(e) });
    client.subscribe('r', 'x', () => undefined);
    await waitFor('the handshake to be refused', () => errors.length > 0 || undefined);
    expect(errors[0]?.message).toMatch(/refused.*unauthorized/);
    expect(server.subscribes).toHaveLength(0);
  });

  it('an onSamples that throws is reported and does not break the sequence', async () => {
    server.lastSeq.set(roomOf('r', 'x'), 20);
    const seen: number[] = [];
    const errors: Error[] = [];
    connect().subscribe(
      'r',
      'x',
      (c) => {
        seen.push(c.first);
        if (c.first === 8) throw new Error('plot failed');
      },
      { onError: (e) => errors.push(e) },
    );
    await waitFor('3 chunks', () => seen.length === 3 || undefined);
    expect(seen).toEqual([1, 8, 15]);
    expect(errors.map((e) => e.message)).toEqual(['plot failed']);
  });
});
