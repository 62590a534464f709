/**
 * The ceiling: the least an HTTP ingest on this stack can do. Express 5 parses
 * the same JSON bodies with the same limit as ingest and answers 200 with a
 * small JSON; no auth, no validation, no Redis, no logging. Socket.IO is
 * attached as in ingest and emits a body's variables to rooms that have
 * subscribers (none during the throughput phase), which gives the latency
 * phase a baseline too. Run as a child process by the benchmark.
 */
import {
  roomOf,
  type ClientToServerEvents,
  type ServerToClientEvents,
  type WireValue,
} from '@runstream/domain';
import express from 'express';
import { createServer, type Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import { z } from 'zod';

const bareConfigSchema = z.object({
  /** Same names as ingest's settings, so both children get one environment. */
  PORT: z.coerce.number().int().min(1).max(65535),
  HOST: z.string().default('127.0.0.1'),
  INGEST_MAX_BODY_BYTES: z.coerce.number().int().min(1024),
});
type BareConfig = z.infer<typeof bareConfigSchema>;

const isRecord = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

export function createBareServer(config: Pick<BareConfig, 'INGEST_MAX_BODY_BYTES'>): HttpServer {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  const server = createServer(app);
  const io = new Server<ClientToServerEvents, ServerToClientEvents>(server, {
    maxHttpBufferSize: 1e6,
  });

  io.on('connection', (socket) => {
    socket.on('subscribe', (req, ack) => {
      void socket.join(roomOf(req.run, req.variable));
      ack({ ok: true, lastSeq: 0 });
    });
  });

  app.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  app.post(
    '/v1/runs/:run/samples',
    express.json({ limit: config.INGEST_MAX_BODY_BYTES, strict: true, type: 'application/json' }),
    (req, res) => {
      const run = req.params.run;
      const body: unknown = req.body;
      const rooms = io.of('/').adapter.rooms;
      if (rooms.size > 0 && isRecord(body) && isRecord(body.variables)) {
        for (const [variable, series] of Object.entries(body.variables)) {
          const room = roomOf(run, variable);
          if (!rooms.has(room) || !isRecord(series)) continue;
          // Deliberately unvalidated: this is the floor that ingest's checks are measured against.
          io.to(room).emit('samples', {
            run,
            variable,
            first: 1,
            t: series.t as number[],
            v: series.v as WireValue[],
          });
        }
      }
      res.json({ ok: true });
    },
  );
  return server;
}

if (require.main === module) {
  const parsed = bareConfigSchema.safeParse(process.env);
  if (!parsed.success) {
    console.error(`invalid bare server configuration: ${parsed.error.message}`);
    process.exit(1);
  }
  const config = parsed.data;
  const server = createBareServer(config);
  server.listen(config.PORT, config.HOST);
  process.on('SIGTERM', () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}
