import { join } from 'node:path';
import { startChildServer, type ChildServer } from '../child-server';

/**
 * Starts the bare Express ceiling (bare-server-main) in a child process; with
 * `redis`, in its bare + Redis mode, which RPUSHes every body's text to `key`;
 * with `http: 'node'`, without Express.
 */
export function startBareServer(options: {
  port: number;
  maxBodyBytes: number;
  redis?: { url: string; key: string };
  http?: 'express' | 'node';
}): Promise<ChildServer> {
  return startChildServer({
    name:
      options.redis !== undefined ? 'bare+redis' : options.http === 'node' ? 'bare-node' : 'bare',
    script: join(__dirname, 'bare-server-main.js'),
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      PORT: String(options.port),
      HOST: '127.0.0.1',
      INGEST_MAX_BODY_BYTES: String(options.maxBodyBytes),
      BARE_HTTP: options.http ?? 'express',
      ...(options.redis !== undefined
        ? { BARE_REDIS_URL: options.redis.url, BARE_REDIS_KEY: options.redis.key }
        : {}),
    },
    port: options.port,
    readyPath: '/healthz',
  });
}
