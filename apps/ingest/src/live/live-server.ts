import type { ClientToServerEvents, ServerToClientEvents } from '@runstream/domain';
import type { Server, Socket } from 'socket.io';
import type { Principal } from '../token-table';

/** Per-socket state: who connected (checked at the handshake), the rooms it subscribed to. */
export interface LiveSocketData {
  principal: Principal;
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
