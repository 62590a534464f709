import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import {
  lastSeqOf,
  roomOf,
  type ClientToServerEvents,
  type ResyncNotice,
  type ServerToClientEvents,
  type SubscribeAck,
  type UnsubscribeAck,
  type VariableChunk,
} from '@runstream/domain';
import { checkRunId, checkVariable, positiveOption } from './argument-checks';
import { ChunkSequencer } from './chunk-sequencer';
import { decodeChunk, type DecodedChunk } from './decoded-chunk';
import { resolveServerConnection } from './env-config';
import { SubscribeError } from './errors';
import { backoffDelayMs, type RetryOptions } from './retry-policy';

export const DEFAULT_GAP_TIMEOUT_MS = 1000;
export const DEFAULT_ACK_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_HELD_SAMPLES = 100_000;

export interface SubscriberOptions {
  /** Ingest base URL. Default: RUNSTREAM_URL. A path prefix is kept (`<prefix>/socket.io`). */
  url?: string;
  /** Sent as the handshake's `auth: { token }`. Default: RUNSTREAM_TOKEN. */
  token?: string;
  /** How long chunks may wait behind a gap before re-subscribing from it. Default 1000 ms. */
  gapTimeoutMs?: number;
  /** How long to wait for a subscribe/unsubscribe acknowledgement. Default 30 s. */
  ackTimeoutMs?: number;
  /**
   * Samples one subscription may hold behind a gap (arrived out of order,
   * waiting for what comes before them). Past it they are let go and the
   * subscription asks again from its last seq: memory stays bounded and
   * nothing is lost. Default 100 000.
   */
  maxHeldSamples?: number;
  /**
   * Connection problems that will not heal by themselves (the server refused
   * the handshake), and subscription errors without their own `onError`.
   * Without it they are printed as process warnings.
   */
  onError?: (error: Error) => void;
  /** Backoff of reconnecting after the server dropped the socket on purpose. */
  reconnect?: RetryOptions;
  /** Passed to socket.io-client (transports, reconnection delays...). */
  socketOptions?: Partial<ManagerOptions & SocketOptions>;
  /** Environment to read defaults from. Default: `process.env`. */
  env?: NodeJS.ProcessEnv;
}

export interface SubscribeOptions {
  /** First seq wanted. Default 1: the whole history, then live. */
  fromSeq?: number;
  /** The server refused the subscription, or `onSamples` threw. */
  onError?: (error: Error) => void;
}

/** Receives a variable's samples: each seq exactly once, in order, values decoded. */
export type SamplesHandler = (chunk: DecodedChunk) => void;

/** One live subscription to a (run, variable). */
export interface Subscription {
  readonly run: string;
  readonly variable: string;
  /** Highest seq handed to `onSamples` (fromSeq - 1 before any). */
  readonly lastSeq: number;
  /** Times this subscription asked the server again (gap, reconnect, resync or too much held). */
  readonly resubscribes: number;
  /** Stops delivery at once; resolves when the server acknowledged leaving the room. */
  unsubscribe(): Promise<void>;
}

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

class SubscriptionState implements Subscription {
  readonly sequencer: ChunkSequencer;
  active = true;
  /** Tells acknowledgements of older subscribe requests apart from the current one. */
  generation = 0;
  /** The current subscribe request was acknowledged: the snapshot is complete. */
  acked = false;
  /** Highest seq known to exist (from chunks and acks), delivered or not. */
  knownLast = 0;
  gapTimer: NodeJS.Timeout | undefined;
  gapAt = 0;
  resubscribes = 0;

  constructor(
    private readonly owner: Subscriber,
    readonly run: string,
    readonly variable: string,
    readonly onSamples: SamplesHandler,
    readonly onError: ((error: Error) => void) | undefined,
    fromSeq: number,
  ) {
    this.sequencer = new ChunkSequencer(fromSeq);
  }

  get lastSeq(): number {
    return this.sequencer.lastSeq;
  }

  unsubscribe(): Promise<void> {
    return this.owner.remove(this);
  }
}

/**
 * Live samples of variables over Socket.IO: history first (snapshot), then
 * live events, with every seq delivered exactly once and in order. Live
 * events that race the snapshot, overlap it or arrive out of order are
 * sorted out by seq; a gap that does not fill within `gapTimeoutMs` and
 * every reconnect re-subscribe from `lastSeq + 1`. All subscriptions share
 * one socket.
 *
 * ```ts
 * const subscriber = new Subscriber({ url, token });
 * const sub = subscriber.subscribe('run-1', 'pump.flow', ({ first, t, v }) => plot(first, t, v));
 * ```
 */
