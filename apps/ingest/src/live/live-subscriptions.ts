import {
  boundedChunkTexts,
  chunkJson,
  roomOf,
  subscribeRequestSchema,
  unsubscribeRequestSchema,
  type SocketError,
  type SubscribeAck,
  type UnsubscribeAck,
  type VariableChunk,
} from '@runstream/domain';
import type { ChunkTextSource, DamageReporter } from '@runstream/tiering';
import type { Logger } from 'pino';
import { bearerToken, type Authorizer } from '../auth';
import { asDamage } from '../damage-report';
import { knownError } from '../http-errors';
import type { RunAccess } from '../run-access';
import type { LiveAudience } from './live-audience';
import { RawJson } from './raw-json-parser';
import type { IngestMetrics } from '../metrics';
import { validate } from '../routes/validate';
import type { LiveServer, LiveSocket } from './live-server';
import { joinSubscription, leaveSubscription } from './subscription-set';

export interface LiveSubscriptionDeps {
  history: ChunkTextSource;
  /** Told of each subscription before its history is read (other replicas then emit to us). */
  audience: LiveAudience;
  authorizer: Authorizer;
  access: RunAccess;
  metrics: IngestMetrics;
  logger: Logger;
  reportDamage: DamageReporter;
  snapshotChunkSamples: number;
  /** Subscriptions one socket may hold; the next subscribe is refused. */
  maxSubscriptionsPerSocket: number;
}

const toSocketError = (err: unknown): SocketError => {
  const known = knownError(err);
  return known === undefined
    ? { code: 'internal', message: 'internal server error' }
    : { code: known.code, message: known.message };
};

/**
 * The subscribe protocol: join the room first, then read history and send it
 * as bounded `snapshot` chunks, then acknowledge with the last seq sent. Live
 * events that arrive meanwhile carry their seqs; the client drops what it has.
 * Joining before reading is what makes it gap-free: a sample written after the
 * join is emitted to us, one written before it is in the history we read.
 */
export function attachLiveSubscriptions(io: LiveServer, deps: LiveSubscriptionDeps): void {
  const { authorizer, metrics, logger } = deps;

  io.use((socket, next) => {
    const auth = socket.handshake.auth as { token?: unknown };
    const token =
      typeof auth.token === 'string'
        ? auth.token
        : bearerToken(socket.handshake.headers.authorization);
    try {
      // Checked once per connection: a token dropped from the tokens file keeps
      // its open sockets until they reconnect.
      socket.data.principal = authorizer.check(token, 'read');
      next();
    } catch (err) {
      const e = new Error(err instanceof Error ? err.message : 'unauthorized') as Error & {
        data?: unknown;
      };
      e.data = toSocketError(err);
      next(e);
    }
  });

  io.on('connection', (socket) => {
    socket.data.subscriptions = new Set();
    socket.on('subscribe', (req, ack) => {
      const reply = typeof ack === 'function' ? ack : () => undefined;
      subscribe(socket, req, deps).then(reply, (err: unknown) => {
        const damage = asDamage(err);
        if (damage !== undefined) deps.reportDamage(damage);
        else if (knownError(err) === undefined) logger.error({ err }, 'subscribe failed');
        reply({ ok: false, error: toSocketError(damage ?? err) });
      });
    });
    socket.on('unsubscribe', (req, ack) => {
      const reply = typeof ack === 'function' ? ack : () => undefined;
      try {
        const { run, variable } = validate(unsubscribeRequestSchema, req, 'unsubscribe');
        leaveSubscription(socket, roomOf(run, variable), metrics);
        reply({ ok: true } satisfies UnsubscribeAck);
      } catch (err) {
        reply({ ok: false, error: toSocketError(err) });
      }
    });
    socket.on('disconnect', () => {
      metrics.subscriptions.dec(socket.data.subscriptions.size);
      socket.data.subscriptions.clear();
    });
  });
}

async function subscribe(
  socket: LiveSocket,
  req: unknown,
  deps: LiveSubscriptionDeps,
): Promise<SubscribeAck> {
  const { run, variable, fromSeq = 1 } = validate(subscribeRequestSchema, req, 'subscribe');
  const room = roomOf(run, variable);
  let refusal = subscriptionLimitError(socket, room, deps);
  if (refusal !== undefined) return { ok: false, error: refusal };
  // Another project's run is refused exactly as a missing one (RunAccess).
  await deps.access.run(socket.data.principal, run);

  // Again after the wait: subscribes of one socket run concurrently.
  refusal = subscriptionLimitError(socket, room, deps);
  if (refusal !== undefined) return { ok: false, error: refusal };
  joinSubscription(socket, room, deps.metrics);
  await socket.join(room);
  await deps.audience.listen(run, variable);

  let lastSeq = fromSeq - 1;
  const history = deps.history.texts(run, variable, fromSeq);
  for await (const chunk of boundedChunkTexts(history, fromSeq, deps.snapshotChunkSamples)) {
    if (socket.disconnected) break;
    // Stored text spliced into the message: a VariableChunk on the wire, not parsed here.
    const message = new RawJson(chunkJson(run, variable, chunk)) as unknown as VariableChunk;
    socket.emit('snapshot', message);
    deps.metrics.snapshotSamples.inc(chunk.count);
    lastSeq = chunk.first + chunk.count - 1;
    await transportDrained(socket);
  }
  return { ok: true, lastSeq };
}

/** A refusal when a new room would take the socket past its subscription limit. */
function subscriptionLimitError(
  socket: LiveSocket,
  room: string,
  deps: LiveSubscriptionDeps,
): SocketError | undefined {
  const held = socket.data.subscriptions;
  if (held.has(room) || held.size < deps.maxSubscriptionsPerSocket) return undefined;
  deps.metrics.limitRefusals.inc({ limit: 'subscriptions' });
  return {
    code: 'too_many_subscriptions',
    message: `a socket may hold at most ${deps.maxSubscriptionsPerSocket} subscriptions (INGEST_MAX_SUBSCRIPTIONS_PER_SOCKET): unsubscribe from one first`,
  };
}

/**
 * Back-pressure for long snapshots: wait while the engine's transport is busy
 * writing, so one subscriber's history is never queued in memory whole. The
 * timer guards against a transport that reports readiness some other way
 * (long-polling waits for the client's next poll).
 */
function transportDrained(socket: LiveSocket): Promise<void> {
  const transport = socket.conn.transport;
  if (transport.writable || socket.disconnected) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      transport.off('drain', done);
      transport.off('ready', done);
      transport.off('close', done);
      resolve();
    };
    const timer = setTimeout(done, 100);
    transport.once('drain', done);
    transport.once('ready', done);
    transport.once('close', done);
  });
}
