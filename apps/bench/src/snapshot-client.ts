import type { SubscribeAck, VariableChunk } from '@runstream/domain';
import { io, type Socket } from 'socket.io-client';
import { Decoder, Encoder, PacketType, protocol } from 'socket.io-parser';
import { SeqTally } from './tiering-figures';

/**
 * How a subscriber decodes `snapshot` messages: `json` as every Socket.IO
 * client does (the default parser: JSON.parse of each packet), or `text`:
 * the message's text is kept as it came and only its `first` and the
 * length of its `t` are read, so a client in this process costs little
 * beside the server it measures.
 */
export type SnapshotDecoding = 'json' | 'text';

/** How a snapshot event's packet starts (no namespace, no ack id: what the server sends). */
const SNAPSHOT_PACKET_PREFIX = `${PacketType.EVENT}["snapshot",`;

/** The default decoder, but a snapshot event's argument stays text. */
class SnapshotTextDecoder extends Decoder {
  override add(packet: unknown): void {
    if (typeof packet === 'string' && packet.startsWith(SNAPSHOT_PACKET_PREFIX)) {
      // Packet text: `2["snapshot",{…}]`; the argument is what lies between.
      const message = packet.slice(SNAPSHOT_PACKET_PREFIX.length, -1);
      this.emitReserved('decoded', {
        type: PacketType.EVENT,
        nsp: '/',
        data: ['snapshot', message],
      });
      return;
    }
    super.add(packet);
  }
}

const textParser = { protocol, Encoder, Decoder: SnapshotTextDecoder };

/**
 * The first seq and the sample count of a snapshot message's JSON text
 * (`{"run":…,"variable":…,"first":N,"t":[…],"v":[…]}`, chunkJson's form),
 * from `first` and the commas of `t` (numbers only): no parsing.
 */
export function snapshotTextHead(text: string): { first: number; count: number } {
  const firstAt = text.indexOf('"first":');
  const tAt = text.indexOf('"t":[', firstAt);
  if (firstAt < 0 || tAt < 0) throw new Error(`not a snapshot message: ${text.slice(0, 120)}`);
  const first = Number(text.slice(firstAt + 8, text.indexOf(',', firstAt)));
  const tEnd = text.indexOf(']', tAt);
  let count = tEnd === tAt + 5 ? 0 : 1;
  for (let i = text.indexOf(',', tAt + 5); i >= 0 && i < tEnd; i = text.indexOf(',', i + 1))
    count++;
  if (!Number.isInteger(first) || tEnd < 0)
    throw new Error(`not a snapshot message: ${text.slice(0, 120)}`);
  return { first, count };
}

/** One subscriber's snapshot, timed from its `subscribe`. */
export interface SnapshotTiming {
  /** Until the first snapshot message, ms. */
  firstMs: number;
  /** Until the subscribe ack, which the server sends after the last message, ms. */
  doneMs: number;
  messages: number;
}

/**
 * A subscriber's socket went away before its ack (e.g. a ping timeout when
 * many subscribers in one busy process fall behind): no figure, not a
 * wrong snapshot.
 */
export class SubscriberDisconnected extends Error {}

/** How long a subscribe may wait for its ack: long snapshots to many subscribers at once. */
const ACK_TIMEOUT_MS = 600_000;

/**
 * A Socket.IO subscriber of the bench (socket.io-client, as the SDK's
 * Subscriber uses it), straight to WebSocket, with the read token as the
 * SDK sends it (handshake auth). Each snapshot is checked: exactly seqs
 * 1..count, in order, each once.
 */
export class SnapshotClient {
  /** Why the socket disconnected (Socket.IO's reason), for error messages. */
  private disconnected: string | undefined;

  private constructor(private readonly socket: Socket) {
    socket.on('disconnect', (reason) => {
      this.disconnected = reason;
    });
  }

  /** Connects (not timed: the figures start at `subscribe`). */
  static async connect(
    server: { baseUrl: string; token: string },
    decoding: SnapshotDecoding,
  ): Promise<SnapshotClient> {
    const socket = io(server.baseUrl, {
      auth: { token: server.token },
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      ...(decoding === 'text' ? { parser: textParser } : {}),
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', (err) =>
        reject(new Error(`socket connect failed: ${err.message}`)),
      );
    });
    return new SnapshotClient(socket);
  }

  /**
   * Subscribes to `variable` from seq 1 and resolves at the ack, timed from
   * `startedAt` (several subscribers started together share one start).
   */
  async snapshot(
    run: string,
    variable: string,
    count: number,
    startedAt = performance.now(),
  ): Promise<SnapshotTiming> {
    const tally = new SeqTally();
    let firstMs: number | undefined;
    this.socket.on('snapshot', (message: VariableChunk | string) => {
      firstMs ??= performance.now() - startedAt;
      const { first, count: samples } =
        typeof message === 'string'
          ? snapshotTextHead(message)
          : { first: message.first, count: message.t.length };
      tally.add(first, samples);
    });
    try {
      const ack = await this.subscribe(run, variable);
      const doneMs = performance.now() - startedAt;
      const problem = !ack.ok
        ? `subscribe refused: ${ack.error.code}: ${ack.error.message}`
        : ack.lastSeq !== count
          ? `ack says seq ${ack.lastSeq}, not ${count}`
          : tally.check(count);
      if (problem !== undefined) throw new Error(`snapshot of ${run}/${variable}: ${problem}`);
      return { firstMs: firstMs ?? doneMs, doneMs, messages: tally.chunks };
    } finally {
      this.socket.off('snapshot');
    }
  }

  /**
   * Subscribes from seq 1 and resolves with the ms until the first snapshot
   * message arrives; the rest is not waited for (close() ends it).
   */
  firstChunk(run: string, variable: string): Promise<number> {
    const started = performance.now();
    return new Promise((resolve, reject) => {
      this.socket.once('snapshot', () => resolve(performance.now() - started));
      this.subscribe(run, variable).then(
        (ack) => reject(new Error(`${run}/${variable}: acked (ok ${ack.ok}) before any snapshot`)),
        reject,
      );
    });
  }

  close(): void {
    this.socket.close();
  }

  private subscribe(run: string, variable: string): Promise<SubscribeAck> {
    return new Promise<SubscribeAck>((resolve, reject) => {
      this.socket
        .timeout(ACK_TIMEOUT_MS)
        .emit('subscribe', { run, variable }, (err: Error | null, ack: SubscribeAck) => {
          if (err) {
            const why =
              this.disconnected === undefined ? '' : ` (disconnected: ${this.disconnected})`;
            reject(new Error(`subscribe got no answer: ${err.message}${why}`));
          } else resolve(ack);
        });
    });
  }
}