export class Subscriber {
  readonly gapTimeoutMs: number;
  readonly ackTimeoutMs: number;
  readonly maxHeldSamples: number;
  private readonly socket: ClientSocket;
  /** Subscriptions by room; several may share a (run, variable). */
  private readonly rooms = new Map<string, Set<SubscriptionState>>();
  private closed = false;
  private reconnectAttempt = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: SubscriberOptions = {}) {
    const { url, token } = resolveServerConnection(options);
    const base = new URL(url);
    this.gapTimeoutMs = positiveOption(options, 'gapTimeoutMs', DEFAULT_GAP_TIMEOUT_MS);
    this.ackTimeoutMs = positiveOption(options, 'ackTimeoutMs', DEFAULT_ACK_TIMEOUT_MS);
    this.maxHeldSamples = positiveOption(options, 'maxHeldSamples', DEFAULT_MAX_HELD_SAMPLES);

    // io('http://host/prefix') would read /prefix as a namespace: the prefix belongs in `path`.
    this.socket = io(base.origin, {
      path: `${base.pathname.replace(/\/+$/, '')}/socket.io`,
      auth: { token },
      // Our own Manager: closing this subscriber must not close another one's socket.
      forceNew: true,
      ...options.socketOptions,
    });
    this.socket.on('connect', () => this.onConnect());
    this.socket.on('disconnect', (reason) => this.onDisconnect(reason));
    this.socket.on('connect_error', (err) => this.onConnectError(err));
    this.socket.on('snapshot', (chunk) => this.route(chunk));
    this.socket.on('samples', (chunk) => this.route(chunk));
    this.socket.on('resync', (notice) => this.onResync(notice));
  }

  /** True while the socket is connected. */
  get connected(): boolean {
    return this.socket.connected;
  }

  /**
   * Subscribes to one variable from `fromSeq` (default 1). `onSamples` sees
   * every seq from there exactly once, in order, values decoded.
   */
  subscribe(
    run: string,
    variable: string,
    onSamples: SamplesHandler,
    options: SubscribeOptions = {},
  ): Subscription {
    if (this.closed) throw new Error('subscriber is closed');
    checkRunId(run);
    checkVariable(variable);
    const fromSeq = options.fromSeq ?? 1;
    if (!Number.isSafeInteger(fromSeq) || fromSeq < 1) {
      throw new TypeError(`fromSeq must be an integer >= 1, got ${String(fromSeq)}`);
    }
    const state = new SubscriptionState(this, run, variable, onSamples, options.onError, fromSeq);
    const key = roomOf(run, variable);
    let set = this.rooms.get(key);
    if (set === undefined) {
      set = new Set();
      this.rooms.set(key, set);
    }
    set.add(state);
    // Not connected yet: the 'connect' handler subscribes everything.
    if (this.socket.connected) this.requestSnapshot(state);
    return state;
  }

  /** Ends every subscription and the socket. */
  close(): void {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    for (const set of this.rooms.values()) {
      for (const state of set) this.deactivate(state);
    }
    this.rooms.clear();
    this.socket.disconnect();
  }

  /** @internal Subscription.unsubscribe */
  remove(state: SubscriptionState): Promise<void> {
    if (!state.active) return Promise.resolve();
    this.deactivate(state);
    const key = roomOf(state.run, state.variable);
    const set = this.rooms.get(key);
    set?.delete(state);
    // Another subscription still needs the room: stay in it.
    if (set !== undefined && set.size > 0) return Promise.resolve();
    this.rooms.delete(key);
    if (!this.socket.connected) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.socket
        .timeout(this.ackTimeoutMs)
        .emit(
          'unsubscribe',
          { run: state.run, variable: state.variable },
          (err: Error | null, ack: UnsubscribeAck) => {
            if (err) reject(err);
            else if (!ack.ok)
              reject(
                new SubscribeError(ack.error.code, ack.error.message, state.run, state.variable),
              );
            else resolve();
          },
        );
    });
  }

  private deactivate(state: SubscriptionState): void {
    state.active = false;
    clearTimeout(state.gapTimer);
    state.gapTimer = undefined;
  }

  private onConnect(): void {
    this.reconnectAttempt = 0;
    // A new connection knows none of our rooms: ask again from where each one is.
    for (const set of this.rooms.values()) {
      for (const state of set) {
        if (state.generation > 0) state.resubscribes++;
        this.requestSnapshot(state);
      }
    }
  }

  private onDisconnect(reason: Socket.DisconnectReason): void {
    for (const set of this.rooms.values()) {
      for (const state of set) {
        state.acked = false;
        clearTimeout(state.gapTimer);
        state.gapTimer = undefined;
      }
    }
    // socket.io reconnects by itself except when the server dropped us on
    // purpose (a restart, a rebalance): then it is up to us.
    if (reason === 'io server disconnect' && !this.closed) this.scheduleReconnect();
  }

  private onConnectError(err: Error): void {
    // `active` false: the server refused the handshake (auth); retrying will not help.
    if (!this.socket.active && !this.closed) {
      this.report(
        undefined,
        new Error(`socket.io connection refused: ${err.message}`, { cause: err }),
      );
    }
  }

  private scheduleReconnect(): void {
    this.reconnectAttempt++;
    const delay = backoffDelayMs(this.reconnectAttempt, Math.random(), {
      baseMs: 250,
      capMs: 5000,
      ...this.options.reconnect,
    });
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => {
      if (!this.closed && !this.socket.connected) this.socket.connect();
    }, delay);
  }

  /** (Re)subscribes from the first seq not yet delivered. */
  private requestSnapshot(state: SubscriptionState): void {
    if (!state.active || !this.socket.connected) return;
    const generation = ++state.generation;
    state.acked = false;
    clearTimeout(state.gapTimer);
    state.gapTimer = undefined;
    const request = { run: state.run, variable: state.variable, fromSeq: state.lastSeq + 1 };
    this.socket
      .timeout(this.ackTimeoutMs)
      .emit('subscribe', request, (err: Error | null, ack: SubscribeAck) => {
        if (!state.active || generation !== state.generation) return;
        if (err) {
          // No answer in time: ask again (a disconnect resubscribes on its own).
          state.resubscribes++;
          this.requestSnapshot(state);
          return;
        }
        if (!ack.ok) {
          void this.remove(state).catch(() => undefined);
          this.report(
            state,
            new SubscribeError(ack.error.code, ack.error.message, state.run, state.variable),
          );
          return;
        }
        state.acked = true;
        state.knownLast = Math.max(state.knownLast, ack.lastSeq);
        this.checkGap(state);
      });
  }

  /**
   * The server stopped sending us a room's live events (we fell behind) and
   * left us out of it: everything before `fromSeq` was sent ahead of this
   * notice, so asking again from our last seq misses nothing.
   */
  private onResync(notice: ResyncNotice): void {
    if (typeof notice !== 'object' || notice === null) return;
    const set = this.rooms.get(roomOf(notice.run, notice.variable));
    if (set === undefined) return;
    for (const state of set) {
      if (!state.active) continue;
      state.resubscribes++;
      this.requestSnapshot(state);
    }
  }

  private route(chunk: VariableChunk): void {
    if (!isChunk(chunk)) return;
    const set = this.rooms.get(roomOf(chunk.run, chunk.variable));
    if (set === undefined) return;
    for (const state of set) this.deliver(state, chunk);
  }

  private deliver(state: SubscriptionState, chunk: VariableChunk): void {
    if (!state.active) return;
    state.knownLast = Math.max(state.knownLast, lastSeqOf(chunk));
    for (const ready of state.sequencer.push(chunk)) {
      if (!state.active) return; // the callback unsubscribed
      try {
        state.onSamples(decodeChunk(ready));
      } catch (err) {
        this.reportCallbackError(state, err);
      }
    }
    if (state.active && state.sequencer.heldCount > this.maxHeldSamples) {
      // Held chunks are what a snapshot from lastSeq + 1 sends again: let them go, ask for that.
      state.sequencer.releaseHeld();
      state.resubscribes++;
      this.requestSnapshot(state);
      return;
    }
    this.checkGap(state);
  }

  /**
   * After the snapshot (ack), a missing seq that is known to exist starts a
   * timer; progress restarts it; if it fires, re-subscribe from the gap.
   * Before the ack a gap is normal: the snapshot is still arriving.
   */
  private checkGap(state: SubscriptionState): void {
    if (!state.active || !state.acked) return;
    const gap = state.sequencer.hasGap || state.knownLast > state.lastSeq;
    if (!gap) {
      clearTimeout(state.gapTimer);
      state.gapTimer = undefined;
      return;
    }
    if (state.gapTimer !== undefined && state.gapAt === state.lastSeq) return;
    clearTimeout(state.gapTimer);
    state.gapAt = state.lastSeq;
    state.gapTimer = setTimeout(() => {
      state.gapTimer = undefined;
      if (!state.active || !state.acked) return;
      if (state.sequencer.hasGap || state.knownLast > state.lastSeq) {
        state.resubscribes++;
        this.requestSnapshot(state);
      }
    }, this.gapTimeoutMs);
    // A browser's timer is a number, without unref (the viewer bundles this class).
    (state.gapTimer as { unref?: () => void }).unref?.();
  }

  private report(state: SubscriptionState | undefined, error: Error): void {
    const handler = state?.onError ?? this.options.onError;
    if (handler !== undefined) handler(error);
    else process.emitWarning(error);
  }

  private reportCallbackError(state: SubscriptionState, err: unknown): void {
    const error = err instanceof Error ? err : new Error(String(err));
    const handler = state.onError ?? this.options.onError;
    if (handler !== undefined) {
      handler(error);
      return;
    }
    // A bug in the caller's handler: surface it as EventEmitter would.
    queueMicrotask(() => {
      throw error;
    });
  }
}

/** Guards against a malformed event: one bad chunk must not corrupt the sequence. */
function isChunk(chunk: VariableChunk): boolean {
  return (
    typeof chunk === 'object' &&
    chunk !== null &&
    typeof chunk.run === 'string' &&
    typeof chunk.variable === 'string' &&
    Number.isSafeInteger(chunk.first) &&
    chunk.first >= 1 &&
    Array.isArray(chunk.t) &&
    Array.isArray(chunk.v) &&
    chunk.t.length === chunk.v.length &&
    chunk.t.length > 0
  );
}
