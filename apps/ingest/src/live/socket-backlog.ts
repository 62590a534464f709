import type { LiveSocket } from './live-server';

/** The parts of engine.io's connection that hold what is not yet sent (private in its types). */
interface EngineInternals {
  /** Packets waiting for the transport (it is busy writing, or a poll has not come). */
  writeBuffer?: { data?: unknown }[];
  /** The websocket transport's `ws` socket: what it holds that the kernel has not taken. */
  transport?: { socket?: { bufferedAmount?: unknown } };
}

/**
 * Bytes queued for one socket and not yet handed to the kernel: engine.io's
 * write buffer plus the websocket's own. A client that does not read makes it
 * grow once the kernel's buffers are full, so this is what a cap on a slow
 * socket's outgoing queue looks at. Approximate (string lengths count as
 * bytes; snapshot and live messages are ASCII JSON).
 */
export function socketBacklogBytes(socket: LiveSocket): number {
  const conn = socket.conn as unknown as EngineInternals;
  let bytes = 0;
  for (const packet of conn.writeBuffer ?? []) {
    const data = packet.data;
    if (typeof data === 'string') bytes += data.length;
    else if (data instanceof Uint8Array) bytes += data.byteLength;
  }
  const buffered = conn.transport?.socket?.bufferedAmount;
  if (typeof buffered === 'number') bytes += buffered;
  return bytes;
}
