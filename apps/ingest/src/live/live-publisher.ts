import { roomOf, type SeqRange, type VariableSeries } from '@runstream/domain';
import type { LiveServer } from './live-server';

/**
 * Emits freshly written samples to their variable's room. With the in-memory
 * adapter (one ingest process) a room without sockets is skipped, because
 * Socket.IO would still serialise the packet; with a cross-process adapter
 * every emit goes out, as other processes may hold subscribers.
 */
export class LivePublisher {
  constructor(
    private readonly io: LiveServer,
    private readonly options: { skipEmptyRooms: boolean },
  ) {}

  publish(run: string, series: VariableSeries[], ranges: SeqRange[]): void {
    const rooms = this.io.of('/').adapter.rooms;
    for (let i = 0; i < series.length; i++) {
      const s = series[i];
      const range = ranges[i];
      if (s === undefined || range === undefined) continue;
      const room = roomOf(run, s.name);
      if (this.options.skipEmptyRooms && !rooms.has(room)) continue;
      this.io
        .to(room)
        .emit('samples', { run, variable: s.name, first: range.first, t: s.t, v: s.v });
    }
  }
}
