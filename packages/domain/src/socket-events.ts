import type { SampleChunk } from './http-api';
import type { SubscribeRequest, UnsubscribeRequest } from './socket-requests';

/**
 * The Socket.IO protocol, typed once for the server, the SDK and the viewer.
 *
 * `subscribe` → the server joins the socket to the variable's room, reads the
 * history from `fromSeq`, emits it as `snapshot` chunks (bounded size) and
 * then acknowledges with the last seq the snapshot covered. Live `samples`
 * events of the room may arrive while the snapshot is still being sent: every
 * chunk carries its seqs, and a client keeps the highest seq it has delivered
 * and drops what it has seen (the SDK's Subscriber does exactly that).
 */
export interface SocketError {
  code: string;
  message: string;
}

export type SubscribeAck =
  | {
      ok: true;
      /** Last seq the snapshot covered (fromSeq - 1 if it was empty). */ lastSeq: number;
    }
  | { ok: false; error: SocketError };

export type UnsubscribeAck = { ok: true } | { ok: false; error: SocketError };

/** A chunk of one variable's samples, as sent in `snapshot` and `samples` events. */
export interface VariableChunk extends SampleChunk {
  run: string;
  variable: string;
}

/**
 * The server stopped sending this socket a variable's live events because the
 * socket fell behind (its outgoing queue passed the server's cap): it has left
 * the room. Every seq before `fromSeq` was queued to it; subscribing again
 * from the client's own last seq + 1 gets the rest, nothing lost.
 */
export interface ResyncNotice {
  run: string;
  variable: string;
  /** The first seq this socket was not sent. */
  fromSeq: number;
}

export interface ClientToServerEvents {
  subscribe: (req: SubscribeRequest, ack: (res: SubscribeAck) => void) => void;
  unsubscribe: (req: UnsubscribeRequest, ack: (res: UnsubscribeAck) => void) => void;
}

export interface ServerToClientEvents {
  snapshot: (chunk: VariableChunk) => void;
  samples: (chunk: VariableChunk) => void;
  resync: (notice: ResyncNotice) => void;
}

/** The Socket.IO room of one (run, variable); JSON keeps any name unambiguous. */
export function roomOf(run: string, variable: string): string {
  return JSON.stringify([run, variable]);
}
