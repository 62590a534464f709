import { roomOf } from '@runstream/domain';
import type { LiveListeners, LiveVariable } from '@runstream/hot-store';
import type { Logger } from 'pino';
import type { IngestMetrics } from '../metrics';
import type { LiveServer } from './live-server';

/** How long a listener entry lives without a refresh; refreshed three times within it. */
export const LISTENER_TTL_MS = 30_000;
/** How long a "someone listens" answer is trusted: a stale yes costs only an unread emit. */
export const LISTENED_CACHE_MS = 1000;

/**
 * Decides, per variable of a written batch, whether its live emit can be
 * skipped because no one anywhere subscribes to it (the cheap path: no packet
 * built, nothing sent to Redis). A subscriber in this process decides at once.
 * With one process (no `listeners`) that is all there is. With an adapter,
 * subscribers may be on other replicas: `listeners` (Redis) says, after the
 * write, whether any replica listens; a yes is trusted for
 * LISTENED_CACHE_MS, a no never (it would miss a subscriber that just joined).
 *
 * Exactness: `listen` registers this replica before the subscriber's history
 * is read; a write after that read is answered by a question asked after the
 * write, which therefore sees the registration. A write before the read is in
 * the history.
 */
export class LiveAudience {
  private readonly listenedUntil = new Map<string, number>();
  /** Rooms with subscribers in this process, as registered in Redis. */
  private readonly registered = new Map<string, LiveVariable>();
  private readonly refresher: NodeJS.Timeout | undefined;

  constructor(
    private readonly io: LiveServer,
    private readonly metrics: IngestMetrics,
    private readonly logger: Logger,
    private readonly listeners?: LiveListeners,
  ) {
    if (listeners === undefined) return;
    // The adapter's own view of this process's rooms: the last subscriber gone, the entry goes.
    io.of('/').adapter.on('delete-room', (room: string) => this.forget(room));
    this.refresher = setInterval(() => this.refresh(), LISTENER_TTL_MS / 3);
    this.refresher.unref();
  }

  /** Before a subscriber's history is read: this replica listens to the variable. */
  async listen(run: string, variable: string): Promise<void> {
    if (this.listeners === undefined) return;
    const room = roomOf(run, variable);
    if (this.registered.has(room)) return;
    await this.listeners.add([{ run, variable }]);
    // The socket may have left meanwhile: then the entry lapses by itself (an unread emit at worst).
    if (this.io.of('/').adapter.rooms.has(room)) this.registered.set(room, { run, variable });
  }

  /**
   * For each name, whether its room may have a subscriber: an array when this
   * process knows, a promise when Redis must be asked (it resolves to all true
   * if the question fails: an unread emit is the safe mistake).
   */
  audience(run: string, names: readonly string[]): boolean[] | Promise<boolean[]> {
    const rooms = this.io.of('/').adapter.rooms;
    const now = Date.now();
    const decided: boolean[] = [];
    const unknown: number[] = [];
    // Counted per batch, not per variable: this runs on every write.
    let local = 0;
    let cached = 0;
    for (const [i, name] of names.entries()) {
      const room = roomOf(run, name);
      if (rooms.has(room)) {
        decided.push(true);
        local++;
      } else if (this.listeners !== undefined && (this.listenedUntil.get(room) ?? 0) > now) {
        decided.push(true);
        cached++;
      } else {
        decided.push(false);
        unknown.push(i);
      }
    }
    this.count('local', local);
    this.count('cached', cached);
    if (unknown.length === 0) return decided;
    if (this.listeners === undefined) {
      this.count('skipped', unknown.length);
      return decided;
    }
    const asked = unknown.map((i) => names[i] as string);
    return this.listeners.listened(run, asked).then(
      (answers) => {
        const until = Date.now() + LISTENED_CACHE_MS;
        let yes = 0;
        for (const [j, i] of unknown.entries()) {
          if (answers[j] !== true) continue;
          decided[i] = true;
          yes++;
          this.remember(roomOf(run, asked[j] as string), until);
        }
        this.count('asked', yes);
        this.count('skipped', unknown.length - yes);
        return decided;
      },
      (err: unknown) => {
        this.logger.warn({ err }, 'live listeners question failed: emitting');
        this.count('error', unknown.length);
        return decided.map(() => true);
      },
    );
  }

  private count(decision: 'local' | 'cached' | 'asked' | 'skipped' | 'error', n: number): void {
    if (n > 0) this.metrics.liveRooms.inc({ decision }, n);
  }

  /** Stops refreshing and removes this replica's entries (shutdown). */
  close(): void {
    clearInterval(this.refresher);
    for (const room of [...this.registered.keys()]) this.forget(room);
  }

  private remember(room: string, until: number): void {
    // Bounded: a burst of many variables must not grow the cache without end.
    if (this.listenedUntil.size >= 100_000) this.listenedUntil.clear();
    this.listenedUntil.set(room, until);
  }

  private forget(room: string): void {
    const entry = this.registered.get(room);
    if (entry === undefined || this.listeners === undefined) return;
    this.registered.delete(room);
    this.listeners.remove(entry).catch((err: unknown) => {
      this.logger.warn({ err, room }, 'live listener entry not removed: it lapses by itself');
    });
  }

  private refresh(): void {
    if (this.listeners === undefined || this.registered.size === 0) return;
    this.listeners.add([...this.registered.values()]).catch((err: unknown) => {
      this.logger.warn({ err }, 'live listener entries not refreshed');
    });
  }
}
