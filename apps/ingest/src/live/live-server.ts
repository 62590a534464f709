import type { ClientToServerEvents, ServerToClientEvents } from '@runstream/domain';
import type { Server, Socket } from 'socket.io';

/** Per-socket state: the rooms this socket subscribed to. */
export interface LiveSocketData {
  subscriptions: Set<string>;
}

export type LiveServer = Server<
  ClientToServerEvents,
  ServerToClientEvents,
  Record<string, never>,
  LiveSocketData
>;
export type LiveSocket = Socket<
  ClientToServerEvents,
  ServerToClientEvents,
  Record<string, never>,
  LiveSocketData
>;
