import type { IngestMetrics } from '../metrics';
import type { LiveSocket } from './live-server';

/**
 * A socket's subscriptions (its variable rooms) and the gauge counting them:
 * every way a subscription starts or ends goes through here, so the two agree.
 */
export function joinSubscription(socket: LiveSocket, room: string, metrics: IngestMetrics): void {
  if (socket.data.subscriptions.has(room)) return;
  socket.data.subscriptions.add(room);
  metrics.subscriptions.inc();
}

/** Leaves the room; a no-op for the gauge when the socket was not subscribed. */
export function leaveSubscription(socket: LiveSocket, room: string, metrics: IngestMetrics): void {
  if (socket.data.subscriptions.delete(room)) metrics.subscriptions.dec();
  void socket.leave(room);
}
