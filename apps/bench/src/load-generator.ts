import { BINARY_BODY_CONTENT_TYPE } from '@runstream/domain';
import { Agent, request } from 'node:http';
import type { BodyPool } from './bodies';
import { wallClockMs } from './wall-clock';

/** Where the load goes: one POST URL, with the bearer token production clients send. */
export interface LoadTarget {
  url: URL;
  token?: string;
}

export interface LoadResult {
  /** Requests answered 2xx. */
  ok: number;
  /** Requests answered otherwise, or that failed on the socket. */
  failed: number;
  /** The first failure, so a broken setup says why instead of just being slow. */
  firstFailure?: string;
  /** From the first send to the last answer, in ms. */
  elapsedMs: number;
}

export interface OpenLoopResult extends LoadResult {
  /** How late each send was against its schedule, in ms (the pacer's own jitter). */
  lagMs: number[];
}

/**
 * Returns `result` when every request was answered 2xx; throws otherwise. A
 * figure that includes errors measures the wrong thing, so the benchmark stops.
 */
export function assertAllAnswered<R extends LoadResult>(label: string, result: R): R {
  if (result.failed > 0)
    throw new Error(
      `${label}: ${result.failed} of ${result.ok + result.failed} requests failed; first: ${String(result.firstFailure)}`,
    );
  if (result.ok === 0) throw new Error(`${label}: no request was answered`);
  return result;
}

const now = (): number => performance.now();

/**
 * Sends pre-built bodies over keep-alive connections and counts answers. The
 * same generator drives every server, so the figures differ only by server.
 * Plain node:http: no dependency, and at a few thousand 30 KB requests a second
 * it needs a fraction of a core.
 */
export class LoadGenerator {
  private readonly agent: Agent;
  private readonly headers: Record<string, string>;
  /** Sends the pool's bodies as binary (docs/protocol.md, Binary bodies) rather than JSON. */
  private readonly binary: boolean;

  constructor(
    private readonly target: LoadTarget,
    private readonly bodies: BodyPool,
    options: { maxSockets: number; binary?: boolean },
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets: options.maxSockets, scheduling: 'fifo' });
    this.binary = options.binary === true;
    this.headers = {
      'content-type': this.binary ? BINARY_BODY_CONTENT_TYPE : 'application/json',
      ...(target.token !== undefined ? { authorization: `Bearer ${target.token}` } : {}),
    };
  }

  /** Samples each answered request carried. */
  get samplesPerRequest(): number {
    return this.bodies.samplesPerBody;
  }

  /**
   * Closed loop: `connections` senders, each sending its next request as soon
   * as the previous one is answered, for `durationMs`. Measures the most the
   * server can take.
   */
  async closedLoop(connections: number, durationMs: number): Promise<LoadResult> {
    const result: LoadResult = { ok: 0, failed: 0, elapsedMs: 0 };
    const start = now();
    const deadline = start + durationMs;
    const sender = async (): Promise<void> => {
      while (now() < deadline)
        await this.send(this.binary ? this.bodies.binaryBody() : this.bodies.next(), result);
    };
    await Promise.all(Array.from({ length: connections }, sender));
    result.elapsedMs = now() - start;
    return result;
  }

  /**
   * Open loop: sends at a fixed rate whatever the answers do, as independent
   * producers would, for `durationMs`. With `stamp`, each body's first t of the
   * stamped variable is the wall-clock time it was handed to the socket.
   */
  async openLoop(
    ratePerSecond: number,
    durationMs: number,
    options: { stamp: boolean },
  ): Promise<OpenLoopResult> {
    if (this.binary) throw new Error('open loop sends stamped JSON bodies only');
    const result: OpenLoopResult = { ok: 0, failed: 0, elapsedMs: 0, lagMs: [] };
    const interval = 1000 / ratePerSecond;
    const start = now();
    const end = start + durationMs;
    const inFlight = new Set<Promise<void>>();
    let due = start;
    await new Promise<void>((resolve) => {
      // Timers fire at best every ~1 ms, so each tick sends every request that
      // has fallen due; at a few thousand a second that is a small burst per tick.
      const tick = (): void => {
        const t = now();
        while (due <= t && due < end) {
          result.lagMs.push(t - due);
          const body = this.bodies.next(options.stamp ? wallClockMs() : undefined);
          const p = this.send(body, result).finally(() => inFlight.delete(p));
          inFlight.add(p);
          due += interval;
        }
        if (due >= end) resolve();
        else setTimeout(tick, Math.max(0, due - now()));
      };
      tick();
    });
    await Promise.all(inFlight);
    result.elapsedMs = now() - start;
    return result;
  }

  /** Closes the kept-alive sockets. */
  close(): void {
    this.agent.destroy();
  }

  /** One POST; never rejects: a failure is counted in `result`. */
  private send(body: string | Buffer, result: LoadResult): Promise<void> {
    return new Promise((resolve) => {
      // A socket error can follow an answer already counted: count each request once.
      let settled = false;
      const succeed = (): void => {
        if (settled) return;
        settled = true;
        result.ok++;
        resolve();
      };
      const fail = (why: string): void => {
        if (settled) return;
        settled = true;
        result.failed++;
        result.firstFailure ??= why;
        resolve();
      };
      const req = request(
        this.target.url,
        {
          method: 'POST',
          agent: this.agent,
          headers: { ...this.headers, 'content-length': String(Buffer.byteLength(body)) },
        },
        (res) => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) {
            // The answer is not needed: drain it so the socket can be reused.
            res.resume();
            res.on('end', succeed);
          } else {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => {
              if (text.length < 500) text += chunk;
            });
            res.on('end', () => fail(`HTTP ${status}: ${text.slice(0, 500)}`));
          }
          res.on('error', (err) => fail(err.message));
        },
      );
      req.on('error', (err) => fail(err.message));
      req.end(body);
    });
  }
}
