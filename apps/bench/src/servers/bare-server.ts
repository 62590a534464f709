import { join } from 'node:path';
import { startChildServer, type ChildServer } from '../child-server';

/** Starts the bare Express ceiling (bare-server-main) in a child process. */
export function startBareServer(options: {
  port: number;
  maxBodyBytes: number;
}): Promise<ChildServer> {
  return startChildServer({
    name: 'bare',
    script: join(__dirname, 'bare-server-main.js'),
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      PORT: String(options.port),
      HOST: '127.0.0.1',
      INGEST_MAX_BODY_BYTES: String(options.maxBodyBytes),
    },
    port: options.port,
    readyPath: '/healthz',
  });
}
