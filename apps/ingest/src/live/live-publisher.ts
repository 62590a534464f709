import { roomOf, type SeqRange, type VariableSeries } from '@runstream/domain';
import type { Logger } from 'pino';
import type { IngestMetrics } from '../metrics';
import type { LiveAudience } from './live-audience';
import type { LiveServer, LiveSocket } from './live-server';
import { socketBacklogBytes } from './socket-backlog';
import { leaveSubscription } from './subscription-set';

export interface LivePublisherOptions {
  /**
   * Which rooms may have subscribers, here or on other replicas: a room no
   * one listens to is skipped, because Socket.IO (and an adapter) would still
   * serialise and send the packet.
   */
  audience: LiveAudience;
  /** A socket with more than this queued is sent a `resync` instead of more events. */
  maxBufferedBytes: number;
  metrics: IngestMetrics;
  /** Where an emit that failed after waiting for Redis is reported (no request is left to fail). */
  logger: Logger;
}

/**
 * Emits freshly written samples to their variable's room, never queueing
 * without bound for a socket that does not read: past `maxBufferedBytes` the
 * socket leaves the room and is told to `resync` from the first seq it was not
 * sent. Nothing is dropped silently: every seq before that was queued to it,
 * and a subscribe from its last seq + 1 reads the rest from history.
 */
export class LivePublisher {
  /** Batches whose audience Redis is being asked about, emitted in write order behind them. */
  private waiting = 0;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly io: LiveServer,
    private readonly options: LivePublisherOptions,
  ) {}

  publish(run: string, series: VariableSeries[], ranges: SeqRange[]): void {
    const audience = this.options.audience.audience(
      run,
      series.map((s) => s.name),
    );
    if (Array.isArray(audience) && this.waiting === 0) {
      this.emit(run, series, ranges, audience);
      return;
    }
    // Writes are answered in order; their emits keep it, so subscribers rarely see a gap to wait out.
    this.waiting++;
    this.queue = this.queue
      .then(() => audience)
      .then((listened) => this.emit(run, series, ranges, listened))
      // One failed emit must not stop those queued behind it.
      .catch((err: unknown) => this.options.logger.error({ err, run }, 'live emit failed'))
      .finally(() => {
        this.waiting--;
      });
  }

  private emit(
    run: string,
    series: VariableSeries[],
    ranges: SeqRange[],
    listened: boolean[],
  ): void {
    const rooms = this.io.of('/').adapter.rooms;
    for (let i = 0; i < series.length; i++) {
      const s = series[i];
      const range = ranges[i];
      if (s === undefined || range === undefined || listened[i] !== true) continue;
      const room = roomOf(run, s.name);
      const members = rooms.get(room);
      const behind = this.slowMembers(members);
      for (const socket of behind) this.resync(socket, room, run, s.name, range.first);
      const target =
        behind.length === 0 ? this.io.to(room) : this.io.to(room).except(behind.map((b) => b.id));
      target.emit('samples', { run, variable: s.name, first: range.first, t: s.t, v: s.v });
    }
  }

  /** This process's sockets of the room whose outgoing queue is past the cap. */
  private slowMembers(members: ReadonlySet<string> | undefined): LiveSocket[] {
    if (members === undefined) return [];
    const sockets = this.io.of('/').sockets;
    const slow: LiveSocket[] = [];
    for (const id of members) {
      const socket = sockets.get(id);
      if (socket !== undefined && socketBacklogBytes(socket) > this.options.maxBufferedBytes)
        slow.push(socket);
    }
    return slow;
  }

  private resync(
    socket: LiveSocket,
    room: string,
    run: string,
    variable: string,
    fromSeq: number,
  ): void {
    leaveSubscription(socket, room, this.options.metrics);
    this.options.metrics.liveResyncs.inc();
    socket.emit('resync', { run, variable, fromSeq });
  }
}
