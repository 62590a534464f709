import type {
  ClientToServerEvents,
  ServerToClientEvents,
  SubscribeAck,
  VariableChunk,
} from '@runstream/domain';
import { io, type Socket } from 'socket.io-client';
import { wallClockMs } from './wall-clock';

/**
 * A live subscriber that measures how long samples take from POST to receipt:
 * the load generator stamps each body's first t with the wall-clock time it
 * was sent, and the probe, in the same process, subtracts that from the
 * wall-clock time the `samples` event arrived.
 */
export class LatencyProbe {
  private latencies: number[] = [];
  private received = 0;

  private constructor(private readonly socket: Socket<ServerToClientEvents, ClientToServerEvents>) {
    socket.on('samples', (chunk: VariableChunk) => this.onSamples(chunk));
  }

  /** Connects with `token` (as the SDK does: handshake auth) and subscribes to one variable. */
  static async subscribe(
    baseUrl: string,
    token: string,
    target: { run: string; variable: string },
  ): Promise<LatencyProbe> {
    const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(baseUrl, {
      auth: { token },
      // Straight to WebSocket: the long-polling start would only add noise to the first events.
      transports: ['websocket'],
      reconnection: false,
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', (err) =>
        reject(new Error(`socket connect failed: ${err.message}`)),
      );
    });
    const probe = new LatencyProbe(socket);
    const ack = await new Promise<SubscribeAck>((resolve, reject) => {
      socket.timeout(10_000).emit('subscribe', target, (err: Error | null, res: SubscribeAck) => {
        if (err) reject(new Error(`subscribe got no answer: ${err.message}`));
        else resolve(res);
      });
    });
    if (!ack.ok) {
      socket.close();
      throw new Error(`subscribe refused: ${ack.error.code}: ${ack.error.message}`);
    }
    return probe;
  }

  private onSamples(chunk: VariableChunk): void {
    const at = wallClockMs();
    this.received++;
    const sent = chunk.t[0];
    if (sent !== undefined) this.latencies.push(at - sent);
  }

  /** Events received since the probe subscribed. */
  get count(): number {
    return this.received;
  }

  /** Latencies (ms) recorded since the last call, and forgets them. */
  take(): number[] {
    const out = this.latencies;
    this.latencies = [];
    return out;
  }

  /** Waits until `count` events have arrived in all, or `timeoutMs` passed. */
  async waitForCount(count: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.received < count && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 5));
  }

  close(): void {
    this.socket.close();
  }
}
