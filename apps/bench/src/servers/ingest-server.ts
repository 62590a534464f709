import { coldStoreEnvOf } from '@runstream/cold-store';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  formatCpuProfileSummary,
  summarizeCpuProfile,
  type CpuProfile,
} from '../cpu-profile-summary';
import type { RunningS3Server } from '@runstream/testkit';
import { startChildServer, type ChildServer } from '../child-server';

/** The bearer tokens of every ingest process the bench starts. */
export const WRITE_TOKEN = 'bench-write-token-0123456789';
export const READ_TOKEN = 'bench-read-token-0123456789';

/** Ingest's default INGEST_MAX_BODY_BYTES: what the bench's servers are given. */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;

export interface IngestServerOptions {
  port: number;
  redisUrl: string;
  writeToken: string;
  readToken: string;
  maxBodyBytes: number;
  /** The cold store (ingest reads history from it, and its readiness checks it): s3rver's. */
  s3: Pick<RunningS3Server, 'connection'>;
  /** When set, the process writes a V8 CPU profile there on exit. */
  cpuProfileDir?: string;
  /** More of ingest's settings (e.g. READ_CACHE_BYTES); the defaults otherwise. */
  env?: Record<string, string>;
  /** How long start-up may take (default startChildServer's). */
  readyTimeoutMs?: number;
}

export interface IngestServer extends ChildServer {
  /** POST /v1/runs with a chosen id: ingest refuses samples of a run that does not exist. */
  createRun(id: string): Promise<void>;
}

/**
 * Starts the real ingest app, its built `main.js`, configured from the
 * environment exactly as in production: bearer tokens, pino at info, default
 * Prometheus metrics. Only the ports, the Redis URL and the S3 server are the
 * benchmark's.
 */
export async function startIngestServer(options: IngestServerOptions): Promise<IngestServer> {
  const child = await startChildServer({
    name: 'ingest',
    // apps/ingest declares no "exports", so its built files resolve by path.
    script: require.resolve('@runstream/ingest/dist/main.js'),
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      PORT: String(options.port),
      HOST: '127.0.0.1',
      REDIS_URL: options.redisUrl,
      RUNSTREAM_WRITE_TOKENS: options.writeToken,
      RUNSTREAM_READ_TOKENS: options.readToken,
      INGEST_MAX_BODY_BYTES: String(options.maxBodyBytes),
      LOG_LEVEL: 'info',
      ...coldStoreEnvOf(options.s3.connection),
      // Ingest's Redis command timeout (default 1 s) from the bench's own env, to
      // measure the crowd phases past it: see the README's Benchmarks.
      ...(process.env.REDIS_COMMAND_TIMEOUT_MS !== undefined
        ? { REDIS_COMMAND_TIMEOUT_MS: process.env.REDIS_COMMAND_TIMEOUT_MS }
        : {}),
      ...options.env,
    },
    port: options.port,
    readyPath: '/readyz',
    ...(options.readyTimeoutMs !== undefined ? { readyTimeoutMs: options.readyTimeoutMs } : {}),
    execArgv:
      options.cpuProfileDir === undefined
        ? []
        : ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`],
  });

  return {
    ...child,
    createRun: async (id) => {
      const res = await fetch(`${child.baseUrl}/v1/runs`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${options.writeToken}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ id, meta: { source: 'bench' } }),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`ingest: creating run ${id} failed: HTTP ${res.status} ${text}`);
    },
  };
}

/** The CPU profile an ingest process started with `cpuProfileDir` wrote on exit, summarised. */
export function ingestProfileSummary(dir: string, pid: number): { file: string; summary: string } {
  const file = readdirSync(dir).find((f) => f.includes(`.${pid}.`) && f.endsWith('.cpuprofile'));
  if (file === undefined) throw new Error(`no CPU profile of ingest (pid ${pid}) in ${dir}`);
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
  return {
    file: join(dir, file),
    summary: formatCpuProfileSummary(summarizeCpuProfile(profile)),
  };
}
