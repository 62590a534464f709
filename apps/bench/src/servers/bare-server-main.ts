/**
 * The ceilings: the least an HTTP ingest on this stack can do. Run as a child
 * process by the benchmark, in one of two modes:
 *
 * - bare: Express 5 parses the same JSON bodies with the same limit as ingest
 *   and answers 200 with a small JSON; no auth, no validation, no Redis, no
 *   logging.
 * - bare + Redis (BARE_REDIS_URL set): reads the body as text, JSON.parses it
 *   (as ingest does) and stores the raw text with one RPUSH, then answers: the
 *   least any design that must both parse and store the bytes can do.
 * - bare node:http (BARE_HTTP=node): bare without Express, the request read
 *   and answered by node:http alone — as ingest serves its common sample post
 *   since it stopped passing it through Express (routes/samples-direct), so
 *   the floor of that path too.
 *
 * Socket.IO is attached as in ingest and emits a body's variables to rooms that
 * have subscribers (none during the throughput phase; in Redis mode once the
 * body is stored, as ingest does), which gives the latency phase a baseline too.
 */
import {
  roomOf,
  type ClientToServerEvents,
  type ServerToClientEvents,
  type WireValue,
} from '@runstream/domain';
import express from 'express';
import { Redis } from 'ioredis';
import {
  createServer,
  type IncomingMessage,
  type Server as HttpServer,
  type ServerResponse,
} from 'node:http';
import { Server } from 'socket.io';
import { z } from 'zod';

const bareConfigSchema = z.object({
  /** Same names as ingest's settings, so both children get one environment. */
  PORT: z.coerce.number().int().min(1).max(65535),
  HOST: z.string().default('127.0.0.1'),
  INGEST_MAX_BODY_BYTES: z.coerce.number().int().min(1024),
  /** Set: bare + Redis mode, every body is RPUSHed there (give it a DB of its own, e.g. `/1`). */
  BARE_REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
  /** The list every body is appended to. */
  BARE_REDIS_KEY: z.string().min(1).default('bench:bare-redis:bodies'),
  /** `node`: no Express, node:http alone (without Redis only). */
  BARE_HTTP: z.enum(['express', 'node']).default('express'),
});
type BareConfig = z.infer<typeof bareConfigSchema>;

/** Where the bare + Redis mode stores bodies: one list, one RPUSH per request. */
export interface BareBodyStore {
  redis: Redis;
  key: string;
}

const isRecord = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

export function createBareServer(
  config: Pick<BareConfig, 'INGEST_MAX_BODY_BYTES'> & Partial<Pick<BareConfig, 'BARE_HTTP'>>,
  store?: BareBodyStore,
): HttpServer {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  const server = createServer(
    store === undefined && config.BARE_HTTP === 'node'
      ? (req, res) => {
          if (req.method === 'POST') return nodeSamples(req, res, config.INGEST_MAX_BODY_BYTES);
          app(req, res);
        }
      : app,
  );
  const io = new Server<ClientToServerEvents, ServerToClientEvents>(server, {
    maxHttpBufferSize: 1e6,
  });

  io.on('connection', (socket) => {
    socket.on('subscribe', (req, ack) => {
      void socket.join(roomOf(req.run, req.variable));
      ack({ ok: true, lastSeq: 0 });
    });
    socket.on('unsubscribe', (req, ack) => {
      void socket.leave(roomOf(req.run, req.variable));
      ack({ ok: true });
    });
  });
  /** The next seq of each room, so a subscriber can check it got every sample once. */
  const nextSeq = new Map<string, number>();

  const emitToSubscribers = (run: string, body: unknown): void => {
    const rooms = io.of('/').adapter.rooms;
    if (rooms.size === 0 || !isRecord(body) || !isRecord(body.variables)) return;
    for (const [variable, series] of Object.entries(body.variables)) {
      const room = roomOf(run, variable);
      if (!rooms.has(room) || !isRecord(series)) continue;
      // Deliberately unvalidated: this is the floor that ingest's checks are measured against.
      const t = series.t as number[];
      const first = nextSeq.get(room) ?? 1;
      nextSeq.set(room, first + t.length);
      io.to(room).emit('samples', { run, variable, first, t, v: series.v as WireValue[] });
    }
  };

  app.get('/healthz', async (_req, res) => {
    // In Redis mode, ready only once Redis answers: the benchmark starts load on 200.
    const ok = store === undefined || (await store.redis.ping().catch(() => '')) === 'PONG';
    res.status(ok ? 200 : 503).json({ ok });
  });

  if (store === undefined) {
    app.post(
      '/v1/runs/:run/samples',
      express.json({ limit: config.INGEST_MAX_BODY_BYTES, strict: true, type: 'application/json' }),
      (req, res) => {
        emitToSubscribers(req.params.run, req.body);
        res.json({ ok: true });
      },
    );
  } else {
    app.post(
      '/v1/runs/:run/samples',
      // As ingest reads it: body-parser decodes and limits the text, JSON.parse is separate.
      express.text({ limit: config.INGEST_MAX_BODY_BYTES, type: 'application/json' }),
      async (req, res) => {
        const text: unknown = req.body;
        if (typeof text !== 'string') {
          res.status(415).json({ ok: false });
          return;
        }
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          res.status(400).json({ ok: false });
          return;
        }
        // One round trip, the cheapest store there is: the raw bytes, appended.
        await store.redis.rpush(store.key, text);
        emitToSubscribers(req.params.run, body);
        res.json({ ok: true });
      },
    );
  }
  return server;
}

/**
 * A sample post as node:http alone answers it: the body read up to the limit,
 * JSON.parsed, a small JSON answer (no emit: the throughput phase has no
 * subscribers).
 */
function nodeSamples(req: IncomingMessage, res: ServerResponse, limit: number): void {
  const chunks: Buffer[] = [];
  let length = 0;
  const answer = (status: number, text: string): void => {
    res.writeHead(status, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(text),
    });
    res.end(text);
  };
  req.on('data', (chunk: Buffer) => {
    length += chunk.length;
    if (length <= limit) chunks.push(chunk);
  });
  req.on('end', () => {
    if (length > limit) return answer(413, '{"ok":false}');
    try {
      JSON.parse(Buffer.concat(chunks, length).toString('utf8'));
    } catch {
      return answer(400, '{"ok":false}');
    }
    answer(200, '{"ok":true}');
  });
}

if (require.main === module) {
  const parsed = bareConfigSchema.safeParse(process.env);
  if (!parsed.success) {
    console.error(`invalid bare server configuration: ${parsed.error.message}`);
    process.exit(1);
  }
  const config = parsed.data;
  // The client options ingest's HotStore uses.
  const redis =
    config.BARE_REDIS_URL === undefined
      ? undefined
      : new Redis(config.BARE_REDIS_URL, { maxRetriesPerRequest: 3 });
  const server = createBareServer(
    config,
    redis === undefined ? undefined : { redis, key: config.BARE_REDIS_KEY },
  );
  server.listen(config.PORT, config.HOST);
  process.on('SIGTERM', () => {
    server.closeAllConnections();
    server.close(() => {
      if (redis === undefined) process.exit(0);
      redis.quit().then(
        () => process.exit(0),
        () => process.exit(0),
      );
    });
  });
}
