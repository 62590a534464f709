import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A loopback TCP forwarder standing for the load balancer in front of
 * several ingest replicas: each new connection goes to the current target;
 * `retarget` sends the next ones elsewhere (what a balancer does once a
 * replica fails its health check).
 */
export class TcpForwarder {
  private readonly open = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    private target: number,
  ) {}

  static async start(targetPort: number): Promise<TcpForwarder> {
    const holder: { forwarder?: TcpForwarder } = {};
    const server = createServer((client) => holder.forwarder?.forward(client));
    const forwarder = new TcpForwarder(server, targetPort);
    holder.forwarder = forwarder;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return forwarder;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  retarget(port: number): void {
    this.target = port;
  }

  async close(): Promise<void> {
    for (const s of this.open) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private forward(client: Socket): void {
    const upstream = createConnection(this.target, '127.0.0.1');
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      this.open.add(a);
      a.pipe(b);
      // One side gone (a replica killed): the other goes too, as through a balancer.
      a.on('error', () => b.destroy());
      a.on('close', () => {
        this.open.delete(a);
        b.destroy();
      });
    }
  }
}
