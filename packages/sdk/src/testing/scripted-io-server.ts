import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Server, type Socket } from 'socket.io';
import {
  encodeNumber,
  roomOf,
  type ClientToServerEvents,
  type ServerToClientEvents,
  type SubscribeAck,
  type SubscribeRequest,
  type UnsubscribeRequest,
  type VariableChunk,
} from '@runstream/domain';

export type ServerSocket = Socket<ClientToServerEvents, ServerToClientEvents>;
export type SubscribeHandler = (
  socket: ServerSocket,
  req: SubscribeRequest,
  ack: (res: SubscribeAck) => void,
) => void | Promise<void>;

/**
 * The value of seq s in these tests: distinct per seq, with NaN and ±Infinity
 * now and then, so delivery order and decoding are both checked.
 */
export function valueOf(seq: number): number {
  if (seq % 11 === 0) return NaN;
  if (seq % 13 === 0) return seq % 2 === 0 ? Infinity : -Infinity;
  return seq * 10;
}

/** A chunk of seqs first..last of (run, variable): t = seq / 10, v = valueOf(seq), wire-encoded. */
export function chunkOf(run: string, variable: string, first: number, last: number): VariableChunk {
  const t: number[] = [];
  const v = [];
  for (let s = first; s <= last; s++) {
    t.push(s / 10);
    v.push(encodeNumber(valueOf(s)));
  }
  return { run, variable, first, t, v };
}

/**
 * A real Socket.IO server on 127.0.0.1:<free port> whose subscribe handling
 * each test scripts. By default it behaves like ingest: join the room, send
 * the snapshot from `fromSeq` up to `lastSeqOf(variable)` in chunks of 7,
 * then ack.
 */
export class ScriptedIoServer {
  readonly io: Server<ClientToServerEvents, ServerToClientEvents>;
  readonly subscribes: Array<{ req: SubscribeRequest; at: number; socket: string }> = [];
  readonly unsubscribes: UnsubscribeRequest[] = [];
  /** Last seq that "exists" per room: what the default snapshot covers. */
  readonly lastSeq = new Map<string, number>();
  onSubscribe: SubscribeHandler = (socket, req, ack) => this.defaultSubscribe(socket, req, ack);
  url = '';
  private readonly http = createServer();

  constructor(readonly token = 'tok') {
    this.io = new Server(this.http);
    this.io.use((socket, next) => {
      const auth = socket.handshake.auth as { token?: unknown };
      if (auth.token === this.token) next();
      else next(new Error('unauthorized'));
    });
    this.io.on('connection', (socket) => {
      socket.on('subscribe', (req, ack) => {
        this.subscribes.push({ req, at: performance.now(), socket: socket.id });
        void this.onSubscribe(socket, req, ack);
      });
      socket.on('unsubscribe', (req, ack) => {
        this.unsubscribes.push(req);
        void socket.leave(roomOf(req.run, req.variable));
        ack({ ok: true });
      });
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.http.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.http.address() as AddressInfo).port}`;
    return this;
  }

  sockets(): ServerSocket[] {
    return [...this.io.of('/').sockets.values()];
  }

  /** Live event to everyone in the room, as ingest does after a write. */
  live(run: string, variable: string, first: number, last: number): void {
    this.io.to(roomOf(run, variable)).emit('samples', chunkOf(run, variable, first, last));
  }

  defaultSubscribe(
    socket: ServerSocket,
    req: SubscribeRequest,
    ack: (res: SubscribeAck) => void,
  ): void {
    const room = roomOf(req.run, req.variable);
    void socket.join(room);
    const from = req.fromSeq ?? 1;
    const last = this.lastSeq.get(room) ?? 0;
    for (let s = from; s <= last; s += 7) {
      socket.emit('snapshot', chunkOf(req.run, req.variable, s, Math.min(last, s + 6)));
    }
    ack({ ok: true, lastSeq: Math.max(from - 1, last) });
  }

  async close(): Promise<void> {
    await this.io.close(); // also closes the http server
  }
}
